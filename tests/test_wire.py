"""The board's WebSocket as a browser opens it: Chromium always offers permessage-deflate; the server opens the
socket without it (live/wire.uncompressed), so a frame's bytes are written once for its whole audience and no
screen holds a zlib context of its own (about 300 KB each). Frames written straight to a screen's socket reach it
in the order they were written, whatever waits; an app made without WIRE_FRAMES sends through engine.io."""

from __future__ import annotations

import select
import socket
import threading
from types import SimpleNamespace

from tests.conftest import make_config
from workshop import create_app
from workshop.live import wire

# The upgrade request Chromium sends for socket.io-client's WebSocket transport.
HANDSHAKE = ("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")


def _upgrade_headers(url: str) -> tuple[str, dict[str, str]]:
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(HANDSHAKE.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed during the handshake: {head!r}"
            head += chunk
    status, *lines = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
    return status, {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}


def test_a_browser_offering_compression_gets_an_uncompressed_board_socket(live_server):
    status, headers = _upgrade_headers(live_server.url)
    assert " 101 " in status
    assert "sec-websocket-extensions" not in headers


def _texts(data: bytes) -> list[str]:
    """The texts of a run of unmasked WebSocket frames (what a screen reads)."""
    texts, at = [], 0
    while at < len(data):
        size, at = data[at + 1] & 0x7F, at + 2
        if size == 126:
            size, at = int.from_bytes(data[at:at + 2], "big"), at + 2
        elif size == 127:
            size, at = int.from_bytes(data[at:at + 8], "big"), at + 8
        texts.append(data[at:at + size].decode(errors="replace"))  # a cut frame shows as a wrong text
        at += size
    return texts


def test_frames_reach_a_screen_in_the_order_they_were_written(monkeypatch):
    """Some frames fit the socket's buffer and go at once, some only in part, some wait while engine.io's writer
    holds the socket (a ping), and the screen reads between two frames: none overtakes another, none is cut.
    The backlog's sender runs once every frame was written, so no order comes from luck."""
    senders = []
    monkeypatch.setattr(wire.socketio, "start_background_task", lambda task: senders.append(task))
    server_side, screen = socket.socketpair()
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    screen.setblocking(False)
    path = wire.Wire(SimpleNamespace(connected=True, sock=server_side))
    texts = [f"4{n}:" + "x" * (n * 997 % 20000) for n in range(60)]  # a few bytes to 20 kB
    frames = [wire.frame(text) for text in texts]
    received = bytearray()

    def read(until: int = 0) -> None:
        """What the screen reads now (`until`: wait for that many bytes in all)."""
        while True:
            try:
                chunk = screen.recv(65536)
            except BlockingIOError:
                if len(received) >= until:
                    return
                select.select([screen], [], [], 30)
                continue
            if not chunk:
                return
            received.extend(chunk)

    written = []
    try:
        for n, data in enumerate(frames):
            if n == 10:
                path.lock.acquire()  # engine.io's writer is sending on this socket
            written.append(path.write(data))
            if n == 19:
                path.lock.release()
            read()  # room in the buffer again: a frame written straight now would overtake what waits
        reader = threading.Thread(target=read, args=(sum(map(len, frames)),))
        reader.start()
        for send_backlog in senders:
            send_backlog()
        reader.join(30)
    finally:
        if path.lock.locked():
            path.lock.release()
        server_side.close()
        screen.close()
    assert all(written)
    assert _texts(bytes(received)) == texts


def test_an_app_made_without_wire_frames_sends_every_frame_through_engineio(tmp_path):
    url = f"sqlite:///{tmp_path / 'wire.db'}"
    create_app(make_config(tmp_path, url))
    assert wire.enabled  # the default: frames take the direct path
    create_app(make_config(tmp_path, url, WIRE_FRAMES=False))  # in the same process, as the suite does
    assert not wire.enabled
