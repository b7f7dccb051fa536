"""The gunicorn worker of `make serve`: gevent's, refusing an address's connections over its cap as they are
accepted, before one byte of them is parsed.

The request guard (guard.py) answers 429 to an address over its caps, but only once gunicorn has read and parsed
the request and built its environ, and after it writes the answer and an access-log line: 2,050 connections
opened within 0.3 s from one address cost a 1.2-1.7 s pause of every board while the worker answered each one.
Here an address holding MAX_CONNECTIONS_PER_ADDRESS open connections (by default what the guard allows it:
requests plus Socket.IO connections) has any further one closed at once, for the cost of a greenlet.

Behind a reverse proxy (PROXY_FIX=1) every connection comes from the proxy: nothing is counted here, the guard
counts the forwarded address and the proxy its own connections.

    gunicorn -k workshop.serving.GuardedGeventWorker -w 1 --worker-connections 2000 wsgi:app
"""

from __future__ import annotations

from collections import Counter

from gunicorn.workers.ggevent import GeventWorker

from workshop.addresses import client_key


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


class ConnectionCounter:
    """Open connections per address, in one gevent worker (its greenlets share one thread: no lock)."""

    def __init__(self, cap: int):
        self.cap = cap
        self.open: Counter[str] = Counter()

    def enter(self, key: str) -> bool:
        if self.cap and self.open[key] >= self.cap:
            return False
        self.open[key] += 1
        return True

    def leave(self, key: str) -> None:
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]


class GuardedGeventWorker(GeventWorker):
    """gunicorn's gevent worker with a cap on open connections per address, applied at accept."""

    counter: ConnectionCounter | None = None

    def load_wsgi(self):
        super().load_wsgi()
        self.counter = ConnectionCounter(connection_cap(getattr(self.wsgi, "config", {})))

    def handle(self, listener, client, addr):
        counter = self.counter
        key = client_key(addr[0] if isinstance(addr, tuple) and addr else None)
        if counter is None or not counter.cap:
            return super().handle(listener, client, addr)
        if not counter.enter(key):
            client.close()  # no parse, no answer, no log line: the address already holds its share
            return None
        try:
            return super().handle(listener, client, addr)
        finally:
            counter.leave(key)
