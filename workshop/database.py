"""Database engine settings that SQLAlchemy does not choose for us."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import Pool

from workshop.config import private_file
from workshop.greenlets import gevent_active, sleep

# How long a writer waits for another one (the task worker's import, say) before failing, and then the action
# answers `unavailable` (workshop/sockets.py). SQLITE_BUSY_SECONDS shortens it: a test makes the database
# unavailable by locking it, and must not wait 30 s for the answer.
BUSY_SECONDS = float(os.environ.get("SQLITE_BUSY_SECONDS") or 30.0)
RETRIED = frozenset({"SQLITE_BUSY", "SQLITE_BUSY_RECOVERY"})  # not SQLITE_BUSY_SNAPSHOT: waiting cannot help it


def wait_if_busy(call: Callable[..., Any], *args: Any) -> Any:
    """Run one SQLite call; while the database is locked by another writer, wait with gevent's sleep and retry.

    SQLite's own busy timeout waits inside C: under gevent that stops every greenlet of the process, so while the
    task worker wrote a 20,000-row import every live board froze with the one card waiting (worst 10.8 s). A
    statement refused with SQLITE_BUSY changed nothing, so running it again is safe."""
    pause, deadline = 0.002, None
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", None) not in RETRIED:
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_SECONDS
            if now >= deadline:
                raise
            sleep(pause)
            pause = min(pause * 2, 0.05)


class CooperativeCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        return wait_if_busy(super().execute, sql, parameters)

    def executemany(self, sql, parameters, /):
        return wait_if_busy(super().executemany, sql, parameters)


class CooperativeConnection(sqlite3.Connection):
    """A SQLite connection for a gevent server: waits for a locked database between greenlets, not inside C."""

    def cursor(self, factory=CooperativeCursor):
        return super().cursor(factory)

    def commit(self):
        return wait_if_busy(super().commit)


# Connections kept open, and more opened for a burst: a busy board has dozens of messages in flight, each reading
# first. A SQLite connection is a file handle; a PostgreSQL one a server process (3 web processes and the worker
# stay well under the server's usual 100).
POOL = {"sqlite": (20, 40), "server": (10, 20)}


def engine_options(url: str, options: dict) -> None:
    """Pool settings (unless given). A server database's pooled connections are tested before use (after a
    restart, the first requests of each process failed on connections the server had closed); a SQLite file has
    no server to lose, so no ping. The pool is wider than SQLAlchemy's 5: with 5, a burst of cards opened and
    closed a connection (and its pragmas) per card, about 10 % of the server's CPU at 200 cards/s."""
    sqlite = url.startswith("sqlite")
    options.setdefault("pool_pre_ping", not sqlite)
    if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
        size, overflow = POOL["sqlite" if sqlite else "server"]
        options.setdefault("pool_size", size)
        options.setdefault("max_overflow", overflow)
    if sqlite:
        options.setdefault("connect_args", {}).update(sqlite_connect_args())


# The database does not answer (stopped, restarting, locked beyond the wait): the action changed nothing and the
# same action later will work (a 503 for pages, a stable code to retry on for programs). These classes also carry
# faults of ours (SQLite's "no such column" is an OperationalError): `unavailable` sorts them.
UNAVAILABLE = (sa.OperationalError, sa.InterfaceError, sa.DisconnectionError, sa.TimeoutError)

# SQLite's answers that mean "not now" rather than "broken": a writer holds the file, or the file or disk fails.
UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL",
                      "SQLITE_READONLY")


def unavailable(error: Exception) -> bool:
    """Whether a database error means the database cannot answer now (stopped, restarting, locked), as opposed to
    a fault of ours (a missing table): the first is "try again" (503), the second a 500."""
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):
        return (getattr(original, "sqlite_errorname", None) or "").startswith(UNAVAILABLE_SQLITE)
    return True


def sqlite_connect_args() -> dict:
    """The DBAPI arguments of a SQLite engine: cooperative connections in a gevent server."""
    return {"factory": CooperativeConnection} if gevent_active() else {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while a card is written; writers wait for each other, not fail: in SQLite's C busy
    handler (busy_timeout), or between greenlets in a gevent server (CooperativeConnection, no C wait)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cooperative = isinstance(dbapi_connection, CooperativeConnection)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={0 if cooperative else int(BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
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


STAGED = "staged"  # connection info key: an import staged rows in TEMP tables on this connection (writes.py)


def _drop_staged(dbapi_connection, record) -> None:
    """An import's staging tables hold the whole import (contacts' e-mails included) and would stay on the pooled
    connection until its next import: dropped when it goes back to the pool, after the commit or the rollback,
    outside the import's write window (a TEMP table locks nothing of the database)."""
    if record.info.pop(STAGED, False) and isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            names = [row[0] for row in cursor.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE 'staged!_%' ESCAPE '!'")]
            for name in names:
                cursor.execute(f'DROP TABLE temp."{name}"')
        finally:
            cursor.close()


def configure() -> None:
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    if not event.contains(Pool, "checkin", _drop_staged):
        event.listen(Pool, "checkin", _drop_staged)


# Tables that the app manages itself (full-text indexes), which Alembic must neither create nor drop.
UNMANAGED_TABLE_PREFIXES = ("practice_fts", "practice_search")


def managed_by_alembic(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic `include_object` hook: leave the full-text index tables alone."""
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))
