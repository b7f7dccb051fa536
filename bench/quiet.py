"""Another client's worst delay: a quiet board measured with lean clients (bench/lean.py) while an abuse runs.

The old abuse benches measured with python-socketio clients, whose own decoding and per-event tasks ate the
CPU on this 2-core machine; their queues were then printed as the server's delay. Here the quiet board is
`posters` lean clients posting a card every `every` seconds each (staggered, within the per-participant card
limit) and one lean screen that keeps (arrival time, raw bytes) of each event; nothing is decoded until the
end. Per card: card-to-screen delay (sent -> the screen has it, what another person sees) and the poster's
ack delay. A card that never reached the screen counts as lost and as TIMEOUT in the maximum.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable
from typing import TypeVar

import common
import lean

TIMEOUT = 60.0
T = TypeVar("T")


async def open_joined(port: int, code: str, name: str, *, local: str | None = None, timeout: float = TIMEOUT,
                      **extra) -> tuple[lean.LeanClient, dict]:
    """A lean client on /board joined as the browser joins (paged, frames); `local`: the client address to
    connect from (127.0.0.2 is another address for the server's per-address limits)."""
    client = await lean.LeanClient.open(common.HOST, port, local=local, timeout=timeout)
    ack = await client.call("join", {"code": code, "name": name, "paged": True, "frames": True, **extra}, timeout)
    return client, ack


class QuietBoard:
    """A board nobody abuses: its card-to-screen delays, measured while something else runs."""

    def __init__(self, port: int, code: str, posters: int = 3, every: float = 0.6):
        self.port, self.code, self.posters_count, self.every = port, code, posters, every
        self.posters: list[lean.LeanClient] = []
        self.screen: lean.LeanClient | None = None
        self.sent: dict[str, float] = {}  # client_id -> time.time() when sent
        self.acks: list[tuple[float, float, bool]] = []  # (sent, ack delay, ok)
        self.ack_errors: Counter = Counter()  # error code (or exception name) -> cards
        self.stopped = asyncio.Event()
        self.window: tuple[float, float] | None = None  # (begin, end) of the abuse, time.time()
        self.dropped = 0

    async def join(self) -> QuietBoard:
        for index in range(self.posters_count):
            client, ack = await open_joined(self.port, self.code, f"Calme {index}")
            assert ack.get("ok"), ack
            self.posters.append(client)
        self.screen, ack = await open_joined(self.port, self.code, "Écran calme")
        assert ack.get("ok"), ack
        self.screen.received.clear()
        return self

    async def _post(self, index: int, client: lean.LeanClient) -> None:
        await asyncio.sleep(index * self.every / self.posters_count)
        pending = set()
        n = 0
        while not self.stopped.is_set():
            started = time.time()
            client_id = f"calme-{index}-{n}-{uuid.uuid4().hex[:6]}"
            self.sent[client_id] = started
            task = asyncio.create_task(self._card(client, client_id, started, n))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            await asyncio.sleep(max(0.0, started + self.every - time.time()))
        if pending:
            await asyncio.wait(pending, timeout=TIMEOUT + 5)

    async def _card(self, client: lean.LeanClient, client_id: str, started: float, n: int) -> None:
        try:
            ack = await client.call("card.add", {"client_id": client_id, "column": "obstacle",
                                                 "text": f"Idée calme {n}"}, timeout=TIMEOUT)
            ok = isinstance(ack, dict) and ack.get("ok") is True
            error = None if ok else common.error_code(ack)
        except Exception as exc:  # noqa: BLE001  (a dropped or frozen board is what is measured)
            ok, error = False, type(exc).__name__
        if not ok:
            self.ack_errors[error] += 1
        self.acks.append((started, time.time() - started, ok))

    async def run(self) -> None:
        """Post until `stopped` is set (then wait for the last acks)."""
        await asyncio.gather(*(self._post(i, c) for i, c in enumerate(self.posters)))

    async def measure(self, abuse: Awaitable[T], quiet: float = 3.0) -> T:
        """Post `quiet` seconds, then while `abuse` runs (its span is the `window` summary() reads), then 2 s
        more (the acks a frozen server held back arrive), stop and give the screen 1 s for the last cards; close
        every client. Returns what `abuse` returned."""
        posting = asyncio.create_task(self.run())
        try:
            await asyncio.sleep(quiet)
            begin = time.time()
            result = await abuse
            self.window = (begin, time.time())
            await asyncio.sleep(2)
            self.stop()
            await asyncio.wait_for(posting, TIMEOUT + 5)
            await asyncio.sleep(1)
            return result
        finally:
            self.stopped.set()
            posting.cancel()
            self.close()

    def stop(self) -> None:
        """Stop posting; a client closed before now was dropped by the server."""
        self.dropped = sum(1 for c in [*self.posters, self.screen] if c is not None and c.closed)
        self.stopped.set()

    def close(self) -> None:
        for client in [*self.posters, self.screen]:
            if client is not None:
                client.close()

    def delays(self) -> list[tuple[float, float | None]]:
        """(sent, card-to-screen delay or None if the screen never had it) per card posted."""
        arrived: dict[str, float] = {}
        for at, event, _size in lean.decode_events(self.screen.received if self.screen else []):
            card = (event.get("data") or {}).get("card") if isinstance(event, dict) else None
            client_id = (card or {}).get("client_id")
            if client_id in self.sent and client_id not in arrived:
                arrived[client_id] = at
        return [(sent, (arrived[cid] - sent) if cid in arrived else None) for cid, sent in self.sent.items()]

    def summary(self, prefix: str = "") -> dict:
        """Card-to-screen p50/p95/max over every card, and over the cards that overlapped the abuse."""
        rows = self.delays()
        begin, end = self.window or (0.0, float("inf"))

        def stats(selected: list[tuple[float, float | None]]) -> dict:
            values = [d if d is not None else TIMEOUT for _s, d in selected]
            return {"cards": len(selected), "lost": sum(1 for _s, d in selected if d is None),
                    "p50_ms": common.ms(common.percentile(values, 50)),
                    "p95_ms": common.ms(common.percentile(values, 95)),
                    "max_ms": common.ms(max(values, default=None))}

        before = [r for r in rows if r[0] < begin and (r[1] is None or r[0] + r[1] < begin)]
        during = [r for r in rows if r[0] <= end and (r[1] is None or r[0] + r[1] >= begin)]
        acks_during = [d for s, d, _ok in self.acks if s <= end and s + d >= begin]
        slow = sorted(((d if d is not None else TIMEOUT), s - begin) for s, d in during)[-5:]
        return {f"{prefix}quiet": stats(before), f"{prefix}during": stats(during),
                f"{prefix}ack_p95_during_ms": common.ms(common.percentile(acks_during, 95)),
                f"{prefix}ack_max_during_ms": common.ms(max(acks_during, default=None)),
                f"{prefix}slowest": [(common.ms(d), round(at, 2)) for d, at in slow],  # (ms, sent s after begin)
                f"{prefix}ack_errors": sum(self.ack_errors.values()),
                f"{prefix}ack_error_kinds": dict(self.ack_errors), f"{prefix}disconnects": self.dropped}


def row(label: str, summary: dict, extra: str = "") -> str:
    """One markdown row: quiet phase and during-abuse card-to-screen figures."""
    q, d = summary["quiet"], summary["during"]
    return (f"| {label} | {q['p95_ms']} / {q['max_ms']} | {d['cards']} | {d['p50_ms']} | **{d['p95_ms']}** | "
            f"**{d['max_ms']}** | {d['lost']} | {summary['ack_errors']} | {extra} |")


HEADER = ("| case | quiet p95 / max ms | cards during | p50 ms | p95 ms | max ms | lost | ack errors | notes |\n"
          "|---|---|---|---|---|---|---|---|---|")
