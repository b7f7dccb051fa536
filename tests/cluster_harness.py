"""Several server processes on one Redis, and screens that apply events as the browser's store does.

Shared by tests/test_cluster.py and bench/cluster.py. A `Screen` is a python-socketio AsyncClient that keeps the
board's seq like static/js/board/store.js: an early event is held until the hole before it fills, a hole that stays
HOLD seconds asks `resync` with `since`; it counts what came out of order (received) and what was applied out of
order (never, by construction: applied is the list the checks read), and keeps the newest presence.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.serverproc import ServerProcess, free_port
from workshop import devserver

NAMESPACE = "/board"
HOLD = 1.0  # seconds, as the store's HOLD_MS


@contextmanager
def redis_server(tmp_dir: Path):
    """A private redis-server on a free port, without persistence; yields its URL."""
    server = devserver.RedisServer(free_port(6400, 6499), tmp_dir).start()
    try:
        yield server.url
    finally:
        server.close()


def start_servers(count: int, database_url: str, tmp_dir: Path, redis_url: str | None) -> list[ServerProcess]:
    """`count` servers, started side by side (each takes seconds to import the application)."""
    taken: set[int] = set()
    lock = threading.Lock()

    def one(i: int) -> ServerProcess:
        for _attempt in range(3):  # another suite on this machine may take the free port first
            with lock:
                port = free_port(exclude=tuple(taken))
                taken.add(port)
            server = ServerProcess(port, database_url, tmp_dir / f"server{i}.log", redis_url=redis_url)
            try:
                return server.start(120)
            except RuntimeError as error:
                if "in use" not in str(error):
                    raise
        raise RuntimeError("no free port")

    with ThreadPoolExecutor(count) as pool:
        started = [pool.submit(one, i) for i in range(count)]
    servers = [f.result() for f in started if not f.exception()]
    failures = [f.exception() for f in started if f.exception()]
    if failures:
        for server in servers:
            server.stop()
        raise failures[0]
    return servers


def kill(server: ServerProcess) -> None:
    """SIGKILL the server's whole process group: no goodbye to Redis or to its sockets."""
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(5)


class Screen:
    def __init__(self, url: str, code: str, name: str):
        import socketio

        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
        logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
        self.url, self.code, self.name = url, code, name
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.seq: int | None = None
        self.held: dict[int, dict] = {}
        self.applied: list[dict] = []  # events in the order applied
        self.cards: dict[int, str] = {}  # card id -> text, from the state and the events
        self.added: dict[int, int] = {}  # card id -> times a card.added was applied
        self.received_reorders = 0  # events that came after a later seq
        self.resyncs = 0
        self.presence: dict | None = None
        self.arrived: dict[int, float] = {}  # card id -> when it was applied (time.time())
        self._last_received = 0
        self._timer: asyncio.TimerHandle | None = None
        self.sio.on("event", self._event, namespace=NAMESPACE)
        self.sio.on("events", self._events, namespace=NAMESPACE)
        self.sio.on("presence", self._presence, namespace=NAMESPACE)

    async def join(self, timeout: float = 30) -> None:
        await self.sio.connect(self.url, transports=["websocket"], namespaces=[NAMESPACE], wait_timeout=timeout)
        ack = await self.sio.call("join", {"code": self.code, "name": self.name}, namespace=NAMESPACE,
                                  timeout=timeout)
        assert ack and ack.get("ok"), ack
        self.participant_id = ack["participant"]["id"]
        self._load(ack["state"], ack["seq"])
        self._presence(ack["presence"])

    def _load(self, state: dict, seq: int) -> None:
        self.cards = {c["id"]: c["text"] for c in state["cards"]}
        self.seq = seq
        self._drain()

    async def _event(self, event: dict) -> None:
        self._hold(event)

    async def _events(self, events: list[dict]) -> None:
        for event in events:
            self._hold(event)

    def _presence(self, presence: dict) -> None:
        if self.presence and "v" in presence and presence["v"] < self.presence.get("v", -1):
            return
        self.presence = presence

    def _hold(self, event: dict) -> None:
        if event["seq"] < self._last_received:
            self.received_reorders += 1
        self._last_received = max(self._last_received, event["seq"])
        if self.seq is not None and event["seq"] <= self.seq:
            return
        self.held[event["seq"]] = event
        self._drain()

    def _drain(self) -> None:
        if self.seq is None:
            return
        for seq in [s for s in self.held if s <= self.seq]:
            del self.held[seq]
        while self.seq + 1 in self.held:
            self._apply(self.held.pop(self.seq + 1))
        if not self.held and self._timer:
            self._timer.cancel()
            self._timer = None
        elif self.held and not self._timer:
            self._timer = asyncio.get_running_loop().call_later(HOLD, self._resync)

    def _apply(self, event: dict) -> None:
        self.seq = event["seq"]
        self.applied.append(event)
        card = (event.get("data") or {}).get("card")
        if event["type"] == "card.added" and card:
            self.added[card["id"]] = self.added.get(card["id"], 0) + 1
            self.cards[card["id"]] = card["text"]
            self.arrived[card["id"]] = time.time()

    def _resync(self) -> None:
        self._timer = None
        if self.held:
            self.resyncs += 1
            asyncio.ensure_future(self._ask_since())

    async def _ask_since(self) -> None:
        try:
            ack = await self.sio.call("resync", {"since": self.seq}, namespace=NAMESPACE, timeout=30)
        except Exception:  # noqa: BLE001  (its process was killed: the browser would reconnect elsewhere)
            return
        if ack and ack.get("ok"):
            if "state" in ack:
                self._load(ack["state"], ack["seq"])
            for event in ack.get("events", []):
                self._hold(event)

    async def add_card(self, text: str) -> dict:
        ack = await self.sio.call("card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text},
                                  namespace=NAMESPACE, timeout=30)
        assert ack and ack.get("ok"), ack
        return ack

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001  (a screen of a killed process is already gone)
            pass


async def join_all(servers: list[ServerProcess], code: str, count: int, concurrency: int = 20) -> list[Screen]:
    """`count` screens spread round-robin over the servers (screen i on server i % len)."""
    gate = asyncio.Semaphore(concurrency)
    screens = [Screen(servers[i % len(servers)].url, code, f"Écran {i}") for i in range(count)]

    async def one(screen: Screen) -> None:
        async with gate:
            await screen.join()

    await asyncio.gather(*(one(s) for s in screens))
    return screens


async def wait_for(check, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(interval)
    return check()


def problems(screens: list[Screen], texts: set[str], present: int) -> list[str]:
    """What a screen shows wrong: a card missing or twice, events applied out of seq order, a wrong count."""
    wrong = []
    for s in screens:
        held = set(s.cards.values()) & texts
        if held != texts:
            wrong.append(f"{s.name}: {len(texts - held)} cards missing")
        if any(n != 1 for n in s.added.values()):
            wrong.append(f"{s.name}: a card added twice")
        seqs = [e["seq"] for e in s.applied]
        if seqs != sorted(set(seqs)):
            wrong.append(f"{s.name}: applied out of order")
        if not s.presence or s.presence["count"] != present:
            wrong.append(f"{s.name}: presence {s.presence and s.presence['count']} instead of {present}")
    return wrong
