"""No request may freeze the boards: request bodies bounded in size and speed, requests bounded per address.

A WSGI middleware, outside Flask, because the attacks never reach a view that reads the body. Werkzeug's
MAX_CONTENT_LENGTH only applies when a view reads the form; gunicorn drains a body nobody read before serving the
next request of a keep-alive connection, 1 KB at a time in the gevent loop (a 200 MB body froze every board of the
worker 17-21 s; 400 MB got the worker killed). So here:
- a declared body over the limit of its path is answered 413 `too_large` before one byte of it is read;
- a chunked body is cut at that limit as it is read (`BodyTooLarge`, a 413 the app's error pages render);
- a body trickling slower than BODY_MIN_RATE once BODY_GRACE_SECONDS have passed is cut (408 `too_slow`, gevent);
- a big body read by a view is read in pieces that let the other greenlets run;
- a response whose body was not read to the end closes its connection (gunicorn would drain it), after a short,
  bounded lingering read so that the client sees the answer rather than a reset;
- one address holds at most MAX_REQUESTS_PER_ADDRESS requests in progress (pages, uploads, PDFs) and
  MAX_SOCKETS_PER_ADDRESS Socket.IO connections (429 `too_many_connections` beyond): thousands of slow uploads
  from one address cannot take every connection of the worker, while a venue's phones behind one NAT still join.

Refusals made here are short French pages (JSON for API and socket clients): Flask is never entered for them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from html import escape

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import RequestEntityTooLarge, RequestTimeout
from werkzeug.http import parse_accept_header

from workshop.addresses import client_key
from workshop.greenlets import cooperate, gevent_active

# The body limit of the current request, for Flask's form parsing (see GuardedRequest).
BODY_LIMIT_KEY = "workshop.body_limit"
PIECE = 16 * 1024  # bytes read from the socket at a time: a slow body is judged on each piece
YIELD_EVERY = 256 * 1024  # bytes read between two chances for the other greenlets to run
LINGER_BYTES = 1024 * 1024  # at most this much of an unread body is discarded before closing...
LINGER_SECONDS = 1.0  # ... for at most this long

MESSAGES = {
    "too_large": ("413 Request Entity Too Large",
                  "Fichier trop volumineux : {limit} au plus. Rien n'a été enregistré."),
    "too_many_connections": ("429 Too Many Requests",
                             "Trop de connexions en cours depuis votre adresse : patientez un instant puis "
                             "rechargez la page."),
    "too_slow": ("408 Request Timeout",
                 "L'envoi était trop lent et a été interrompu : réessayez avec une meilleure connexion."),
}


class BodyTooLarge(RequestEntityTooLarge):
    """A body read past the limit of its path (a chunked body declares no length)."""


class BodyTooSlow(RequestTimeout):
    """A body that arrives slower than the minimum rate: it would hold a connection for ever."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} Mo"


@dataclass(frozen=True)
class Limits:
    """What the guard allows, from the app's settings (see config.py)."""

    default_body: int
    body_by_path: dict[str, int]
    min_rate: float
    grace: float
    max_requests: int
    max_sockets: int
    socket_path: str = "/socket.io"

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(default_body=int(config["MAX_CONTENT_LENGTH"]),
                   body_by_path={path: int(size) for path, size in config["UPLOAD_LIMITS"].items()},
                   min_rate=float(config["BODY_MIN_RATE"]), grace=float(config["BODY_GRACE_SECONDS"]),
                   max_requests=int(config["MAX_REQUESTS_PER_ADDRESS"]),
                   max_sockets=int(config["MAX_SOCKETS_PER_ADDRESS"]))

    def body_limit(self, path: str) -> int:
        """The larger allowance of an upload page (exact path), else the default."""
        return self.body_by_path.get(path.rstrip("/") or "/", self.default_body)

    def is_socket(self, path: str) -> bool:
        return path == self.socket_path or path.startswith(self.socket_path + "/")

    def request_slots_full(self, slots: AddressSlots, key: str) -> bool:
        """Whether a new request (not a Socket.IO connection) from this address would be refused 429 now."""
        return self.max_requests > 0 and slots.counts.get((key, "request"), 0) >= self.max_requests


