"""A database connection that the database closed (a restart, an idle timeout, a killed backend) is found out
before a request uses it: the first requests after a PostgreSQL restart failed on stale pooled connections."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from workshop.extensions import db


def test_a_connection_closed_by_the_database_is_replaced_before_use(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a SQLite file has no server to close a connection: the PostgreSQL pass runs this")
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # the connection goes back to the pool, alive as far as the pool knows
        admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
        finally:
            admin.dispose()
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # on a fresh connection, not an error
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar() != backend


def test_a_page_whose_write_finds_the_database_locked_answers_503_in_french(app, client, make_user, login,
                                                                            monkeypatch, tmp_path):
    """A form posted while the database cannot be written (another connection holds it): "try again" and a
    503 with Retry-After, not a 500; in JSON, the stable code `unavailable`; nothing is written."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the lock is SQLite's; the PostgreSQL pass kills connections in the test above")
        path = db.engine.url.database
    monkeypatch.setattr("workshop.database.BUSY_SECONDS", 0.2)  # new connections wait 0.2 s, not 30
    login(make_user("facilitator"))
    with app.app_context():
        db.engine.dispose()  # the pooled connections were made with the 30 s wait
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # nobody else writes until it ends
    try:
        form = {"title": "Atelier pendant la panne", "format_key": "freins-leviers"}
        response = client.post("/ateliers/nouveau", data=form)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert "réessayez dans quelques secondes" in response.get_data(as_text=True)
        answer = client.post("/ateliers/nouveau", data=form, headers={"Accept": "application/json"})
        assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "unavailable"
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert "Atelier pendant la panne" not in client.get("/ateliers").get_data(as_text=True)
