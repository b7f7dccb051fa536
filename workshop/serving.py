"""The gunicorn worker of `make serve`: gevent's, refusing an address's connections over its cap as they are
accepted, before one byte of them is parsed.

The request guard (guard.py) answers 429 to an address over its caps, but only once gunicorn has read and parsed
the request and built its environ, and after it writes the answer and an access-log line: 2,050 connections
opened within 0.3 s from one address cost a 1.2-1.7 s pause of every board while the worker answered each one.
Here an address holding MAX_CONNECTIONS_PER_ADDRESS open connections (by default what the guard allows it:
requests plus Socket.IO connections) has any further one closed at once, for the cost of a greenlet.

An address whose requests in progress already fill the guard's cap (MAX_REQUESTS_PER_ADDRESS) would only get
429: its next connection is closed as soon as its first bytes show a request other than Socket.IO (peeked, not
read), without being parsed, answered or logged; its Socket.IO connections still go to the guard, which counts
them apart (a venue's phones behind one address).

Behind a reverse proxy (PROXY_FIX=1) every connection comes from the proxy: nothing is counted here, the guard
counts the forwarded address and the proxy its own connections.

    gunicorn -k workshop.serving.GuardedGeventWorker -w 1 --worker-connections 2000 wsgi:app
"""

from __future__ import annotations

import socket

import gevent
from gunicorn.workers.ggevent import GeventWorker

from workshop.addresses import client_key
from workshop.guard import AddressSlots

PEEK_BYTES = 32  # enough for "POST /socket.io/?EIO=4..."


def connection_cap(config) -> int:
    """Open connections allowed per client address (0: no cap); none behind a proxy (see the docstring)."""
    if config.get("PROXY_FIX"):
        return 0
    cap = int(config.get("MAX_CONNECTIONS_PER_ADDRESS") or 0)
    if cap:
        return cap
    requests, sockets = int(config.get("MAX_REQUESTS_PER_ADDRESS") or 0), int(config.get("MAX_SOCKETS_PER_ADDRESS")
                                                                              or 0)
    return requests + sockets if requests and sockets else 0


class GuardedGeventWorker(GeventWorker):
    """gunicorn's gevent worker with a cap on open connections per address, applied at accept."""

    cap = 0  # open connections allowed per address (0: none counted)
    connections: AddressSlots | None = None  # the open connections per address, counted like the guard's requests
    guard = None  # the app's RequestGuard (its per-address counts), when no proxy stands in front

    def load_wsgi(self):
        super().load_wsgi()
        config = getattr(self.wsgi, "config", {})
        self.cap, self.connections = connection_cap(config), AddressSlots()
        if self.cap:
            self.guard = getattr(self.wsgi, "extensions", {}).get("request_guard")

    def handle(self, listener, client, addr):
        connections = self.connections
        key = client_key(addr[0] if isinstance(addr, tuple) and addr else None)
        if connections is None or not self.cap:
            return super().handle(listener, client, addr)
        if not connections.acquire(key, self.cap):
            client.close()  # no parse, no answer, no log line: the address already holds its share
            return None
        try:
            if self._would_be_refused(client, key):
                client.close()
                return None
            return super().handle(listener, client, addr)
        finally:
            connections.release(key)

    def _would_be_refused(self, client, key: str) -> bool:
        """Whether the guard would answer this connection 429 (see the module docstring): only asked while the
        address's requests fill their cap, from the request line peeked within the keep-alive timeout."""
        guard = self.guard
        if guard is None or not guard.limits.request_slots_full(guard.slots, key):
            return False
        head = b""
        with gevent.Timeout(self.cfg.keepalive or 2, False):
            head = client.recv(PEEK_BYTES, socket.MSG_PEEK)
        parts = head.split(b" ", 2)
        socket_path = guard.limits.socket_path
        if len(parts) < 2 or (len(parts) == 2 and len(parts[1]) <= len(socket_path)):
            return False  # too little to tell: gunicorn and the guard decide as usual
        return not guard.limits.is_socket(parts[1].split(b"?", 1)[0].decode("latin-1"))
