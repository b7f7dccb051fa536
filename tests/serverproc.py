"""Run the production serving command (gunicorn + gevent) as a real subprocess, for end-to-end tests.

Tests that need a server the way people get it (browser, several processes sharing Redis) use this: the
database is prepared in the test process (tables, a facilitator, a workshop), then one or more servers are
started on it, stopped (as a crash or a redeploy would) and started again on the same port and database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from workshop.devserver import wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SECRET_KEY = "serverproc-test-secret"
FACILITATOR_PASSWORD = "animation-test-1"


def new_database(tmp_dir: Path) -> tuple[str, str | None]:
    """A throwaway database for servers: a SQLite file, or a fresh PostgreSQL database under
    TEST_DATABASE_URL (returns its name, to drop it afterwards)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / 'server.db'}", None
    name = f"s_{uuid.uuid4().hex[:12]}"
    with _admin_connection(base) as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(name: str | None) -> None:
    if name:
        with _admin_connection(os.environ["TEST_DATABASE_URL"]) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _admin_connection(url: str):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@dataclass
class Seeded:
    """What the tests need to know about the prepared database."""

    database_url: str
    facilitator_email: str
    facilitator_password: str
    workshop_id: int
    code: str


def prepare_database(database_url: str, *, title: str = "Atelier de test navigateur") -> Seeded:
    """Create the tables, a facilitator and an open workshop, through the service layer."""
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.boards import service as boards
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        db.create_all()
        email = "animatrice@test.passerelles"
        user = accounts.get_by_email(db.session, email) or accounts.create_user(
            db.session, email, "Samia Test", "facilitator", FACILITATOR_PASSWORD)
        workshop = boards.create_workshop(db.session, user, title, place="Centre social des Tilleuls")
        db.session.commit()
        seeded = Seeded(database_url, email, FACILITATOR_PASSWORD, workshop.id, workshop.code)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded


def count_cards(database_url: str, text: str) -> int:
    """How many cards (not deleted) hold exactly this text: what the database really kept."""
    from workshop.boards.models import Card

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Card)
                               .where(Card.text == text, Card.deleted.is_(False)))
    finally:
        engine.dispose()


def join_board(server: ServerProcess, code: str, name: str, timeout: float = 10):
    """A participant on a server's board over WebSocket (a socketio.SimpleClient), joined."""
    from tests.realtime import Phone  # here: serverproc is also imported by benches that never join a board

    client = Phone()
    client.connect(server.url, namespace="/board", transports=["websocket"])
    ack = client.call("join", {"code": code, "name": name}, timeout=timeout)
    assert ack["ok"], ack
    return client


class ServerProcess:
    """`gunicorn -k gevent -w 1 wsgi:app` on 127.0.0.1:port, as `make run` serves it."""

    def __init__(self, port: int, database_url: str, log_path: Path, *, redis_url: str | None = None,
                 extra_env: dict[str, str] | None = None):
        self.port = port
        self.database_url = database_url
        self.log_path = log_path
        self.redis_url = redis_url
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update(DATABASE_URL=self.database_url, SECRET_KEY=SECRET_KEY, SOCKETIO_ASYNC_MODE="gevent",
                   PYTHONUNBUFFERED="1", PUBLIC_URL=self.url, **self.extra_env)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def start(self, timeout: float = 30) -> ServerProcess:
        """Start the server and return once it answers HTTP."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        log = open(self.log_path, "ab")  # noqa: SIM115  (owned by the child until stop)
        log.write(f"--- start on port {self.port} ---\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [str(GUNICORN), "-k", "workshop.serving.GuardedGeventWorker", "-w", "1", "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "2", "--timeout", "60", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=self._env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        if not wait_until_serving(self.proc, self.url, timeout):
            self.stop()
            raise RuntimeError(f"server did not answer on {self.url} within {timeout}s:\n{self.log_tail()}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL the whole process group if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the master's pid
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(5)
        try:  # the worker may outlive a killed master for an instant
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._wait_port_closed()

    def _wait_port_closed(self, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
