"""The full-text index of practice sheets, on SQLite (FTS5) and PostgreSQL: its schema and its writes.

SQLite: an FTS5 table `practice_fts` (rowid = practice id) tokenised with `unicode61 remove_diacritics 2`,
so élève = eleve; œ/æ are folded to oe/ae by the app on both sides, since unicode61 keeps ligatures whole.
PostgreSQL: a `practice_search` table holding a weighted tsvector built with the `fr_unaccent` text search
configuration (French stemming after unaccent). The index is rewritten on every save (`index_practice`), and
every write that search can see calls `touch` so that cached facet snapshots are rebuilt (see `facets`).
"""

from __future__ import annotations

import html
import logging
import re
import secrets

from flask import Flask
from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workshop.extensions import db
from workshop.practices.models import Practice
from workshop.writes import Inserted, Writes

log = logging.getLogger(__name__)
FOLD_PAIRS = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"))
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/li|/ul|/ol|/h\d)>", re.I)
_TAG = re.compile(r"<[^>]+>")

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practice_fts USING fts5("
    "title, obstacles, levers, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS practice_search_state (id INTEGER PRIMARY KEY, token BIGINT NOT NULL)",
    "INSERT INTO practice_search_state (id, token) SELECT 1, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM practice_search_state WHERE id = 1)",
)
POSTGRES_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION fr_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    """CREATE TABLE IF NOT EXISTS practice_search (
        practice_id integer PRIMARY KEY REFERENCES practice (id) ON DELETE CASCADE,
        title text NOT NULL, obstacles text NOT NULL, levers text NOT NULL, body text NOT NULL,
        document tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_practice_search_document ON practice_search USING gin (document)",
    "CREATE TABLE IF NOT EXISTS practice_search_state (id INTEGER PRIMARY KEY, token BIGINT NOT NULL)",
    "INSERT INTO practice_search_state (id, token) SELECT 1, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM practice_search_state WHERE id = 1)",
)
_PG_DOCUMENT = (
    "setweight(to_tsvector('fr_unaccent', :title), 'A') || "
    "setweight(to_tsvector('fr_unaccent', :obstacles || ' ' || :levers), 'B') || "
    "setweight(to_tsvector('fr_unaccent', :body), 'C')"
)
_BODY_SECTIONS = ("context", "objectives", "public", "actors", "steps", "means", "vigilance", "evaluation",
                  "transferability", "contacts")


# --- Schema -----------------------------------------------------------------------------------------


def ensure_schema(connection: Connection) -> None:
    """Create the index (and on PostgreSQL the fr_unaccent configuration); safe to run again."""
    statements = POSTGRES_SCHEMA if connection.dialect.name == "postgresql" else SQLITE_SCHEMA
    for statement in statements:
        connection.exec_driver_sql(statement)


def install(app: Flask) -> None:
    """Create the index whenever the tables are created (create_all), and at start-up when a database built by
    the migrations has the practice table but not yet its index."""
    if not event.contains(db.metadata, "after_create", _after_create):
        event.listen(db.metadata, "after_create", _after_create)
    with app.app_context():
        try:
            found = inspect(db.engine)
            index = "practice_search" if db.engine.dialect.name == "postgresql" else "practice_fts"
            if found.has_table("practice") and not (found.has_table(index)
                                                    and found.has_table("practice_search_state")):
                with db.engine.begin() as connection:
                    ensure_schema(connection)
                log.info("full-text index of practices created; run `flask reindex-practices` to fill it")
        except SQLAlchemyError as error:  # e.g. no right to CREATE EXTENSION: say so, keep serving
            log.warning("could not create the practices' full-text index: %s", error)


def _after_create(_target, connection: Connection, **_kw) -> None:
    ensure_schema(connection)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- Text ----------------------------------------------------------------------------------------


def fold(value: str) -> str:
    """œ → oe, æ → ae (str.replace: C speed, unlike str.translate with a dict)."""
    for ligature, letters in FOLD_PAIRS:
        if ligature in value:
            value = value.replace(ligature, letters)
    return value


def plain_text(fragment: str) -> str:
    """The words of a sanitised HTML fragment, one line per block."""
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", fragment or ""))).strip()


# --- Writes --------------------------------------------------------------------------------------


def document(practice: Practice, framework_labels: dict[str, str] | None = None) -> dict[str, str]:
    """The text indexed for a practice, by weight: title, obstacles, levers, everything else."""
    labels = framework_labels or {}
    rest = [practice.summary or "", *(plain_text(getattr(practice, s)) for s in _BODY_SECTIONS),
            " ".join(practice.themes or []), " ".join(practice.cities or []), " ".join(practice.qpv or []),
            " ".join(s.get("name", "") for s in practice.structures or []),
            " ".join(labels.get(k, k) for k in practice.frameworks or [])]
    return {
        "title": fold(practice.title),
        "obstacles": fold(plain_text(practice.obstacles)),
        "levers": fold(plain_text(practice.levers)),
        "body": fold("\n".join(part for part in rest if part)),
    }


def index_practice(session: Session, practice: Practice, framework_labels: dict[str, str] | None = None) -> None:
    """Rewrite the index entry of one practice, in the caller's transaction."""
    index_rows(session, [(practice.id, document(practice, framework_labels))])


