"""Shared fixtures: an app on a fresh database (SQLite file, or DATABASE_URL / TEST_DATABASE_URL when set)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from workshop import create_app
from workshop.accounts import service as accounts
from workshop.extensions import db

PASSWORD = "motdepasse-1"


def _database_url(tmp_path) -> tuple[str, str | None]:
    """A throwaway database: a SQLite file, or a fresh schema-less PostgreSQL database when configured."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'test.db'}", None
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}", name


def _drop_database(name: str) -> None:
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
        **extra,
    }


@pytest.fixture
def app_config():
    """Override in a test module to change settings of the app fixture."""
    return {}


@pytest.fixture
def app(tmp_path, app_config):
    url, pg_name = _database_url(tmp_path)
    app = create_app(make_config(tmp_path, url, **app_config))
    with app.app_context():
        db.create_all()
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
