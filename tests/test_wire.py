"""The board's WebSocket as a browser opens it: Chromium always offers permessage-deflate; the server opens the
socket without it (live/wire.uncompressed), so a frame's bytes are written once for its whole audience and no
screen holds a zlib context of its own (about 300 KB each)."""

from __future__ import annotations

import socket

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
