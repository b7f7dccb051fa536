"""The production recipe: nginx with deploy/nginx.conf in front of two server processes sharing a database and
Redis. A board works through it over WebSocket and over long-polling (which needs the proxy's sticky sessions),
and when the process holding a board's screens is killed, they land on the other process and catch up."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import urllib.request

import pytest
import socketio

from tests.realtime import NAMESPACE, TIMEOUT, BoardClient, wait_until
from tests.redisproc import RedisServer
from tests.serverproc import ROOT, ServerProcess, count_cards, drop_database, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location("cluster", ROOT / "deploy" / "cluster.py")
cluster = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if cluster.nginx_binary() is None:
        pytest.skip("nginx is not installed (bash .ci/system-deps installs it; CI has it)")
    tmp = tmp_path_factory.mktemp("proxy")
    redis_server = RedisServer(tmp).start()
    url, pg_name = new_database(tmp)
    seeded = prepare_database(url)
    servers, nginx = [], None
    try:
        for name in ("first", "second"):
            servers.append(ServerProcess(free_port(exclude=tuple(s.port for s in servers)), url, tmp / f"{name}.log",
                                         redis_url=redis_server.url, extra_env={"PROXY_FIX": "1"}).start(120))
        port = free_port(exclude=tuple(s.port for s in servers))
        with open(tmp / "nginx.log", "ab") as log:
            nginx = cluster.start_nginx(tmp / "nginx", f"127.0.0.1:{port}", [s.port for s in servers], log)
        front = f"http://127.0.0.1:{port}"
        wait_until(lambda: _status(front + "/") == 200, timeout=30, interval=0.1, message="nginx answering")
        yield front, seeded, servers
    finally:
        if nginx is not None:
            os.killpg(nginx.pid, signal.SIGTERM)
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
        for server in servers:
            server.stop()
        redis_server.stop()
        drop_database(pg_name)


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def _polling(front: str, name: str) -> BoardClient:
    """A screen on long-polling only (a network that blocks WebSocket): every request must reach one process."""
    client = BoardClient(front, name=name)
    client.sio.connect(front, transports=["polling"], namespaces=[NAMESPACE], wait_timeout=TIMEOUT)
    return client


def test_a_board_works_through_the_proxy_over_websocket_and_long_polling(proxied):
    front, seeded, _servers = proxied
    assert _status(f"{front}/j/{seeded.code}") == 200
    nadia = BoardClient(front, name="Nadia").connect()
    karim = _polling(front, "Karim")
    try:
        nadia.join(seeded.code, "Nadia")
        karim.join(seeded.code, "Karim")
        for i in range(3):  # several polling round trips: each lands on the process that holds the session
            ack = karim.add_card(f"Par le proxy, en long-polling {i}")
            assert ack["ok"], ack
        ack = nadia.add_card("Par le proxy, en WebSocket")
        assert ack["ok"], ack
        nadia.wait_for(lambda c: {f"Par le proxy, en long-polling {i}" for i in range(3)}
                       <= {card["text"] for card in c.cards_received()}, message="the polling screen's cards")
        karim.wait_for(lambda c: "Par le proxy, en WebSocket" in {card["text"] for card in c.cards_received()},
                       message="the WebSocket screen's card")
    finally:
        nadia.disconnect()
        karim.disconnect()


def test_screens_of_a_killed_process_land_on_the_other_and_catch_up(proxied):
    front, seeded, servers = proxied
    nadia = BoardClient(front, name="Nadia").connect()
    nadia.join(seeded.code, "Nadia")
    token = nadia.participant["token"]
    assert nadia.add_card("Avant l'arrêt")["ok"]
    seq = nadia.wait_for(lambda c: max(c.seqs, default=0), message="its card's event")
    # Which process holds her? The one whose SIGKILL cuts her connection (the other is started again).
    for killed in servers:
        os.killpg(killed.proc.pid, signal.SIGKILL)
        killed.proc.wait(10)
        if not _still_connected(nadia, seq):
            break
        killed.start(120)
    else:
        pytest.fail("killing either process left Nadia's screen connected: no failover was tested")
    try:
        # Meanwhile Karim, through the proxy too, posts on the process left.
        karim = BoardClient(front, name="Karim").connect()
        karim.join(seeded.code, "Karim")
        assert karim.add_card("Pendant l'arrêt")["ok"]
        # Nadia's phone reconnects through the same address and joins with `since`: it lands on the live process.
        again = BoardClient(front, name="Nadia").connect()
        answer = again.join(seeded.code, token=token, since=seq)
        caught_up = [e["data"]["card"]["text"] for e in answer.get("events", []) if e["type"] == "card.added"]
        assert caught_up == ["Pendant l'arrêt"], answer
        assert count_cards(killed.database_url, "Avant l'arrêt") == 1  # acknowledged before the kill: kept
        again.disconnect()
        karim.disconnect()
    finally:
        nadia.disconnect()  # the killed process stays down: this is the module's last test


def _still_connected(client: BoardClient, seq: int) -> bool:
    try:
        return bool(client.call("resync", {"since": seq}, timeout=3).get("ok"))
    except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
            socketio.exceptions.DisconnectedError):
        return False
