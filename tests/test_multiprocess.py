"""Two server processes on one database share broadcasts through Redis (Flask-SocketIO's message queue)."""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest
import socketio

from tests.realtime import Phone
from tests.redisproc import RedisServer
from tests.serverproc import ServerProcess, drop_database, join_board, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server on a free port, without persistence."""
    server = RedisServer(tmp_path).start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def two_servers(tmp_path, redis_url):
    """Two gunicorn+gevent processes on two ports, one database, one Redis."""
    url, pg_name = new_database(tmp_path)
    seeded = prepare_database(url)
    first = ServerProcess(free_port(), url, tmp_path / "first.log", redis_url=redis_url).start()
    try:
        second = ServerProcess(free_port(exclude=(first.port,)), url, tmp_path / "second.log",
                               redis_url=redis_url).start()
        try:
            yield seeded, first, second
        finally:
            second.stop()
    finally:
        first.stop()
        drop_database(pg_name)


def _next_board_event(client: socketio.SimpleClient, timeout: float = 5) -> dict:
    """The next `event` (presence updates are skipped)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            name, *args = client.receive(timeout=left)
        except socketio.exceptions.TimeoutError:
            break
        if name == "event":
            return args[0]
    raise TimeoutError


def _add_card(client: socketio.SimpleClient, text: str) -> dict:
    ack = client.call("card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text}, timeout=10)
    assert ack["ok"], ack
    return ack


def test_a_card_posted_on_one_process_reaches_people_on_the_other(two_servers):
    seeded, first, second = two_servers
    nadia = join_board(first, seeded.code, "Nadia")
    karim = join_board(second, seeded.code, "Karim")
    try:
        sent = _add_card(nadia, "Posté sur le processus 1")
        seen_by_karim = _next_board_event(karim)
        assert seen_by_karim["type"] == "card.added"
        assert seen_by_karim["data"]["card"]["text"] == "Posté sur le processus 1"
        assert seen_by_karim["seq"] == sent["seq"]
        assert _next_board_event(nadia)["seq"] == sent["seq"]  # and the author's own process too

        back = _add_card(karim, "Posté sur le processus 2")
        seen_by_nadia = _next_board_event(nadia)
        assert seen_by_nadia["data"]["card"]["text"] == "Posté sur le processus 2"
        assert seen_by_nadia["seq"] == back["seq"] == sent["seq"] + 1
    finally:
        nadia.disconnect()
        karim.disconnect()


def test_without_the_queue_the_other_process_hears_nothing(tmp_path):
    """The control case: it is Redis, not luck, that carries the broadcast."""
    url, pg_name = new_database(tmp_path)
    seeded = prepare_database(url)
    with contextlib.ExitStack() as stack:  # a failed start or join still stops what was started
        stack.callback(drop_database, pg_name)
        first = ServerProcess(free_port(), url, tmp_path / "first.log").start()
        stack.callback(first.stop)
        second = ServerProcess(free_port(exclude=(first.port,)), url, tmp_path / "second.log").start()
        stack.callback(second.stop)
        nadia = join_board(first, seeded.code, "Nadia")
        stack.callback(nadia.disconnect)
        karim = join_board(second, seeded.code, "Karim")
        stack.callback(karim.disconnect)
        _add_card(nadia, "Seul·e sur le processus 1")
        with pytest.raises(TimeoutError):
            _next_board_event(karim, timeout=1.5)


def test_a_pending_card_reaches_its_author_on_the_other_process_and_nobody_else(two_servers):
    """Moderated board: the author's second screen, on the other process, sees their card waiting; another
    participant there gets the bare seq (`withheld`), nothing of the card."""
    from sqlalchemy import create_engine, text

    seeded, first, second = two_servers
    engine = create_engine(seeded.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE workshop SET moderated = :yes WHERE id = :id"),
                     {"yes": True, "id": seeded.workshop_id})
    engine.dispose()
    nadia = Phone()
    nadia.connect(first.url, namespace="/board", transports=["websocket"])
    token = nadia.call("join", {"code": seeded.code, "name": "Nadia"}, timeout=10)["participant"]["token"]
    nadia_phone = Phone()
    nadia_phone.connect(second.url, namespace="/board", transports=["websocket"])
    assert nadia_phone.call("join", {"code": seeded.code, "token": token}, timeout=10)["ok"]
    karim = join_board(second, seeded.code, "Karim")
    try:
        sent = _add_card(nadia, "En attente de l'animatrice")
        on_her_phone = _next_board_event(nadia_phone)
        assert on_her_phone["seq"] == sent["seq"]
        assert on_her_phone["data"]["card"]["text"] == "En attente de l'animatrice"
        seen_by_karim = _next_board_event(karim)
        assert seen_by_karim["seq"] == sent["seq"]
        assert seen_by_karim["type"] == "withheld"
        assert "En attente" not in str(seen_by_karim)
    finally:
        for client in (nadia, nadia_phone, karim):
            client.disconnect()