class GuardedInput:
    """`wsgi.input` counted, capped at a limit, read in pieces that must keep a minimum rate (under gevent)."""

    def __init__(self, stream, limit: int, declared: int | None, chunked: bool, limits: Limits):
        self.stream = stream
        self.limit = limit
        self.declared = declared
        self.chunked = chunked
        self.min_rate = limits.min_rate
        self.started = time.monotonic()
        self.grace = limits.grace
        self.read_bytes = 0
        self.since_yield = 0
        self.at_end = not chunked and not declared
        self.timed = gevent_active() and self.min_rate > 0

    @property
    def finished(self) -> bool:
        """Whether nothing of the body is left on the connection."""
        return self.at_end or (self.declared is not None and self.read_bytes >= self.declared)

    def _deadline(self) -> float:
        return self.started + self.grace + self.read_bytes / self.min_rate

    def _piece(self, size: int, reader: Callable[[int], bytes] | None = None) -> bytes:
        reader = reader or self.stream.read
        if self.timed:
            import gevent  # only under gevent (see greenlets)

            with gevent.Timeout(max(0.0, self._deadline() - time.monotonic()), BodyTooSlow()):
                data = reader(size)
        else:
            data = reader(size)
        if not data:
            self.at_end = True
            return b""
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise BodyTooLarge()
        self.since_yield += len(data)
        if self.since_yield >= YIELD_EVERY:
            self.since_yield = 0
            cooperate()
        return data

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.limit + 1 - self.read_bytes if size is None or size < 0 else size
        pieces = []
        while wanted > 0:
            data = self._piece(min(wanted, PIECE))
            if not data:
                break
            pieces.append(data)
            wanted -= len(data)
        return b"".join(pieces)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, or PIECE bytes of it at most (the caller asks again for the rest)."""
        return self._piece(min(size if size and size > 0 else PIECE, PIECE), self.stream.readline)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def linger(self, sock) -> None:
        """Before closing a connection whose body was not read: stop sending, then discard a little of what
        the client still sends, so that it reads our answer rather than a reset (bounded in bytes and time)."""
        try:
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            discarded = 0
            while discarded < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                data = sock.recv(64 * 1024)
                if not data:
                    return
                discarded += len(data)
                cooperate()
        except OSError:
            return


class AddressSlots:
    """What an address holds open, per key: its requests in progress per kind here (address, kind), its open
    connections in the gunicorn worker (address, serving.py). One process; a gevent worker's greenlets share it."""

    def __init__(self):
        self.counts: Counter[Hashable] = Counter()
        self.lock = threading.Lock()

    def acquire(self, key: Hashable, cap: int) -> bool:
        """Take one slot, unless the key already holds `cap` of them (0: no cap)."""
        with self.lock:
            if cap > 0 and self.counts[key] >= cap:
                return False
            self.counts[key] += 1
            return True

    def release(self, key: Hashable) -> None:
        with self.lock:
            self.counts[key] -= 1
            if self.counts[key] <= 0:
                del self.counts[key]


class Guarded:
    """The app's response: `on_end` (give the address slot back) once it is all handed over, `on_close` (linger
    on an unread connection, then on_end) when the server closes it. on_end runs once."""

    def __init__(self, body: Iterable[bytes], on_end: Callable[[], None], on_close: Callable[[], None]):
        self.body = body
        self.on_end = on_end
        self.on_close = on_close
        self.ended = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self.end()

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.on_end()

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            try:
                self.on_close()
            finally:
                self.end()


def wants_json(environ: dict, limits: Limits) -> bool:
    path = environ.get("PATH_INFO", "")
    accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
    return accept.best == "application/json" or path.startswith("/api/") or limits.is_socket(path)


