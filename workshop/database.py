"""Database engine settings that SQLAlchemy does not choose for us."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while a card is written; busy_timeout makes writers wait, not fail."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def configure() -> None:
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


# Tables that the app manages itself (full-text indexes), which Alembic must neither create nor drop.
UNMANAGED_TABLE_PREFIXES = ("practice_fts", "practice_search")


def managed_by_alembic(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic `include_object` hook: leave the full-text index tables alone."""
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))
