"""Progress of a running job, written in its own short transactions beside the job's one big transaction.

The import holds its transaction open until its single commit; progress must be seen before that, so it goes
through a connection of its own. On SQLite only one connection writes at a time: once the import has started
writing, an update would wait for it, so this connection waits a moment once, then stops updating (progress then
jumps to the end when the job finishes). PostgreSQL has no such limit.
"""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from workshop.jobs.models import Job

SQLITE_WAIT_MS = 50  # how long a progress update waits for the import's write lock before giving up
SQLITE_BUSY_MS = 30000  # the app's usual wait (workshop.database), restored before the connection goes back


class Progress:
    """`progress(done, total)`: record how far a job is, at most every `interval` seconds."""

    def __init__(self, engine: Engine, job_id: int, interval: float = 0.5):
        self.engine = engine
        self.job_id = job_id
        self.interval = interval
        self._last = 0.0
        self._connection: Connection | None = None
        self._blocked = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._blocked or (now - self._last < self.interval and done < total):
            return
        self._last = now
        try:
            connection = self._connect()
            with connection.begin():
                connection.execute(update(Job).where(Job.id == self.job_id).values(done=done, total=max(total, done)))
        except OperationalError:  # SQLite: the import holds the write lock until its commit
            self._blocked = True

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect()
            if self.engine.dialect.name == "sqlite":
                self._connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_WAIT_MS}")
                self._connection.commit()
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            if self.engine.dialect.name == "sqlite":
                self._connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
                self._connection.commit()
            self._connection.close()
            self._connection = None
