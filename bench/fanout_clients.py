"""The client side of board_fanout.py: one process holding some of the screens, some of which post cards.

Every card carries its send time in its text ("<run> <key> @ <time>"); every screen keeps when each board event
arrived. With the lean client (lean.py) nothing is decoded while cards flow: the events are decoded after the
posting phase, so the client CPU measured covers receiving only. `--client socketio` keeps python-socketio's
AsyncClient (decodes each event as it arrives) for comparison with earlier figures.

With the lean client, the screens that do not post are read by a lean.RawReader during the posting phase: one
epoll for all of them, each read kept as bytes and parsed afterwards (~3x cheaper per delivery than the
asyncio protocol); the posters stay full clients (they need their acks) and are screens too.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections import defaultdict

import common
import lean
import retro
import scrumblr

CONNECT_CONCURRENCY = 25
ACK_TIMEOUT = 10.0


class _OurBoard:
    """How a screen joins, posts and reads cards on our board (and the relay's, which speaks the same)."""

    SELF_DELIVERY = True  # the poster's screen gets its own card's event too

    async def join(self, code: str, name: str, frames: bool = False, timeout: float = 30.0):
        return await self.call("join", {"code": code, "name": name, **({"frames": True} if frames else {})},
                               timeout=timeout)

    async def add_card(self, client_id: str, text: str, timeout: float = ACK_TIMEOUT):
        return await self.call("card.add", {"client_id": client_id, "column": "obstacle", "text": text},
                               timeout=timeout)

    def card_events(self) -> list[tuple[float, int | None, str | None]]:
        """(arrival, seq, card text) of every board event; the text is None for an event that is not a card."""
        out = []
        for at, event, _size in self.events():
            if not isinstance(event, dict):
                out.append((at, None, None))
                continue
            card = (event.get("data") or {}).get("card") if event.get("type") == "card.added" else None
            out.append((at, event.get("seq", 0), None if card is None else str(card.get("text", ""))))
        return out


class SioClient:
    """python-socketio's AsyncClient behind the LeanClient interface (open, call, close, closed, events())."""

    def __init__(self):
        self.sio = common.new_client()
        self.received: list[tuple[float, str, object]] = []
        self.closed = False
        for name in ("event", "events"):
            self.sio.on(name, self._keep(name), namespace=common.NAMESPACE)
        self.sio.on("disconnect", self._lost, namespace=common.NAMESPACE)

    def _keep(self, name: str):
        def on(data):
            self.received.append((time.time(), name, data))
        return on

    def _lost(self, *_args):
        self.closed = True

    @classmethod
    async def open(cls, host: str, port: int, timeout: float = 30.0) -> SioClient:
        client = cls()
        await asyncio.wait_for(client.sio.connect(f"http://{host}:{port}", transports=["websocket"],
                                                  namespaces=[common.NAMESPACE], wait_timeout=timeout), timeout)
        return client

    async def call(self, event: str, data, timeout: float = 10.0):
        return await self.sio.call(event, data, namespace=common.NAMESPACE, timeout=timeout)

    def events(self) -> list[tuple[float, dict, int]]:
        out = []
        for at, name, body in self.received:
            items = body if name == "events" else [body]
            out.extend((at, event, len(items)) for event in items)
        return out

    join = _OurBoard.join
    add_card = _OurBoard.add_card
    card_events = _OurBoard.card_events
    SELF_DELIVERY = True

    async def aclose(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001  (the server may already be gone)
            pass


class Lean(lean.LeanClient):
    join = _OurBoard.join
    add_card = _OurBoard.add_card
    card_events = _OurBoard.card_events
    SELF_DELIVERY = True

    @classmethod
    async def open(cls, host: str, port: int, timeout: float = 30.0) -> Lean:
        return await super().open(host, port, common.NAMESPACE, timeout)

    def events(self) -> list[tuple[float, dict, int]]:
        return lean.decode_events(self.received, common.NAMESPACE)

    async def aclose(self) -> None:
        self.close()


CLIENTS = {"lean": Lean, "socketio": SioClient}
PEERS = {"scrumblr": scrumblr.ScrumblrClient, "retro": retro.RetroClient}  # chosen by the target, not --client


def worker(spec: dict, conn) -> None:
    try:
        if spec.get("cpus"):
            os.sched_setaffinity(0, spec["cpus"])
        asyncio.run(_worker(spec, conn))
    except Exception as error:  # noqa: BLE001  (report, never hang the orchestrator)
        conn.send(("failed", repr(error)))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _recv(conn, timeout: float):
    ready = await asyncio.get_running_loop().run_in_executor(None, conn.poll, timeout)
    if not ready:
        raise TimeoutError("orchestrator silent")
    return conn.recv()


async def _worker(spec: dict, conn) -> None:
    kind = {**CLIENTS, **PEERS}[spec["client"]]
    host, port, code = spec["host"], spec["port"], spec["code"]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    join_errors: list[str] = []

    async def open_one(name: str):
        async with gate:
            try:
                client = await kind.open(host, port)
            except Exception as error:  # noqa: BLE001
                join_errors.append(type(error).__name__)
                return None
            try:
                ack = await client.join(code, name, spec["frames"], timeout=30)
            except Exception as error:  # noqa: BLE001
                join_errors.append(type(error).__name__)
                await client.aclose()
                return None
        if not (isinstance(ack, dict) and ack.get("ok")):
            join_errors.append(common.error_code(ack))
            await client.aclose()
            return None
        return client

    joined_at = time.monotonic()
    members = await asyncio.gather(*(open_one(f"Part {i}") for i in spec["indexes"]))
    clients = [c for c in members if c is not None]
    posters = [(slot, c) for slot, c in zip(spec["poster_slots"], members[: len(spec["poster_slots"])], strict=True)
               if c is not None]
    conn.send(("ready", {"joined": len(clients), "join_errors": join_errors, "self_delivery": kind.SELF_DELIVERY,
                         "join_seconds": time.monotonic() - joined_at}))
    message = await _recv(conn, 600)
    if message[0] != "go":
        await asyncio.gather(*(c.aclose() for c in clients))
        return
    for c in clients:  # what arrived before the posting phase (presence, joins) is not this run's
        c.received.clear()
    poster_ids = {id(c) for _slot, c in posters}
    listeners = [c for c in clients if id(c) not in poster_ids]
    reader = lean.RawReader(listeners) if issubclass(kind, lean.LeanClient) and spec.get("raw", True) else None
    result = await _post_and_drain(spec, message[1], clients, posters, reader)
    conn.send(("drained", None))  # the server's CPU is read up to here, not while the events are decoded
    result.update(_decode(spec["run_id"], clients))
    conn.send(("done", result))
    await asyncio.gather(*(c.aclose() for c in clients))


async def _post_and_drain(spec: dict, t0: float, clients: list, posters: list, reader) -> dict:
    cpu_start = _cpu()
    interval = spec["total_posters"] / spec["rate"]  # each poster posts every `interval` seconds
    sent: list[tuple] = []
    run_id, duration = spec["run_id"], spec["duration"]

    async def post(slot: int, client, n: int, at: float):
        await asyncio.sleep(max(0.0, at - time.time()))
        key = f"p{slot}n{n}"
        sent_at = time.time()
        text = f"{run_id} {key} @ {sent_at:.6f}"
        try:
            ack = await client.add_card(f"{run_id}-{key}", text, timeout=ACK_TIMEOUT)
        except Exception as error:  # noqa: BLE001
            sent.append((key, sent_at, False, None, type(error).__name__))
            return
        ok = isinstance(ack, dict) and ack.get("ok") is True
        ack_s = None if ok and ack.get("no_ack") else time.time() - sent_at  # Scrumblr answers nothing
        sent.append((key, sent_at, ok, ack_s, None if ok else common.error_code(ack)))

    tasks = []
    for slot, client in posters:
        n, at = 0, t0 + slot / spec["rate"]
        while at < t0 + duration:
            tasks.append(asyncio.create_task(post(slot, client, n, at)))
            n, at = n + 1, at + interval
    end = t0 + duration
    if tasks:
        await asyncio.wait(tasks, timeout=duration + ACK_TIMEOUT + 5)
    # Drain: until nothing has arrived for `quiet` seconds (bounded by drain_max).
    while time.time() < end + spec["drain_max"]:
        last = max([reader.last if reader else 0.0, *(c.received[-1][0] for c in clients if c.received)])
        if time.time() > end + 1 and time.time() - max(last, end) > spec["quiet"]:
            break
        await asyncio.sleep(0.2)
    cpu_used = _cpu() - cpu_start
    if reader is not None:
        reader.finish()  # the listeners parse what they read, after the CPU was measured
    return {"sent": sent, "cpu_s": cpu_used, "wall": time.time() - t0,
            "disconnects": sum(1 for c in clients if c.closed), "receivers": len(clients)}


def _decode(run_id: str, clients: list) -> dict:
    """Per card key, the latency of each screen's delivery; duplicates, seqs out of order, foreign events, and
    how many events each frame carried (1 = one `event` message per event)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    counters = {"duplicates": 0, "out_of_order": 0, "foreign": 0, "frames": 0, "events": 0}
    for client in clients:
        seen: set[str] = set()
        last_seq = 0
        counters["frames"] += len(client.received)  # one entry per message received
        for at, seq, text in client.card_events():
            counters["events"] += 1
            if seq is not None:  # Scrumblr numbers nothing
                if seq <= last_seq:
                    counters["out_of_order"] += 1
                last_seq = max(seq, last_seq)
            parts = (text or "").split()
            if len(parts) != 4 or parts[0] != run_id:
                counters["foreign"] += 1
                continue
            key = parts[1]
            if key in seen:
                counters["duplicates"] += 1
                continue
            seen.add(key)
            latencies[key].append(at - float(parts[3]))
    return {"latencies": dict(latencies), "counters": counters}
