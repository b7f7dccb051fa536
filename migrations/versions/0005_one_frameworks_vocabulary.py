"""One frameworks vocabulary: the map's keys become the frameworks list's keys

The cartography had its own frameworks list whose keys differed from the admin-editable list of the practices
(`mallette_parents` / `mallette`, `convention_partenariat` / `convention`): links, their history, practice sheets,
their versions and facets, and the list itself are rewritten to the one key of each framework. Data only, no
schema change; JSON columns are read and written back in Python so it runs the same on SQLite and PostgreSQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

RENAMED = {"mallette_parents": "mallette", "convention_partenariat": "convention"}


def _keys(value):
    """A list of framework keys with the old keys renamed, each key once, in its first place."""
    if not isinstance(value, list):
        return value
    found = []
    for key in value:
        key = RENAMED.get(key, key) if isinstance(key, str) else key
        if key not in found:
            found.append(key)
    return found


def _change(value):
    """A link history entry: {"frameworks": [before, after], ...}."""
    if not isinstance(value, dict) or not isinstance(value.get("frameworks"), list | tuple):
        return value
    return {**value, "frameworks": [_keys(side) for side in value["frameworks"]]}


def _version(value):
    """A practice version snapshot: {"frameworks": [...], ...}."""
    if not isinstance(value, dict) or "frameworks" not in value:
        return value
    return {**value, "frameworks": _keys(value["frameworks"])}


def _rewrite(connection, table: str, column: str, rewrite) -> None:
    """Rewrite one JSON column, only in the rows whose text names an old key."""
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.JSON))
    text = sa.cast(rows.c[column], sa.Text)
    mentions = sa.or_(*(text.like(f"%{old}%") for old in RENAMED))
    for row_id, value in connection.execute(sa.select(rows.c.id, rows.c[column]).where(mentions)).all():
        new = rewrite(value)
        if new != value:
            connection.execute(rows.update().where(rows.c.id == row_id).values({column: new}))


def upgrade():
    connection = op.get_bind()
    _rewrite(connection, "structure_link", "frameworks", _keys)
    _rewrite(connection, "structure_link_change", "changes", _change)
    _rewrite(connection, "practice", "frameworks", _keys)
    _rewrite(connection, "practice_version", "data", _version)
    facet = sa.table("practice_facet", sa.column("id", sa.Integer), sa.column("practice_id", sa.Integer),
                     sa.column("facet", sa.String), sa.column("value", sa.String))
    listed = sa.table("practice_framework", sa.column("key", sa.String))
    for old, new in RENAMED.items():
        twin = sa.alias(facet)
        already = sa.select(twin.c.id).where(twin.c.practice_id == facet.c.practice_id,
                                             twin.c.facet == "framework", twin.c.value == new).exists()
        connection.execute(facet.delete().where(facet.c.facet == "framework", facet.c.value == old, already))
        connection.execute(facet.update().where(facet.c.facet == "framework", facet.c.value == old)
                           .values(value=new))
        if connection.execute(sa.select(listed.c.key).where(listed.c.key == new)).first() is not None:
            connection.execute(listed.delete().where(listed.c.key == old))
        else:
            connection.execute(listed.update().where(listed.c.key == old).values(key=new))
    if sa.inspect(connection).has_table("practice_search_state"):  # search's cached facets are now stale
        connection.execute(sa.text("UPDATE practice_search_state SET token = :t WHERE id = 1"),
                           {"t": secrets.randbits(62)})


def downgrade():
    # Not reversible: a kept key may have been chosen under either name before. Revision 0004's code still reads
    # the kept keys through the frameworks table, so leaving them is safe.
    pass
