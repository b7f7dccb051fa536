"""Several server processes on one Redis: delivery in seq order, resyncs and presence, as the browser sees them.

    .venv/bin/python bench/cluster.py                       # 3 processes, 150 screens, 10 cards/s for 10 s
    .venv/bin/python bench/cluster.py --screens 300 --rate 20 --database postgresql://...
    .venv/bin/python bench/cluster.py --private-postgres --compare-one    # a PostgreSQL of its own (initdb)

Screens are tests/cluster_harness.Screen: they apply events as static/js/board/store.js does (an early event held
until its hole fills, a hole that stays a second asks `resync` with `since`). Printed: card-to-screen delivery
p50/p95/p99 (from the poster's send to the screen's apply), events received out of seq order and applied out of
order, resyncs, screens showing the true presence after the joins and after one process is SIGKILLed (and how
long that took), the servers' CPU per 1,000 deliveries, the Redis commands each process sends per second while
the board is quiet (heartbeats and presence), and the machine's load average. With --compare-one the same load
(screens, posters, rate) runs again on ONE process, and the ratio of the two p95 is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import common  # noqa: E402

from tests.cluster_harness import join_all, kill, redis_server, start_servers, wait_for  # noqa: E402
from tests.serverproc import drop_database, new_database, prepare_database  # noqa: E402


def _cpu_seconds(server) -> float:
    """CPU of the server's process group (gunicorn master and its worker), from /proc."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == server.proc.pid:  # process group
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 1)


async def _redis_rate(redis_url: str, servers: int, seconds: float) -> dict:
    """Commands Redis processed per second and per process while nothing is posted, and which."""
    client = redis.Redis.from_url(redis_url)
    try:
        before, calls0 = client.info("stats")["total_commands_processed"], client.info("commandstats")
        await asyncio.sleep(seconds)
        after, calls1 = client.info("stats")["total_commands_processed"], client.info("commandstats")
    finally:
        client.close()
    per = {k.removeprefix("cmdstat_"): round((v["calls"] - calls0.get(k, {}).get("calls", 0)) / seconds / servers, 1)
           for k, v in calls1.items()}
    # the two INFO calls of this measure are not the processes'
    return {"per_process_per_s": round((after - before - 2) / seconds / servers, 1),
            "by_command": {k: v for k, v in sorted(per.items()) if v and k != "info"}}


async def _run(args, servers, code: str, redis_url: str) -> dict:
    screens = await join_all(servers, code, args.screens)
    started = time.monotonic()
    right = await wait_for(lambda: all(s.presence["count"] == args.screens for s in screens), 10)
    presence_join = {"right": sum(s.presence["count"] == args.screens for s in screens),
                     "seconds": round(time.monotonic() - started, 2) if right else None,
                     "counts": sorted({s.presence["count"] for s in screens})}
    quiet = await _redis_rate(redis_url, len(servers), args.quiet) if args.quiet else None
    posters = screens[:args.posters]
    cpu0 = sum(_cpu_seconds(s) for s in servers)
    sent: dict[str, float] = {}

    async def post(poster, n: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        text = f"bench {n}"
        sent[text] = time.time()
        await poster.add_card(text)

    t0, cards = time.time() + 0.2, int(args.rate * args.duration)
    await asyncio.gather(*(post(posters[n % len(posters)], n, t0 + n / args.rate) for n in range(cards)))
    texts = set(sent)
    await wait_for(lambda: all(texts <= set(s.cards.values()) for s in screens), 30)
    cpu = sum(_cpu_seconds(s) for s in servers) - cpu0
    latencies = []
    for s in screens:
        by_text = {text: s.arrived[cid] for cid, text in s.cards.items() if cid in s.arrived}
        latencies += [by_text[t] - sent[t] for t in texts if t in by_text]
    deliveries = len(latencies)
    result = {
        "servers": len(servers), "screens": args.screens, "cards": cards, "rate": args.rate,
        "delivered": deliveries, "missing": cards * args.screens - deliveries,
        "duplicated": sum(n - 1 for s in screens for n in s.added.values()),
        "p50_ms": _pct(latencies, 50), "p95_ms": _pct(latencies, 95), "p99_ms": _pct(latencies, 99),
        "reorders_received": sum(s.received_reorders for s in screens),
        "reorders_applied": sum(any(a["seq"] >= b["seq"] for a, b in zip(s.applied, s.applied[1:], strict=False))
                                for s in screens),
        "resyncs": sum(s.resyncs for s in screens),
        "cpu_ms_per_1000_deliveries": round(cpu * 1000 / max(1, deliveries) * 1000, 1),
        "presence_after_joins": presence_join,
        "redis_commands_quiet": quiet,
    }
    if args.kill and len(servers) > 1:
        kill(servers[-1])
        killed = time.monotonic()
        survivors = [s for i, s in enumerate(screens) if i % len(servers) != len(servers) - 1]
        right = await wait_for(lambda: all(s.presence["count"] == len(survivors) for s in survivors), 15)
        result["presence_after_kill"] = {
            "right": sum(s.presence["count"] == len(survivors) for s in survivors), "of": len(survivors),
            "seconds": round(time.monotonic() - killed, 2) if right else None}
    await asyncio.gather(*(s.close() for s in screens))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--screens", type=int, default=150)
    parser.add_argument("--posters", type=int, default=15)
    parser.add_argument("--rate", type=float, default=10, help="cards per second, all posters together")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--database", help="a PostgreSQL URL to create the run's database under (else SQLite)")
    parser.add_argument("--private-postgres", action="store_true", help="initdb a PostgreSQL for the run")
    parser.add_argument("--no-kill", dest="kill", action="store_false")
    parser.add_argument("--quiet", type=float, default=5, help="seconds of a quiet board to count Redis commands")
    parser.add_argument("--compare-one", action="store_true", help="the same load on one process afterwards")
    args = parser.parse_args()
    if args.private_postgres:
        from workshop.devserver import PostgresServer

        pg = PostgresServer(low=common.PORTS[0], high=common.PORTS[-1]).init()
        args.database = pg.url
    try:
        _main(args)
    finally:
        if args.private_postgres:
            pg.close()


def _main(args) -> None:
    if args.database:
        os.environ["TEST_DATABASE_URL"] = args.database
    result = _topology(args, args.servers)
    if args.compare_one:
        one = _topology(argparse.Namespace(**{**vars(args), "kill": False, "quiet": 0}), 1)
        result["one_process"] = {k: one[k] for k in ("p50_ms", "p95_ms", "p99_ms", "missing", "resyncs",
                                                     "cpu_ms_per_1000_deliveries", "loadavg")}
        if one["p95_ms"] and result["p95_ms"]:
            result["p95_vs_one_process"] = round(result["p95_ms"] / one["p95_ms"], 2)
    print(json.dumps(result, indent=1))
    print("RESULT " + json.dumps({"bench": "cluster", **result}))


def _topology(args, count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp), common.PORTS) as redis:
        url, pg_name = new_database(Path(tmp))
        try:
            code = prepare_database(url).code
            servers = start_servers(count, url, Path(tmp), redis.url, common.PORTS)
            try:
                result = asyncio.run(_run(args, servers, code, redis.url))
            finally:
                for server in servers:
                    server.stop()
        finally:
            drop_database(pg_name)
    result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":
    main()
