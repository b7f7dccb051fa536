"""Test helpers for the live board: a real HTTP server in a thread and real python-socketio clients.

`LiveServer` serves an app (Flask-SocketIO in threading mode, WebSockets by simple-websocket) with werkzeug's
threaded server on a free port. `stop()` also cuts every open connection, as a crash or a network loss would,
so clients see the drop; `start()` serves again on the same port and database.

`BoardClient` wraps `socketio.Client` on namespace /board over the websocket transport: it records the
`event` (and coalesced `events`) and `presence` messages it receives and offers `wait_for(condition)` instead of sleeps.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio
from werkzeug.serving import ThreadedWSGIServer

NAMESPACE = "/board"
TIMEOUT = 10.0


def close_transport(sio: socketio.Client) -> None:
    """Close the WebSocket under a client. When the server resets the connection (a process killed), neither
    websocket-client nor python-engineio closes that socket: it stays open until the garbage collector finds it,
    and the ResourceWarning then fails whichever test is running."""
    ws = getattr(sio.eio, "ws", None)
    if ws is not None:
        ws.shutdown()


class Phone(socketio.SimpleClient):
    """A SimpleClient that does not reconnect by itself (a phone left reconnecting after its server's death went
    on after its test, and could reach the next server given the same port), and whose disconnect also closes
    the socket of a connection the server cut first."""

    def __init__(self, **client_options) -> None:
        super().__init__(**{"reconnection": False, **client_options})

    def disconnect(self) -> None:
        client = self.client
        super().disconnect()
        if client is not None:
            close_transport(client)


class _TrackingServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, remembering open connections so that `drop_connections` can cut them."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class LiveServer:
    """The app served over real HTTP and WebSockets in a background thread of the test process."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.host = host
        self.port = port
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LiveServer:
        """Serve (again) on the same port; the first start picks a free port."""
        if self._server is not None:
            return self
        self._server = _TrackingServer(self.host, self.port, self.app)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"live-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open connections (clients see a network drop) and wait for the thread."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def wait_until(condition: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.01,
               message: str = "condition") -> Any:
    """Poll until `condition()` is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def _in_arrival_order(sio: socketio.Client) -> None:
    """Handle each message in the client's read loop, in the order it arrived. python-engineio's client starts a
    new thread per message, so on a loaded machine two events could be recorded out of the order the server sent
    them (seen: 6 before 5), which a browser, handling messages one by one, never does."""
    trigger = sio.eio._trigger_event

    def in_order(event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return trigger(event, *args, **kwargs)

    sio.eio._trigger_event = in_order


class BoardClient:
    """A real Socket.IO client on /board that records what the server pushes to it."""

    def __init__(self, base_url: str, cookie: str | None = None, name: str = "client"):
        self.base_url = base_url
        self.cookie = cookie
        self.name = name
        self.sio = socketio.Client(reconnection=False, request_timeout=TIMEOUT)
        self.events: list[dict] = []
        self.frames: list[int] = []  # the size of each `events` message received
        self.presence: list[dict] = []
        self.participant: dict | None = None
        self.last_join: dict | None = None
        self._lock = threading.Lock()
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.sio.on("events", self._on_events, namespace=NAMESPACE)
        self.sio.on("presence", self._on_presence, namespace=NAMESPACE)
        _in_arrival_order(self.sio)

    # --- receiving ------------------------------------------------------------------------------

    def _on_event(self, data):
        with self._lock:
            self.events.append(data)

    def _on_events(self, data):
        """Several events in one message (high-rate types, or every event for a socket that joined with
        `frames`), in seq order."""
        with self._lock:
            self.events.extend(data)
            self.frames.append(len(data))

    def _on_presence(self, data):
        with self._lock:
            self.presence.append(data)

    @property
    def seqs(self) -> list[int]:
        with self._lock:
            return [e["seq"] for e in self.events]

    def events_of(self, type_: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e["type"] == type_]

    def cards_received(self) -> list[dict]:
        """The cards carried by the `card.added` events received so far."""
        return [e["data"]["card"] for e in self.events_of("card.added")]

    def wait_for(self, condition: Callable[[BoardClient], Any], timeout: float = TIMEOUT,
                 message: str = "condition") -> Any:
        return wait_until(lambda: condition(self), timeout=timeout, message=f"{self.name}: {message}")

    def wait_for_events(self, count: int, timeout: float = TIMEOUT) -> list[dict]:
        self.wait_for(lambda c: len(c.events) >= count, timeout, f"{count} events (have {len(self.events)})")
        with self._lock:
            return list(self.events)

    def wait_for_presence(self, condition: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        def found(client: BoardClient):
            with client._lock:
                return next((p for p in reversed(client.presence) if condition(p)), None)

        return self.wait_for(found, timeout, "a presence message")

    # --- sending --------------------------------------------------------------------------------

    def connect(self) -> BoardClient:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.sio.connect(self.base_url, headers=headers, transports=["websocket"], namespaces=[NAMESPACE],
                         wait_timeout=TIMEOUT)
        return self

    def disconnect(self) -> None:
        """Leave cleanly. websocket-client waits 3 s for the echo of its close frame, which the reading thread
        usually swallows first: shorten that wait, the server has answered already."""
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None and not getattr(ws, "_short_close", False):
            close = ws.close
            ws.close = lambda *args, **kwargs: close(timeout=0.2)
            ws._short_close = True
        if self.sio.connected:
            self.sio.disconnect()
        close_transport(self.sio)

    @property
    def connected(self) -> bool:
        return self.sio.connected

    def call(self, event: str, *payload, timeout: float = TIMEOUT) -> Any:
        """Emit an event and return the server's acknowledgement."""
        data = payload[0] if len(payload) == 1 else (tuple(payload) if payload else None)
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def join(self, code: str, name: str | None = None, token: str | None = None,
             since: int | None = None, frames: bool = False) -> dict:
        payload: dict = {"code": code, **({"frames": True} if frames else {})}
        if name is not None:
            payload["name"] = name
        if token is not None:
            payload["token"] = token
        if since is not None:
            payload["since"] = since
        answer = self.call("join", payload)
        assert answer["ok"], answer
        self.participant = answer["participant"]
        self.last_join = answer
        return answer

    def add_card(self, text: str, column: str = "obstacle", client_id: str | None = None) -> dict:
        return self.call("card.add", {"client_id": client_id or uuid.uuid4().hex, "column": column, "text": text})


class ClientFactory:
    """Makes connected BoardClients against a live server and disconnects them all at the end."""

    def __init__(self, server: LiveServer):
        self.server = server
        self.clients: list[BoardClient] = []

    def __call__(self, code: str | None = None, name: str | None = None, *, cookie: str | None = None,
                 token: str | None = None, connect: bool = True, frames: bool = False) -> BoardClient:
        """A client, connected; joined too when `code` is given (as `name`, or by `token`/`cookie`), taking
        events in `events` frames when `frames`."""
        client = BoardClient(self.server.url, cookie=cookie, name=name or f"client{len(self.clients) + 1}")
        self.clients.append(client)
        if connect:
            client.connect()
            if code is not None:
                client.join(code, name=name if name is not None or token or cookie else client.name, token=token,
                            frames=frames)
        return client

    def close(self) -> None:
        """Disconnect every client, in parallel (each close waits a little for the server's echo)."""

        def leave(client: BoardClient) -> None:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001 - a client of a stopped server may already be gone
                pass

        threads = [threading.Thread(target=leave, args=(c,)) for c in self.clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