def index_rows(session: Session, rows: list[tuple[int, dict[str, str]]]) -> None:
    """Rewrite many index entries at once (bulk imports, demo data)."""
    if not rows:
        return
    params = [{"id": pid, **doc} for pid, doc in rows]
    if is_postgres(session):
        session.execute(text(
            "INSERT INTO practice_search (practice_id, title, obstacles, levers, body, document) "
            f"VALUES (:id, :title, :obstacles, :levers, :body, {_PG_DOCUMENT}) "
            "ON CONFLICT (practice_id) DO UPDATE SET title = excluded.title, obstacles = excluded.obstacles, "
            "levers = excluded.levers, body = excluded.body, document = excluded.document"), params)
    else:
        session.execute(text("DELETE FROM practice_fts WHERE rowid = :id"), [{"id": p["id"]} for p in params])
        session.execute(text("INSERT INTO practice_fts (rowid, title, obstacles, levers, body) "
                             "VALUES (:id, :title, :obstacles, :levers, :body)"), params)
    touch(session)


# The SQLite index as a table to insert into (an FTS5 table: not a model, created by `ensure`).
FTS_TABLE = Table("practice_fts", MetaData(), Column("rowid", Integer), Column("title", Text),
                  Column("obstacles", Text), Column("levers", Text), Column("body", Text))


def index_new(writes: Writes, inserted: Inserted, documents: list[dict[str, str]]) -> None:
    """Index the sheets an import is about to insert (`documents` in the order of `inserted`): on SQLite staged
    and copied with them (rowid = the new sheet's id), elsewhere written once their ids are known."""
    session = writes.session
    if writes.sqlite:
        writes.insert(FTS_TABLE, [{"rowid": i, **doc} for i, doc in enumerate(documents)], parent=inserted,
                      parent_key="rowid")
        writes.then(lambda: touch(session))
    else:
        writes.then(lambda: index_rows(session, list(zip(inserted.ids, documents, strict=True))))


def touch(session: Session) -> None:
    """Say, in the caller's transaction, that what search sees has changed (cached snapshots are dropped).

    A new random token each time: a rolled back write leaves a token that never comes back, so no stale snapshot.
    """
    session.execute(text("UPDATE practice_search_state SET token = :t WHERE id = 1"),
                    {"t": secrets.randbits(62)})


def token(session: Session) -> int:
    """The repository's current version token (see `touch`)."""
    return int(session.execute(text("SELECT token FROM practice_search_state WHERE id = 1")).scalar() or 0)
