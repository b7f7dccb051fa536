"""Several server processes on one Redis, and screens that apply events as the browser's store does.

Shared by tests/test_cluster.py and bench/cluster.py. A `Screen` is a python-socketio AsyncClient that keeps the
board's seq like static/js/board/store.js: an early event is held until the hole before it fills, a hole that stays
HOLD seconds asks `resync` with `since`; it counts what came out of order (received) and what was applied out of
order (never, by construction: applied is the list the checks read), and keeps the newest presence. Like the store,
it sends a card again with the same client_id until it is acknowledged or refused for good (the outbox).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.serverproc import ServerProcess
from workshop import devserver
from workshop.devserver import free_port

NAMESPACE = "/board"
HOLD = 1.0  # seconds, as the store's HOLD_MS
RESYNC_RETRY = 1.0  # seconds, as the store's RESYNC_RETRY_MS (then doubled up to 30 s, as its Backoff)
DEFINITIVE = {"invalid", "forbidden", "closed", "not_found"}  # as the store's: not sent again


@contextmanager
def redis_server(tmp_dir: Path, ports: range = range(6450, 6500)):
    """A private redis-server on a free port, without persistence; yields it (`.url`, `.stop()`, `.start()`)."""
    server = devserver.RedisServer(free_port(ports[0], ports[-1]), tmp_dir).start()
    try:
        yield server
    finally:
        server.close()


def start_servers(count: int, database_url: str, tmp_dir: Path, redis_url: str | None,
                  ports: range = range(5200, 5300)) -> list[ServerProcess]:
    """`count` servers, started side by side (each takes seconds to import the application)."""
    taken: set[int] = set()
    lock = threading.Lock()

    def one(i: int) -> ServerProcess:
        for _attempt in range(3):  # another suite on this machine may take the free port first
            with lock:
                port = free_port(ports[0], ports[-1], exclude=tuple(taken))
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
    def __init__(self, url: str, code: str, name: str, cookie: str | None = None):
        logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
        logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
        self.url, self.code, self.name, self.cookie = url, code, name, cookie
        self.token: str | None = None
        self.seq: int | None = None
        self.held: dict[int, dict] = {}
        self.applied: list[dict] = []  # events in the order applied
        self.cards: dict[int, str] = {}  # card id -> text, from the state and the events
        self.added: dict[int, int] = {}  # card id -> times a card.added was applied
        self.reordered: list = []
        self.received_reorders = 0  # events pushed after a later seq had been pushed (answers to asks not counted:
        # a catch-up asked at seq 15 may answer 16-19 after the live 19 came, and the screen drops the old ones)
        self.resyncs = 0  # asked because a hole stayed HOLD seconds
        self.resync_refused: list[str] = []
        self._resync_retry = RESYNC_RETRY  # the next delay after a refused resync
        self._retry_timer: asyncio.TimerHandle | None = None  # a refused resync waiting to be asked again
        self._asking = False  # a resync waits for its answer (as the store's resyncAsked)
        self.refusals = 0  # card.add answers that were not ok (the card was sent again)
        self.presence: dict | None = None
        self.arrived: dict[int, float] = {}  # card id -> when it was applied (time.time())
        self._last_received = 0
        self._timer: asyncio.TimerHandle | None = None
        self.sio = self._client()

    def _client(self):
        import socketio

        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        sio.on("event", self._event, namespace=NAMESPACE)
        sio.on("events", self._events, namespace=NAMESPACE)
        sio.on("presence", self._presence, namespace=NAMESPACE)
        return sio

    async def join(self, timeout: float = 30) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        await self.sio.connect(self.url, headers=headers, transports=["websocket"], namespaces=[NAMESPACE],
                               wait_timeout=timeout)
        payload = {"code": self.code, "name": self.name}
        if self.token:  # back after its process died: the same participant, and what it missed
            payload.update(token=self.token, since=self.seq)
        ack = await self.sio.call("join", payload, namespace=NAMESPACE, timeout=timeout)
        assert ack and ack.get("ok"), ack
        self.participant_id = ack["participant"]["id"]
        self.token = ack["participant"].get("token") or self.token
        if self._retry_timer:  # as the store: the join brought what the resync would have
            self._retry_timer.cancel()
            self._retry_timer = None
        self._resync_retry = RESYNC_RETRY
        if "state" in ack:
            self._load(ack["state"], ack["seq"])
        for event in ack.get("events", []):
            self._hold(event)
        self._presence(ack["presence"])

    async def land_on(self, url: str) -> None:
        """What the browser does when its process dies: connect to another one and join again with its token
        and its seq; it keeps what it had and gets what it missed."""
        await self.close()
        self.url, self.sio = url, self._client()
        await self.join()

    def _load(self, state: dict, seq: int) -> None:
        self.state = state
        self.cards = {c["id"]: c.get("text") for c in state["cards"]}
        self.seq = seq
        self._drain()

    async def _event(self, event: dict) -> None:
        self._pushed(event)

    async def _events(self, events: list[dict]) -> None:
        for event in events:
            self._pushed(event)

    def _presence(self, presence: dict) -> None:
        if self.presence and "v" in presence and presence["v"] < self.presence.get("v", -1):
            return
        self.presence = presence

    def _pushed(self, event: dict) -> None:
        """An event the server pushed: counted when it comes after a later one (the order the server sends in)."""
        if event["seq"] < self._last_received:
            self.received_reorders += 1
            self.reordered.append((event["seq"], self._last_received, event["type"]))
        self._last_received = max(self._last_received, event["seq"])
        self._hold(event)

    def _hold(self, event: dict) -> None:
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
        if not card or "id" not in card:
            return
        if event["type"] == "card.added":
            self.added[card["id"]] = self.added.get(card["id"], 0) + 1
            self.arrived[card["id"]] = time.time()
        if event["type"] == "card.deleted":
            self.cards.pop(card["id"], None)
        else:  # added, accepted, updated, hidden (without its text for participants), shown
            self.cards[card["id"]] = card.get("text")

    def _resync(self) -> None:
        self._timer = None
        # a refused resync is asked again by its back-off only; one waiting for its answer fills the hole
        if self.held and not self._retry_timer and not self._asking:
            self.resyncs += 1
            asyncio.ensure_future(self._ask_since())

    async def _ask_since(self) -> None:
        self._asking = True
        try:
            ack = await self.sio.call("resync", {"since": self.seq}, namespace=NAMESPACE, timeout=30)
        except Exception:  # noqa: BLE001  (its process was killed: the browser would reconnect elsewhere)
            return
        finally:
            self._asking = False
        if not (ack and ack.get("ok")):  # as the store: asked again a moment later, unless refused for good
            code = (ack or {}).get("error", {}).get("code")
            self.resync_refused.append(code)
            if code not in DEFINITIVE:
                delay = self._resync_retry * (1 - random.random() / 3)
                self._resync_retry = min(self._resync_retry * 2, 30.0)
                self._retry_timer = asyncio.get_running_loop().call_later(delay, self._ask_again)
            return
        if ack and ack.get("ok"):
            self._resync_retry = RESYNC_RETRY
            if "state" in ack:
                self._load(ack["state"], ack["seq"])
            for event in ack.get("events", []):
                self._hold(event)

    def _ask_again(self) -> None:
        self._retry_timer = None
        asyncio.ensure_future(self._ask_since())

    async def add_card(self, text: str) -> dict:
        ack = await self.sio.call("card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text},
                                  namespace=NAMESPACE, timeout=30)
        assert ack and ack.get("ok"), ack
        return ack

    async def send_card(self, text: str, patience: float = 30) -> dict:
        """The outbox: the same card (same client_id) again after each refusal that may pass later (the database
        or Redis down), after 0.2 s, 0.4 s... at most 2 s apart, until it is acknowledged."""
        item, pause = {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text}, 0.2
        deadline = time.monotonic() + patience
        while True:
            try:
                ack = await self.sio.call("card.add", item, namespace=NAMESPACE, timeout=10)
            except Exception as error:  # noqa: BLE001  (no answer: the outbox sends it again, as after a refusal)
                ack = {"ok": False, "error": {"code": type(error).__name__}}
            if ack.get("ok"):
                return ack
            code = ack.get("error", {}).get("code")
            assert code not in DEFINITIVE, ack
            self.refusals += 1
            assert time.monotonic() < deadline, f"{text!r} still refused after {patience} s: {ack}"
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 2)

    async def call(self, event: str, payload: dict) -> dict:
        return await self.sio.call(event, payload, namespace=NAMESPACE, timeout=30)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001  (a screen of a killed process is already gone)
            pass


def log_in(server: ServerProcess, email: str, password: str) -> str:
    """The Cookie header of a browser that logged in on this server (valid on all: they share SECRET_KEY)."""
    import requests

    browser = requests.Session()
    form = browser.get(server.url + "/connexion", timeout=30).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = browser.post(server.url + "/connexion", data={"email": email, "password": password, "csrf_token": csrf},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


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
