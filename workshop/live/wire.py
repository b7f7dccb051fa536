"""One write per screen for a board's frames: the WebSocket frame is built once and its bytes written to every
screen's socket, instead of a packet queued per socket for engine.io's writer greenlet to encode and send.

Through engine.io, every delivery cost a queue put, a wake and switch to the socket's writer greenlet (with a
timeout armed and cancelled), an Engine.IO and a WebSocket encoding of the same text, then the write: about
a third of the server's CPU at 200 cards/s to 300 screens. Here the frame's bytes are the same for a whole
audience (server frames are not masked), so a delivery is one non-blocking `send` of them.

Frames must not interleave with what engine.io's writer sends on the same socket (acks, pings): `install`
makes simple-websocket's `send` take the socket's lock, which a direct write takes too. A write that does not
fit in the socket's buffer, or a socket busy with the writer, leaves the bytes in the socket's backlog, which a
background task sends in order (nothing later for that socket overtakes them). The board's WebSocket is
opened without compression (`uncompressed`), so browsers take this path too; a socket that negotiated
permessage-deflate anyway (another front) has per-connection state: it gets the frame through engine.io as
before, and so does every socket when the server is not simple-websocket's.

What this leans on inside the libraries (versions pinned in pyproject.toml: python-engineio 4.15.1,
python-socketio 5.18.1, simple-websocket 1.1.0, wsproto 1.3.2, gevent 26.9.0; check these on every upgrade):
engine.io's `Socket._websocket_handler` (patched: where a socket's path is made) and the `ws` attribute of the
object it gets; simple-websocket's `Base.send` (patched: it takes the socket's lock) and its `sock`, `connected`
and `ws` attributes; wsproto's `WSConnection._proto.extensions` (was compression negotiated); gevent's
`socket._sock` (the real socket under the cooperative one). fanout._write also calls python-socketio's
`Server._send_eio_packet` and reads `server.eio.sockets`.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from workshop.extensions import socketio

_ATTRIBUTE = "_passerelles_wire"  # on a simple_websocket.Server: its Wire, or None (compressed)


class Wire:
    """A socket's direct path: its lock (shared with simple-websocket's send) and its backlog."""

    def __init__(self, server: Any):
        self.server = server
        self.lock = threading.Lock()
        self.backlog: deque[bytes] = deque()
        self.flushing = False

    def write(self, data: bytes) -> bool:
        """Send the frame now, or after what waits; False when the socket is closed."""
        if not self.server.connected:
            return False
        if self.backlog or self.flushing or self.lock.locked() or not self.lock.acquire(blocking=False):
            self._later(data)
            return True
        try:
            sent = _send_now(self.server.sock, data)
        except OSError:
            return False  # closed meanwhile: engine.io's side notices and disconnects it
        finally:
            self.lock.release()
        if sent < len(data):
            self._later(data[sent:])
        return True

    def _later(self, data: bytes) -> None:
        self.backlog.append(data)
        if not self.flushing:
            self.flushing = True
            socketio.start_background_task(self._flush)

    def _flush(self) -> None:
        while True:
            try:
                with self.lock:
                    while self.backlog:
                        self.server.sock.sendall(self.backlog.popleft())
            except OSError:
                self.backlog.clear()
            self.flushing = False
            if not self.backlog or self.flushing:  # a write came between the last send and here (threads)
                return
            self.flushing = True


def _send_now(sock: Any, data: bytes) -> int:
    """Write what the socket's buffer takes at once, without waiting (gevent's socket wraps a real one)."""
    raw = getattr(sock, "_sock", sock)
    try:
        return raw.send(data, socket.MSG_DONTWAIT)
    except (BlockingIOError, ValueError):  # full; or a socket that takes no flags (TLS): the backlog sends it
        return 0


enabled = False  # frames take the direct path where a socket has one (configure: the app's WIRE_FRAMES)


def configure(on: bool) -> None:
    """Whether the application's frames take the direct path (WIRE_FRAMES), set by every create_app: an app made
    without it, in a process where an earlier one had it (tests), sends every frame through engine.io. The
    patches stay once made: without a direct path in use they only take a lock no one else holds."""
    global enabled
    if on:
        install()
    enabled = on


def install() -> None:
    """Make simple-websocket's sends take the socket's lock, and give each WebSocket its direct path when
    engine.io's handler starts on it, before its writer sends anything (idempotent; patches the libraries'
    classes, process-wide)."""
    import simple_websocket.ws as ws  # engine.io's WebSocket server without gevent-websocket
    from engineio import socket as eio_socket

    if getattr(ws.Base.send, "_wired", False):
        return
    send_unlocked, handle = ws.Base.send, eio_socket.Socket._websocket_handler

    def send(self, data):
        wire = getattr(self, _ATTRIBUTE, None)
        if wire is None:
            return send_unlocked(self, data)
        with wire.lock:
            return send_unlocked(self, data)

    def handler(self, ws):
        server = getattr(ws, "ws", None)  # engine.io's SimpleWebSocketWSGI wraps a simple_websocket.Server
        if server is not None and hasattr(server, "sock") and hasattr(server, "ws"):
            connection = getattr(server.ws, "connection", None)
            compressed = connection is None or bool(connection._proto.extensions)
            self.wire = None if compressed else Wire(server)
            setattr(server, _ATTRIBUTE, self.wire)
        return handle(self, ws)

    send._wired = handler._wired = True
    ws.Base.send, eio_socket.Socket._websocket_handler = send, handler


def uncompressed(wsgi_app: Callable) -> Callable:
    """WSGI middleware: WebSockets are opened without permessage-deflate (browsers always offer it and
    simple-websocket always accepts), as Node's socket.io does by default. Compression keeps a zlib context per
    socket (about 300 KB: 300 MB for 1,000 screens) and deflates each frame once per socket; without it a frame's
    bytes are the same for its whole audience. Board frames are small, and a big state comes in pages."""

    def app(environ: dict, start_response: Callable) -> Any:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def wire_of(eio_socket: Any) -> Wire | None:
    """The direct path of an engine.io socket, or None (polling, compression, another WebSocket server)."""
    return getattr(eio_socket, "wire", None)


def frame(text: str) -> bytes:
    """A final, unmasked WebSocket text frame (a server's) carrying `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload
