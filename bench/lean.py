"""A lean Socket.IO v5 / Engine.IO v4 client over a raw WebSocket, cheap enough that 300 screens on one core
measure the server and not themselves.

python-socketio's AsyncClient decodes every packet, runs a task per event and goes through aiohttp's reader:
at 300 screens and 50 cards/s the clients took 97 % of a core against the server's 62 %, and the latency they
printed was their own queue. Here one asyncio protocol per socket parses the WebSocket frames of each read
itself (several frames per read under load), answers Engine.IO pings, resolves acks, and for a board event
only keeps (arrival time, raw text): JSON is decoded after the run (`decode_events`).

Enough of the protocol for the benches (text packets only, no binary, no polling):
    open `0{...}`, ping `2` -> pong `3`, namespace connect `40/board,` -> `40/board,{"sid":...}`,
    call `42/board,<id>["join",{...}]` -> ack `43/board,<id>[{...}]`,
    server events `42/board,["event",{...}]` and `42/board,["events",[{...}, ...]]`.

No cookie is needed: Flask-SocketIO keeps each socket's Flask `session` on the server side (an anonymous
participant's seat lives in it).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import select
import socket
import time

WS_QUERY = "?EIO=4&transport=websocket"
_ZERO_MASK = b"\x00\x00\x00\x00"  # client frames must be masked; a zero key leaves the payload as it is


class Closed(ConnectionError):
    pass


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _ZERO_MASK + payload


def ns_prefix(namespace: str) -> bytes:
    """What follows a packet's type for this namespace: `/board,`, or nothing for the main namespace `/`."""
    return b"" if namespace == "/" else namespace.encode() + b","


class LeanClient(asyncio.Protocol):
    """One Socket.IO connection on one namespace. `received` holds (time.time(), raw bytes) of every server
    event whose packet starts with `42<ns>,["event` (so `event` and `events`), in arrival order."""

    path = "/socket.io/"  # a server may mount Socket.IO elsewhere (Scrumblr: /socketio/)
    headers = ""  # more handshake headers, each ending in \r\n (Retrospected: its session cookie)

    def __init__(self, namespace: str = "/board", headers: str | None = None):
        if headers is not None:
            self.headers = headers
        self.ns = ns_prefix(namespace)
        self.prefix = b"42" + self.ns + b'["event'
        self.ack_prefix = b"43" + self.ns
        self.connect_prefix = b"40" + self.ns
        self.received: list[tuple[float, bytes]] = []
        self.other = 0  # other server events (presence...), counted, not kept
        self.closed = False
        self.transport: asyncio.Transport | None = None
        self._buf = b""
        self._fragments: list[bytes] | None = None
        self._handshake: bytes | None = b""
        self._acks: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._connected: asyncio.Future | None = None

    # --- opening ---

    @classmethod
    async def open(cls, host: str, port: int, namespace: str = "/board", timeout: float = 30.0,
                   local: str | None = None, headers: str | None = None) -> LeanClient:
        """`local`: the address to connect from (127.0.0.2: another client address for the server's limits)."""
        loop = asyncio.get_running_loop()
        client = cls(namespace, headers)
        client._connected = loop.create_future()
        await asyncio.wait_for(loop.create_connection(lambda: client, host, port,
                                                      local_addr=(local, 0) if local else None), timeout)
        try:
            await asyncio.wait_for(client._connected, timeout)
        except BaseException:
            client.close()
            raise
        return client

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        host, port = transport.get_extra_info("peername")[:2]
        transport.write((f"GET {self.path}{WS_QUERY} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"{self.headers}\r\n").encode())

    def _fail_connect(self, error: Exception) -> None:
        if self._connected is not None and not self._connected.done():
            self._connected.set_exception(error)

    # --- receiving ---

    def data_received(self, data: bytes) -> None:
        self.feed(data)

    def feed(self, data: bytes, now: float = 0.0) -> None:
        """Parse what was read (`now`: when, if it was read earlier, by a RawReader)."""
        if self._handshake is not None:
            data = self._handshake + data
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._handshake = data
                return
            status = data[:data.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self._fail_connect(Closed(status.decode("latin-1")))
                self.close()
                return
            self._handshake = None
            data = data[end + 4:]
        if self._buf:
            data = self._buf + data
        pos, n = 0, len(data)
        while n - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(data[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(data[pos + 2:pos + 10], "big"), 10
            if b1 & 0x80:  # a server never masks; skip the key if one did (payload left as is: not expected)
                head += 4
            end = pos + head + length
            if end > n:
                break
            payload = data[pos + head:end]
            pos = end
            opcode = b0 & 0x0F
            if opcode == 0 or not b0 & 0x80:  # fragments (wsproto does not fragment, but be correct)
                self._fragments = (self._fragments or []) + [payload]
                if not b0 & 0x80:
                    continue
                payload, self._fragments = b"".join(self._fragments), None
            elif opcode >= 8:
                self._control(opcode, payload)
                continue
            if payload.startswith(self.prefix):
                if not now:
                    now = time.time()
                self.received.append((now, payload))
            else:
                self._packet(payload)
        self._buf = data[pos:]

    def _control(self, opcode: int, payload: bytes) -> None:
        if opcode == 9:  # WebSocket ping
            self._write(payload, 10)
        elif opcode == 8:
            self.close()

    def _packet(self, p: bytes) -> None:
        if p == b"2":
            self._write(b"3")
        elif p.startswith(self.ack_prefix):
            rest = p[len(self.ack_prefix):]
            i = 0
            while i < len(rest) and 48 <= rest[i] <= 57:
                i += 1
            future = self._acks.pop(int(rest[:i]), None)
            if future is not None and not future.done():
                args = json.loads(rest[i:])
                future.set_result(args[0] if len(args) == 1 else args)
        elif p.startswith(b"42"):
            self.other += 1
        elif p.startswith(b"0"):  # Engine.IO open: connect the namespace
            self._write(b"40" + self.ns)
        elif p.startswith(self.connect_prefix):
            if self._connected is not None and not self._connected.done():
                self._connected.set_result(True)
        elif p.startswith(b"44"):
            self._fail_connect(Closed(p.decode(errors="replace")))
        elif p == b"1" or p.startswith(b"41"):
            self.close()

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._fail_connect(Closed("connection lost"))
        for future in self._acks.values():
            if not future.done():
                future.set_exception(Closed("connection lost"))
        self._acks.clear()

    # --- sending ---

    def _write(self, payload: bytes, opcode: int = 1) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(payload, opcode))

    def emit(self, event: str, data) -> None:
        self._write(b"42" + self.ns + json.dumps([event, data], separators=(",", ":")).encode())

    async def call(self, event: str, data, timeout: float = 10.0):
        """Send an event with an ack id and return the server's answer (its first argument)."""
        if self.closed:
            raise Closed("closed")
        self._next_id += 1
        ack_id = self._next_id
        future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        self._write(b"42" + self.ns + str(ack_id).encode()
                    + json.dumps([event, data], separators=(",", ":")).encode())
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    def detach(self) -> socket.socket:
        """Stop reading through asyncio and give a second handle on the socket, for a RawReader."""
        self.transport.pause_reading()
        fd = self.transport.get_extra_info("socket").fileno()
        raw = socket.socket(fileno=os.dup(fd))
        raw.setblocking(False)
        return raw

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            try:
                self.transport.write(_frame(b"41" + self.ns))
                self.transport.write(_frame(b"1"))
                self.transport.write(_frame(b"", 8))
            finally:
                self.transport.close()
        self.closed = True


class RawReader:
    """Screens that only listen, read with one epoll and nothing else: each read is kept as (time, bytes) and
    parsed after the run by the LeanClient it came from (`finish`). One asyncio wake drains every socket that is
    ready. Engine.IO pings are not looked for: every listener sends a pong every PONG_EVERY seconds instead (the
    server ignores a pong it did not ask for, and takes it as the answer to a ping it sent)."""

    PONG_EVERY = 5.0

    def __init__(self, clients: list[LeanClient]):
        self.loop = asyncio.get_running_loop()
        self.epoll = select.epoll()
        self.clients: dict[int, tuple[LeanClient, socket.socket, list]] = {}
        self.last = 0.0
        for client in clients:
            raw = client.detach()
            self.epoll.register(raw.fileno(), select.EPOLLIN)
            self.clients[raw.fileno()] = (client, raw, [])
        self.loop.add_reader(self.epoll.fileno(), self._ready)
        self._pong = self.loop.call_later(self.PONG_EVERY, self._pongs)

    def _ready(self) -> None:
        now = time.time()
        clients = self.clients
        for fd, _mask in self.epoll.poll(0):
            client, raw, chunks = clients[fd]
            try:
                data = raw.recv(262144)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                chunks.append((now, data))
            else:
                self.epoll.unregister(fd)
                client.closed = True
        self.last = now

    def _pongs(self) -> None:
        pong = _frame(b"3")
        for client, raw, _chunks in self.clients.values():
            if not client.closed:
                try:
                    raw.send(pong)
                except OSError:
                    client.closed = True
        self._pong = self.loop.call_later(self.PONG_EVERY, self._pongs)

    def finish(self) -> None:
        """Stop reading; each client parses what was read, with the time it was read."""
        self._pong.cancel()
        self.loop.remove_reader(self.epoll.fileno())
        self.epoll.close()
        for client, raw, chunks in self.clients.values():
            closed = client.closed
            for at, data in chunks:
                client.feed(data, at)
            client.closed = closed
            raw.close()


def decode_events(received: list[tuple[float, bytes]], namespace: str = "/board") -> list[tuple[float, dict, int]]:
    """(arrival, event, frame size) for every board event received: an `events` frame counts each of its events,
    all with the frame's arrival time; `frame size` is how many events that frame held."""
    skip = len(b"42" + ns_prefix(namespace))
    out = []
    for at, raw in received:
        name, body = json.loads(raw[skip:])
        events = body if name == "events" else [body]
        out.extend((at, event, len(events)) for event in events)
    return out
