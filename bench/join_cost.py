"""Server CPU per join: N participants join a board already holding C cards, as the browser does (`paged`),
for Passerelles and for the bare relay (bench/relay_server.py). Issue 12 wants a join <= 3 ms of CPU.

    .venv/bin/python bench/join_cost.py --joins 300 --cards 50 --target ours relay

Three phases, the server's CPU read from /proc of its process group between them: the N sockets open (WebSocket
+ namespace connect: Engine.IO's cost, not the join's); the N joins, C at a time (`--concurrency`), each ack
awaited; then a settle second for what the joins set off after their acks (the presence broadcasts to the room).
Per join = (join phase + settle) / N. Lean clients (lean.py), pinned away from the server's core by default.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import board_fanout  # noqa: E402
import common  # noqa: E402
import lean  # noqa: E402

SETTLE = 1.0


async def _phases(port: int, code: str, joins: int, cards: int, concurrency: int, sampler) -> dict:
    host, ns = common.HOST, common.NAMESPACE
    seeder = await lean.LeanClient.open(host, port, ns)
    ack = await seeder.call("join", {"code": code, "name": "Semeur", "paged": True}, timeout=30)
    if not ack.get("ok"):
        raise RuntimeError(f"seeding join refused: {ack}")
    for n in range(cards):
        ack = await seeder.call("card.add", {"client_id": f"seed-{n}", "column": "obstacle", "text": f"Carte {n}"},
                                timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(f"seeding card refused: {ack}")
    await asyncio.sleep(0.5)
    gate = asyncio.Semaphore(concurrency)

    async def connect(_i: int):
        async with gate:
            return await lean.LeanClient.open(host, port, ns)

    start = sampler.mark()
    clients = await asyncio.gather(*(connect(i) for i in range(joins)))
    opened = sampler.mark()
    acks, errors = [], []

    async def join(i: int, client):
        async with gate:
            began = time.monotonic()
            answer = await client.call("join", {"code": code, "name": f"Arrivée {i}", "paged": True}, timeout=60)
            acks.append(time.monotonic() - began)
            if not (isinstance(answer, dict) and answer.get("ok")):
                errors.append(common.error_code(answer))
            elif len((answer.get("state") or {}).get("cards", [])) != cards:
                errors.append("state without the board's cards")

    await asyncio.gather(*(join(i, c) for i, c in enumerate(clients)))
    joined = sampler.mark()
    await asyncio.sleep(SETTLE)
    settled = sampler.mark()
    for client in [seeder, *clients]:
        client.close()
    return {"open": common.Sampler.usage(start, opened), "join": common.Sampler.usage(opened, joined),
            "settle": common.Sampler.usage(joined, settled), "errors": errors,
            "ack_p50_ms": common.ms(common.percentile(acks, 50)), "ack_p95_ms": common.ms(common.percentile(acks, 95))}


def run(target: str, joins: int, cards: int, concurrency: int, pin: bool) -> dict:
    server_cpus = common.pin_clients(pin)
    with tempfile.TemporaryDirectory(prefix="passerelles-joincost-") as tmp:
        port = common.free_port()
        server, code = board_fanout.start_server(target, "gevent", Path(tmp), port, server_cpus)
        try:
            load_before = common.loadavg()
            with common.Sampler(server.proc.pid) as sampler:
                result = asyncio.run(_phases(server.port, code, joins, cards, concurrency, sampler))
        finally:
            server.stop()
    cpu = result["join"]["cpu_s"] + result["settle"]["cpu_s"]
    result.update(target=target, joins=joins, cards=cards, concurrency=concurrency, pinned=bool(server_cpus),
                  load_before=load_before, load_after=common.loadavg(),
                  ms_per_join=round(1000 * cpu / joins, 2),
                  ms_per_connect=round(1000 * result["open"]["cpu_s"] / joins, 2),
                  ms_per_arrival=round(1000 * (cpu + result["open"]["cpu_s"]) / joins, 2))
    return result


def report(r: dict) -> str:
    return (f"[{r['target']}] {r['joins']} joins, {r['concurrency']} at a time, on a board of {r['cards']} cards "
            f"({'server pinned' if r['pinned'] else 'not pinned'}): {len(r['errors'])} errors {r['errors'][:3]}\n"
            f"  server CPU per join {r['ms_per_join']} ms (join phase {r['join']['cpu_s']} s + settle "
            f"{r['settle']['cpu_s']} s); per socket opened {r['ms_per_connect']} ms; "
            f"arrival (socket + join) {r['ms_per_arrival']} ms; "
            f"join ack p50 {r['ack_p50_ms']} ms, p95 {r['ack_p95_ms']} ms\n"
            f"  loadavg before {r['load_before']} / after {r['load_after']}")


def main(argv: list[str] | None = None) -> int:
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--joins", type=int, default=300)
    parser.add_argument("--cards", type=int, default=50, help="cards on the board before the joins")
    parser.add_argument("--concurrency", type=int, default=10, help="joins in flight at once")
    parser.add_argument("--target", choices=board_fanout.TARGETS, nargs="+", default=["ours", "relay"])
    common.add_pin_option(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.joins <= 3000 or not 0 <= args.cards <= 5000 or not 1 <= args.concurrency <= 500:
        parser.error("joins 1-3000, cards 0-5000, concurrency 1-500")
    rows = []
    for target in args.target:
        result = run(target, args.joins, args.cards, args.concurrency, args.pin)
        print(report(result), flush=True)
        common.print_json(result)
        rows.append(result)
    if len(rows) > 1:
        base = rows[-1]["ms_per_join"]
        print(" | ".join(f"{r['target']}: {r['ms_per_join']} ms CPU per join, {r['ms_per_arrival']} ms per arrival"
                         for r in rows) + (f" (join ratio {rows[0]['ms_per_join'] / base:.1f}x, arrival ratio "
                                           f"{rows[0]['ms_per_arrival'] / rows[-1]['ms_per_arrival']:.1f}x)"
                                           if base and rows[-1]['ms_per_arrival'] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
