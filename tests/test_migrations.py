"""The Alembic migrations build exactly the schema the models describe (on SQLite, or PostgreSQL when set).

Fails while models are added without their migration: the lead regenerates the initial migration
(`.venv/bin/flask --app workshop db migrate`) and this test says when it matches again.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.board_helpers import act
from tests.conftest import _database_url, _drop_database, make_config
from workshop import create_app
from workshop.database import managed_by_alembic
from workshop.extensions import db

pytestmark = [
    pytest.mark.migrations,
]


@contextmanager
def logging_kept():
    """migrations/env.py calls logging.config.fileConfig, which would silence the loggers of later tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = {name: (logger.disabled, logger.level) for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (disabled, lvl) in loggers.items():
            logger = logging.getLogger(name)
            logger.disabled, logger.level = disabled, lvl


@pytest.fixture
def migrated_app(tmp_path):
    url, pg_name = _database_url(tmp_path, empty=True)
    app = create_app(make_config(tmp_path, url))
    with app.app_context(), logging_kept():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if pg_name:
        _drop_database(pg_name)


def test_migrations_create_the_schema_of_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": managed_by_alembic}
        )
        differences = compare_metadata(context, db.metadata)
        tables = set(inspect(connection).get_table_names())
    assert {"user_account", "workshop", "board_column", "participant", "card", "board_event"} <= tables
    assert [_short(d) for d in differences] == [], "models and migrations differ: regenerate the migration"


def _short(difference) -> str:
    """('add_table', Table(...)) -> 'add_table city'; column changes come as lists of tuples."""
    if isinstance(difference, list):
        return "; ".join(_short(d) for d in difference)
    op, *args = difference
    names = [getattr(a, "name", None) or (a if isinstance(a, str) else None) for a in args]
    return " ".join([op, *[str(n) for n in names if n]])


def test_migrated_database_serves_the_app(migrated_app, make_user):
    """A card can be posted on a database built by the migrations alone (defaults, constraints)."""
    from workshop.boards import service as boards

    with migrated_app.test_request_context():
        from workshop.accounts import service as accounts

        user = accounts.create_user(db.session, "samia@exemple.fr", "Samia", "facilitator", "un-bon-mot")
        workshop = boards.create_workshop(db.session, user, "Atelier")
        nadia = boards.join(db.session, {"code": workshop.code, "name": "Nadia"}).participant
        change = act(db.session, nadia, "card.add", {"client_id": "a", "column": "lever", "text": "Oui"})
        assert change.event["seq"] == 1
        assert act(db.session, nadia, "card.add", {"client_id": "a", "column": "lever", "text": "Oui"}).event is None


def test_migrated_database_finds_practices_in_french(migrated_app):
    """Revision 0002 builds the full-text index itself: a sheet saved on a migrated database is found without
    accents or ligatures in the query."""
    from workshop.accounts import service as accounts
    from workshop.practices import search, sheets

    with migrated_app.test_request_context():
        user = accounts.create_user(db.session, "claire@exemple.fr", "Claire", "admin", "un-bon-mot")
        sheets.create_practice(db.session, user, {"title": "Café des parents au cœur de l'école",
                                                     "levers": "<p>Réunion de rentrée commune</p>"})
        results = search.search(db.session, search.Query(text="coeur ecole reunion"), user)
        assert [hit.practice.title for hit in results.hits] == ["Café des parents au cœur de l'école"]


def test_old_map_framework_keys_are_rewritten_to_the_one_list(migrated_app):
    """Revision 0005: links, their history, sheets, their versions and facets stored with the map's old keys
    (mallette_parents, convention_partenariat) hold the one key of each framework afterwards."""
    from sqlalchemy import select, update

    from workshop.accounts import service as accounts
    from workshop.mapping.models import Link, LinkChange, Structure
    from workshop.practices import sheets
    from workshop.practices.models import Practice, PracticeFacet, PracticeVersion

    with migrated_app.test_request_context(), logging_kept():
        # The account and the sheet are made at head (later revisions add columns the models read and write),
        # then kept by the downgrade.
        user = accounts.create_user(db.session, "claire@exemple.fr", "Claire", "admin", "un-bon-mot")
        practice = sheets.create_practice(db.session, user, {"title": "Café des parents", "frameworks": ["clas"]})
        practice_id = practice.id
        db.session.commit()
        # No transaction of this session may stay open across the downgrade: on PostgreSQL a table it read
        # (practice, after a refresh) blocks the DROP of a table that refers to it (practice_trial), for ever.
        db.session.close()
        flask_migrate.downgrade(revision="0004")
        school, centre = Structure(kind="ecole_primaire", name="École"), Structure(kind="centre_social", name="CS")
        db.session.add_all([school, centre])
        db.session.flush()
        link = Link(source_id=school.id, target_id=centre.id, pair_low=school.id, pair_high=centre.id,
                    frameworks=["mallette_parents", "clas", "mallette"])
        db.session.add(link)
        db.session.flush()
        db.session.add(LinkChange(link_id=link.id, action="edited",
                                  changes={"frameworks": [[], ["convention_partenariat"]], "level": ["a", "b"]}))
        db.session.execute(update(Practice).where(Practice.id == practice_id)
                           .values(frameworks=["mallette_parents", "reaap"]))
        db.session.execute(update(PracticeVersion).where(PracticeVersion.practice_id == practice_id)
                           .values(data={"title": "Café des parents", "frameworks": ["convention_partenariat"]}))
        db.session.add(PracticeFacet(practice_id=practice_id, facet="framework", value="mallette_parents"))
        db.session.commit()
        flask_migrate.upgrade()
        db.session.expire_all()
        assert db.session.get(Link, link.id).frameworks == ["mallette", "clas"]
        assert db.session.scalar(select(LinkChange.changes)) == {"frameworks": [[], ["convention"]],
                                                                 "level": ["a", "b"]}
        assert db.session.get(Practice, practice_id).frameworks == ["mallette", "reaap"]
        assert db.session.scalar(select(PracticeVersion.data))["frameworks"] == ["convention"]
        assert sorted(db.session.scalars(select(PracticeFacet.value).where(
            PracticeFacet.practice_id == practice_id, PracticeFacet.facet == "framework"))) == ["clas", "mallette"]
