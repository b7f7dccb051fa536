"""A database connection that the database closed (a restart, an idle timeout, a killed backend) is found out
before a request uses it: the first requests after a PostgreSQL restart failed on stale pooled connections."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD
from workshop.accounts import service as accounts
from workshop.extensions import db, socketio


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


@pytest.fixture
def board_socket(app):
    """An in-process socket joined to an open board as a participant: (socket, send(event, payload) -> ack)."""
    from workshop.boards import service as boards

    with app.test_request_context():
        owner = accounts.create_user(db.session, "fanny@exemple.fr", "Fanny Animatrice", "facilitator", PASSWORD)
        code = boards.create_workshop(db.session, owner, "Atelier en panne").code
        db.session.commit()
    client = socketio.test_client(app, namespace="/board")
    assert client.emit("join", {"code": code, "name": "Nadia"}, namespace="/board", callback=True)["ok"]

    def send(event: str, payload: dict) -> dict:
        return client.emit(event, payload, namespace="/board", callback=True)

    yield send
    client.disconnect(namespace="/board")


def test_a_card_sent_while_the_database_is_locked_is_answered_unavailable(app, board_socket, monkeypatch):
    """Locked beyond the wait: the stable code `unavailable` (the board's outbox keeps the card and says it will
    leave by itself), and nothing is written."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the lock is SQLite's")
        path = db.engine.url.database
        monkeypatch.setattr("workshop.database.BUSY_SECONDS", 0.2)
        db.engine.dispose()  # the pooled connections were made with the 30 s wait
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        answer = board_socket("card.add", {"client_id": "c1", "column": "obstacle", "text": "Pendant la panne"})
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert answer["ok"] is False and answer["error"]["code"] == "unavailable", answer
    assert "partiront tout seuls" in answer["error"]["message"]
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM card")) == 0


@pytest.mark.fresh_database
def test_a_broken_schema_on_the_board_is_answered_internal_and_logged(app, board_socket, caplog):
    """A missing column is a fault of ours, not a database that will be back: `internal` (not `unavailable`,
    which tells the participant the card will leave by itself), logged with its traceback, and nothing of the
    error in what the client gets."""
    with app.app_context():
        db.session.execute(text("ALTER TABLE card RENAME COLUMN text TO texte"))
        db.session.commit()
    answer = board_socket("card.add", {"client_id": "c1", "column": "obstacle", "text": "Schéma cassé"})
    assert answer["ok"] is False and answer["error"] == {
        "code": "internal", "message": "Erreur du serveur : réessayez dans un instant."}, answer
    [record] = [r for r in caplog.records if r.name == "workshop.sockets"]
    assert record.levelname == "ERROR" and record.exc_info and "text" in str(record.exc_info[1])
