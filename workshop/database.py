"""Database engine settings that SQLAlchemy does not choose for us."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from workshop.config import private_file


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while a card is written; busy_timeout makes writers wait, not fail."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def private_sqlite(url: str) -> None:
    """Create a SQLite database file with mode 0600 before SQLAlchemy opens it (it would be created world-readable
    under the usual umask); SQLite gives its -wal and -shm files the mode of the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        path = Path(parsed.database)
        if path.parent.is_dir():
            private_file(path)


def configure() -> None:
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


# Tables that the app manages itself (full-text indexes), which Alembic must neither create nor drop.
UNMANAGED_TABLE_PREFIXES = ("practice_fts", "practice_search")


def managed_by_alembic(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic `include_object` hook: leave the full-text index tables alone."""
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))
