"""The worker of `make serve` closes an address's connections over its cap as they are accepted: 2,050 connections
from one address cost every board a 1.2-1.7 s pause while the app parsed each one and answered it 429."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from gunicorn.workers.ggevent import GeventWorker

from workshop.guard import AddressSlots, Limits
from workshop.serving import GuardedGeventWorker, connection_cap


class Client:
    def __init__(self, name: str, head: bytes = b""):
        self.name, self.head, self.closed, self.read = name, head, False, False

    def close(self) -> None:
        self.closed = True

    def recv(self, size: int, flags: int = 0) -> bytes:
        self.read = self.read or not flags & socket.MSG_PEEK
        return self.head[:size]


def test_connections_over_the_cap_are_closed_unread_while_other_addresses_and_later_ones_get_in(monkeypatch):
    served: list[str] = []
    attacker, other = ("203.0.113.9", 50000), ("198.51.100.7", 50001)
    clients = {name: Client(name) for name in ("a1", "a2", "a3", "a4", "b1", "a5")}
    worker = object.__new__(GuardedGeventWorker)
    worker.cap, worker.connections = 3, AddressSlots()
    nested = iter([("a2", attacker), ("a3", attacker), ("a4", attacker), ("b1", other)])

    def serve(_self, _listener, client, _addr):
        """gunicorn's own handling: each connection served opens the next one while it is still open."""
        served.append(client.name)
        for name, addr in nested:  # the next one, or the one after if that one was refused
            worker.handle(None, clients[name], addr)
            if not clients[name].closed:
                break

    monkeypatch.setattr(GeventWorker, "handle", serve)
    worker.handle(None, clients["a1"], attacker)
    # a4 came while its address held 3 connections: closed unserved; b1, from elsewhere, came meanwhile
    assert served == ["a1", "a2", "a3", "b1"]
    assert clients["a4"].closed and not any(clients[n].closed for n in ("a1", "a2", "a3", "b1"))
    worker.handle(None, clients["a5"], attacker)  # its first connections are closed now: it gets in again
    assert served == ["a1", "a2", "a3", "b1", "a5"] and not clients["a5"].closed
    assert worker.connections.counts == {}


def test_the_cap_follows_the_guard_and_steps_aside_behind_a_proxy():
    caps = {"MAX_REQUESTS_PER_ADDRESS": 64, "MAX_SOCKETS_PER_ADDRESS": 512}
    assert connection_cap(caps) == 576
    assert connection_cap({**caps, "MAX_CONNECTIONS_PER_ADDRESS": 100}) == 100
    assert connection_cap({**caps, "PROXY_FIX": True}) == 0  # every connection comes from the proxy
    assert connection_cap({**caps, "MAX_REQUESTS_PER_ADDRESS": 0}) == 0


def test_an_address_whose_requests_fill_the_guard_cap_has_its_next_requests_closed_before_parsing(monkeypatch):
    """While 2 requests of an address are in progress (its cap), its next page or upload would get 429 from the
    guard: it is closed at accept, peeked not read; its Socket.IO connections, and other addresses, go on."""
    served: list[str] = []
    monkeypatch.setattr(GeventWorker, "handle", lambda _self, _listener, client, _addr: served.append(client.name))
    limits = Limits(default_body=1, body_by_path={}, min_rate=0, grace=0, max_requests=2, max_sockets=10)
    worker = object.__new__(GuardedGeventWorker)
    worker.cap, worker.connections = 12, AddressSlots()
    worker.guard = SimpleNamespace(limits=limits, slots=AddressSlots())
    worker.cfg = SimpleNamespace(keepalive=2)
    for _ in range(2):
        assert worker.guard.slots.acquire(("203.0.113.9", "request"), 2)
    attacker, other = ("203.0.113.9", 50000), ("198.51.100.7", 50001)
    upload = Client("upload", b"POST /connexion HTTP/1.1\r\nHost: x\r\n")
    board = Client("board", b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n")
    long_path = Client("long", b"GET /ateliers/123456/rapport-de-la-seance.pdf HTTP/1.1\r\n")
    elsewhere = Client("elsewhere", b"POST /connexion HTTP/1.1\r\n")
    for client, addr in ((upload, attacker), (board, attacker), (long_path, attacker), (elsewhere, other)):
        worker.handle(None, client, addr)
    assert served == ["board", "elsewhere"]
    assert upload.closed and long_path.closed and not upload.read and not long_path.read
    worker.guard.slots.release(("203.0.113.9", "request"))  # one finished: the next request goes to the guard
    worker.handle(None, again := Client("again", b"POST /connexion HTTP/1.1\r\n"), attacker)
    assert served[-1] == "again" and not again.closed
