"""Shared fixtures: an app on a fresh database (a SQLite file, or a PostgreSQL database when TEST_DATABASE_URL,
or a PostgreSQL DATABASE_URL, is set), a live server and real Socket.IO clients (see tests/realtime.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from werkzeug.routing.rules import Rule

from tests.realtime import ClientFactory, LiveServer, wait_until
from workshop import create_app
from workshop.accounts import service as accounts
from workshop.extensions import db

PASSWORD = "motdepasse-1"


def _share_url_builders() -> None:
    """Every test builds an app, and Werkzeug compiles a builder function for each of its ~840 URL rules (half of
    create_app's CPU, ~0.1 s a test, twice per CI run). A builder depends only on the rule's text, parts and
    defaults: the apps of one test process share the builders of identical rules. Tests only."""
    compile_builder = Rule._compile_builder
    built: dict[tuple, object] = {}

    def shared(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
               append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = shared


_share_url_builders()

_TEMPLATES: dict[str, str] = {}  # per test process: "name" and "reused" (PostgreSQL), "sqlite" (file)


def _pg_base() -> str | None:
    """The PostgreSQL server to test on: TEST_DATABASE_URL, else DATABASE_URL when it is PostgreSQL.
    Tests never touch the database it names: each test gets its own database created next to it."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith("postgresql") else None


def _pg_execute(sql: str) -> None:
    admin = create_engine(_pg_base(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def _pg_url(name: str) -> str:
    return _pg_base().rsplit("/", 1)[0] + f"/{name}"


def _pg_template() -> str:
    """A PostgreSQL database holding every table, made once per test process and cloned for each test:
    cloning takes a fraction of the time of create_all on a fresh database."""
    if "name" not in _TEMPLATES:
        name = f"t_tmpl_{uuid.uuid4().hex[:12]}"
        _pg_execute(f'CREATE DATABASE "{name}"')
        _TEMPLATES["name"] = name
        app = create_app(make_config(None, _pg_url(name)))
        with app.app_context():
            db.create_all()
            db.engine.dispose()
    return _TEMPLATES["name"]


def _sqlite_template() -> Path:
    """A SQLite file holding every table, made once per test process and copied for each test."""
    if "sqlite" not in _TEMPLATES:
        path = Path(tempfile.mkdtemp(prefix="passerelles-template-")) / "template.db"
        app = create_app(make_config(None, f"sqlite:///{path}"))
        with app.app_context():
            db.create_all()
            db.engine.dispose()  # closes the last connection: the WAL is folded into the file
        _TEMPLATES["sqlite"] = str(path)
    return Path(_TEMPLATES["sqlite"])


def pytest_configure(config):
    if _pg_base():
        # The app fixture's database outlives each test: a connection a finished test's background thread still
        # held is ended by the next test's reset, and psycopg warns when such an ended connection is collected.
        config.addinivalue_line("filterwarnings", "ignore:.*was deleted while still open:ResourceWarning")


@pytest.fixture(scope="session", autouse=True)
def _drop_templates():
    yield
    if "reused" in _TEMPLATES:
        _drop_database(_TEMPLATES.pop("reused"))
        _TEMPLATES.pop("reset")
    if "name" in _TEMPLATES:
        _drop_database(_TEMPLATES.pop("name"))
    if "sqlite" in _TEMPLATES:
        shutil.rmtree(Path(_TEMPLATES.pop("sqlite")).parent, ignore_errors=True)


def _database_url(tmp_path, *, empty: bool = False) -> tuple[str, str | None]:
    """A throwaway database: a SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set
    (with every table already there unless `empty`). Returns (url, PostgreSQL database name or None)."""
    if not _pg_base():
        path = tmp_path / "test.db"
        if not empty:
            shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}", None
    name = f"t_{uuid.uuid4().hex[:12]}"
    template = "" if empty else f' TEMPLATE "{_pg_template()}"'
    _pg_execute(f'CREATE DATABASE "{name}"{template} STRATEGY FILE_COPY')
    return _pg_url(name), name


def _pg_reused() -> str:
    """The PostgreSQL database of the `app` fixture: one per test process, cloned from the template once and put
    back to the template's state before each test. Creating a database per test cost about a second each (CREATE
    DATABASE waits for a checkpoint), the larger part of the PostgreSQL pass; emptying small tables costs a few ms.
    The rows the template holds (the search index's state) are kept aside in a schema of their own and put back."""
    if "reused" not in _TEMPLATES:
        name = f"t_app_{uuid.uuid4().hex[:12]}"
        _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template()}" STRATEGY FILE_COPY')
        _TEMPLATES["reused"] = name
        _TEMPLATES["reset"] = _pg_reset_script(name)
        return name
    name = _TEMPLATES["reused"]
    engine = create_engine(_pg_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # A server or worker a test started and left connected would hold locks on the rows to delete.
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.exec_driver_sql(_TEMPLATES["reset"])
    engine.dispose()
    return name


def _pg_reset_script(name: str) -> str:
    """Keep the fresh clone's rows aside; return the SQL that puts them back. Sequences go on counting: a
    background task a finished test left running (a timer, a presence watch) names ids no later test reuses."""
    engine = create_engine(_pg_url(name), isolation_level="AUTOCOMMIT")
    statements = ["SET session_replication_role = replica"]  # no foreign-key checks while emptying
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE SCHEMA test_seed")
        for table in conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars():
            statements.append(f'DELETE FROM public."{table}"')
            if conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM public."{table}")').scalar():
                conn.exec_driver_sql(f'CREATE TABLE test_seed."{table}" AS SELECT * FROM public."{table}"')
                statements.append(f'INSERT INTO public."{table}" SELECT * FROM test_seed."{table}"')
    engine.dispose()
    return "BEGIN; " + "; ".join(statements) + "; COMMIT"


def _drop_database(name: str) -> None:
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_config(tmp_path, url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "SOCKETIO_ASYNC_MODE": "threading",
        # Jobs run at once in the process that queues them (tests that need a real worker say otherwise).
        "JOBS_IMMEDIATE": True,
        "JOBS_SPOOL_DIR": str((tmp_path or Path(tempfile.gettempdir())) / "job-files"),
        "PUBLIC_URL": "http://localhost",  # the test client's host: join links and QR codes are built from it
        # The test client does not close a response it did not read (a real server always does): its requests
        # would stay counted for 127.0.0.1. The cap is tested on its own (test_guard, test_flood).
        "MAX_REQUESTS_PER_ADDRESS": 0,
        # PDF workers are niced in production (boards first); here browser tests fill the cores and a niced
        # worker gets a tenth of one, so a PDF job could outlast its test's deadline.
        "PDF_WORKER_NICE": 0,
        **extra,
    }


@pytest.fixture
def app_config():
    """Override in a test module to change settings of the app fixture."""
    return {}


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by the apps of one test run (checked against the source, so edits show)."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if (data := self.store.get(bucket.key)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _MemoryBytecodeCache()


@pytest.fixture
def app(request, tmp_path, app_config):
    fresh = request.node.get_closest_marker("fresh_database") is not None  # the test breaks its schema
    if _pg_base() and not fresh:
        url, pg_name = _pg_url(_pg_reused()), None
    else:
        url, pg_name = _database_url(tmp_path)
    app = create_app(make_config(tmp_path, url, **app_config))
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE  # the database is a copy of a template with every table
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if pg_name:
        _drop_database(pg_name)


@pytest.fixture
def session(app):
    with app.test_request_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account: make_user("facilitator") -> User (password PASSWORD)."""

    def make(role: str = "facilitator", email: str | None = None, name: str | None = None):
        with app.test_request_context():
            user = accounts.create_user(db.session, email or f"{role}-{uuid.uuid4().hex[:6]}@exemple.fr",
                                        name or f"{role.title()} Test", role, PASSWORD)
            db.session.commit()
            db.session.refresh(user)  # load the attributes expired by the commit, then detach
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def login(client):
    """Log the test client in as a user."""

    def do(user, password: str = PASSWORD):
        response = client.post("/connexion", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def make_workshop(app):
    """Create an open workshop run by `facilitator` (a User): make_workshop(user) -> {"id", "code", "title"}."""
    from workshop.accounts.models import User
    from workshop.boards import service as boards

    def make(facilitator, title: str = "Atelier de test", **options) -> dict:
        with app.test_request_context():
            user = db.session.get(User, facilitator.id)
            workshop = boards.create_workshop(db.session, user, title, **options)
            db.session.commit()
            return {"id": workshop.id, "code": workshop.code, "title": workshop.title}

    return make


@pytest.fixture
def facilitator(make_user):
    """A facilitator's account (socket tests of a board: test_board_sockets, test_limits)."""
    return make_user("facilitator", name="Samia Animatrice")


@pytest.fixture
def code(facilitator, make_workshop):
    """The join code of an open workshop run by `facilitator`."""
    return make_workshop(facilitator, "Freins et leviers")["code"]


@pytest.fixture
def session_cookie(app):
    """The Cookie header of a logged-in browser: session_cookie(user) -> "session=...". Uses its own client."""

    def cookie(user, password: str = PASSWORD) -> str:
        browser = app.test_client()
        response = browser.post("/connexion", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        name = app.config.get("SESSION_COOKIE_NAME", "session")
        return f"{name}={browser.get_cookie(name).value}"

    return cookie


def _reset_presence() -> None:
    """Presence and delayed broadcasts are per process; a previous test's workshop may have had the same id."""
    from workshop.live import fanout, presence

    wait_until(lambda: not presence._pending and fanout.idle(), timeout=5,
               message="pending presence and event broadcasts")
    presence.reset()


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP + WebSocket server in a thread, on a free port and the test database.

    `live_server.url`; `live_server.stop()` cuts every connection; `live_server.start()` serves again on the
    same port.
    """
    _reset_presence()
    server = LiveServer(app).start()
    yield server
    wait_until(lambda: not app.extensions["live"].watching, timeout=5,
               message="presence-watching commands (the balance) still to run")
    server.stop()
    if app.extensions["socketio"].server.eio.service_task_handle is not None:
        app.extensions["socketio"].server.shutdown()  # stop engine.io's client-monitoring thread
    _reset_presence()


@pytest.fixture
def board_client(live_server):
    """Factory of real python-socketio clients on /board: board_client(code, "Nadia") -> joined BoardClient;
    board_client(code, cookie=session_cookie(user)) joins as that user; board_client() only connects."""
    factory = ClientFactory(live_server)
    yield factory
    factory.close()