def close_connection(start_response: Callable) -> None:
    """Make gunicorn close the connection after this response instead of draining the body: it ignores a
    `Connection` header from the app, but its start_response belongs to a response that can be told to close."""
    force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
    if callable(force_close):
        force_close()


class RequestGuard:
    """The middleware (see the module docstring); `app.wsgi_app = RequestGuard(app.wsgi_app, limits)`, inside
    ProxyFix so that the address counted is the client's."""

    def __init__(self, app: Callable, limits: Limits):
        self.app = app
        self.limits = limits
        self.slots = AddressSlots()

    def refuse(self, environ: dict, start_response: Callable, code: str, **values) -> list[bytes]:
        status, message = MESSAGES[code]
        message = message.format(**values)
        if wants_json(environ, self.limits):
            body = json.dumps({"ok": False, "error": {"code": code, "message": message}},
                              ensure_ascii=False).encode()
            kind = "application/json"
        else:
            body = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{status[:3]}</title>'
                    f'</head><body><h1>{escape(message)}</h1><p><a href="/">Retour à l\'accueil</a></p>'
                    f"</body></html>").encode()
            kind = "text/html; charset=utf-8"
        close_connection(start_response)
        start_response(status, [
            ("Content-Type", kind), ("Content-Length", str(len(body))), ("Connection", "close"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
        ])
        return [body]

    def __call__(self, environ: dict, start_response: Callable):
        path = environ.get("PATH_INFO", "") or "/"
        is_socket = self.limits.is_socket(path)
        key = (client_key(environ.get("REMOTE_ADDR")), "socket" if is_socket else "request")
        if not self.slots.acquire(key, self.limits.max_sockets if is_socket else self.limits.max_requests):
            # Closed at once, without lingering: an address over its cap must not hold more connections.
            return self.refuse(environ, start_response, "too_many_connections")
        limit = self.limits.body_limit(path)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:  # a chunked body's length is unknown whatever Content-Length says (RFC 9112 6.3)
            declared = None if chunked else int(environ.get("CONTENT_LENGTH") or 0) or None
        except ValueError:
            declared = None
        stream = GuardedInput(environ["wsgi.input"], limit, declared, chunked, self.limits)
        unread = declared is not None and declared > limit

        def release() -> None:
            if not unread:  # else at close, after lingering: the connection still counts for its address
                self.slots.release(key)

        def done() -> None:
            if unread:
                try:
                    if (sock := environ.get("gunicorn.socket")) is not None:
                        stream.linger(sock)
                finally:
                    self.slots.release(key)

        if unread:
            return Guarded(self.refuse(environ, start_response, "too_large", limit=megabytes(limit)), release,
                           done)
        environ["wsgi.input"] = stream
        environ[BODY_LIMIT_KEY] = limit

        def guarded_start_response(status, headers, exc_info=None):
            nonlocal unread
            if not stream.finished:
                unread = True
                close_connection(start_response)
                headers = [*headers, ("Connection", "close")]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, guarded_start_response)
        except (BodyTooLarge, BodyTooSlow) as error:  # raised where no Flask error page caught it (engine.io)
            body = self.refuse(environ, start_response, "too_large" if isinstance(error, BodyTooLarge)
                               else "too_slow", limit=megabytes(limit))
            unread = True
        except BaseException:
            self.slots.release(key)
            raise
        return Guarded(body, release, done)


class GuardedRequest(Request):
    """Flask's request, whose form parsing allows what the guard allows this path (an upload page's larger
    allowance included) rather than MAX_CONTENT_LENGTH alone."""

    def __init__(self, environ: dict, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        if (limit := environ.get(BODY_LIMIT_KEY)) is not None:
            self.max_content_length = limit


def install(app) -> None:
    """Put the guard around the app's WSGI callable (Socket.IO included) and its limits on Flask's requests."""
    app.request_class = GuardedRequest
    app.wsgi_app = guard = RequestGuard(app.wsgi_app, Limits.from_config(app.config))
    app.extensions["request_guard"] = guard  # its counts, for the worker's refusals at accept (serving.py)
