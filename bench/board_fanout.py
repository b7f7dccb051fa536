"""Card fan-out: N participants on one board, P of them posting R cards/s in total for D seconds.

For every card and every screen it records when the board event arrived, and prints the card-to-screen latency
(p50/p95/max over all deliveries, and the time until the last screen had the card), cards lost, errors,
and the server's CPU (per card and per 1,000 deliveries) and OS threads read from /proc.

    .venv/bin/python bench/board_fanout.py --participants 300
    .venv/bin/python bench/board_fanout.py --participants 300 --sweep 10 50 100 200 --duration 10 --target ours relay

Clients are lean Socket.IO clients (lean.py: raw WebSocket, events decoded after the run) spread over a few
processes, pinned away from the server's core (`--pin`), so that the server is what is measured; `--client
socketio` uses python-socketio's AsyncClient instead. `--target relay` serves bench/relay_server.py, the bare
Flask-SocketIO relay, instead of Passerelles. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import fanout_clients  # noqa: E402
import retro  # noqa: E402
import scrumblr  # noqa: E402

ACK_TIMEOUT = fanout_clients.ACK_TIMEOUT
# The card limiter is per participant (20/10 s) and per address (400/10 s), and every bench client is on
# 127.0.0.1: lifted, so the bench measures delivery, not the limiter.
LIFTED_LIMITS = {"CARD_RATE": "100000/10 seconds", "CARD_RATE_PER_ADDRESS": "100000/10 seconds",
                 "MAX_SOCKETS_PER_ADDRESS": "5000"}
TARGETS = ("ours", "relay", "scrumblr", "retro")
PEERS = {"scrumblr": scrumblr, "retro": retro}  # other products, installed outside this repository
CPUS = common.CPUS


def client_processes(participants: int, requested: int | None) -> int:
    if requested:
        return requested
    return 1 if participants <= 150 else 2 if participants <= 600 else 3


def start_server(target: str, mode: str, tmp_path: Path, port: int, cpus: set[int] | None,
                 tree: Path = common.ROOT):
    """(server, board code): Passerelles on a fresh database, or the bare relay (any code is a board)."""
    log = tmp_path / "server.log"
    if target == "scrumblr":  # any room is a board; Redis and node share the server's CPU
        return scrumblr.server(tmp_path, cpus).start(), "/bench"
    if target == "retro":  # a session made by an anonymous facilitator
        return retro.start(tmp_path, cpus)
    if target == "relay":
        server = common.Server("gevent", port, "sqlite://", log, command=common.relay_command(port),
                               env=common.relay_env(), cpus=cpus)
        return server.start(), "RELAY1"
    seeded = common.prepare_database(tmp_path)
    server = common.Server(mode, port, seeded.database_url, log, cwd=tree, env=LIFTED_LIMITS, cpus=cpus)
    return server.start(), seeded.code


def run(mode: str, participants: int, *, posters: int = 20, rate: float = 10.0, duration: float = 20.0,
        procs: int | None = None, drain_max: float = 20.0, quiet: float = 2.0, port: int | None = None,
        dump: Path | None = None, target: str = "ours", client: str = "lean", frames: bool = True,
        pin: bool = True, tree: Path = common.ROOT) -> dict:
    posters = min(posters, participants)
    procs = min(client_processes(participants, procs), participants)
    run_id = "b" + uuid.uuid4().hex[:8]
    server_cpus, client_cpus = common.cpu_split(pin)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)  # the orchestrator and its samplers too
    with common.temp_dir("passerelles-bench-") as tmp:
        ctx = mp.get_context("spawn")
        workers, pipes, server = [], [], None
        try:
            server, code = start_server(target, mode, Path(tmp), port or common.free_port(),
                                        server_cpus, tree)
            with common.Sampler(server.proc.pid) as sampler:
                join_start = sampler.mark()
                for w in range(procs):
                    spec = {"run_id": run_id, "host": common.HOST, "port": server.port, "code": code,
                            "indexes": list(range(w, participants, procs)),
                            "poster_slots": [i for i in range(posters) if i % procs == w], "total_posters": posters,
                            "rate": rate, "duration": duration, "drain_max": drain_max, "quiet": quiet,
                            "client": target if target in PEERS else client, "frames": frames,
                            "cpus": client_cpus}
                    parent, child = ctx.Pipe()
                    process = ctx.Process(target=fanout_clients.worker, args=(spec, child), daemon=True)
                    process.start()
                    workers.append(process)
                    pipes.append(parent)
                ready = [_expect(p, "ready", 300) for p in pipes]
                join_end = sampler.mark()
                load_before = common.loadavg()
                t0 = time.time() + 1.0
                for p in pipes:
                    p.send(("go", t0))
                run_start = sampler.mark()
                for p in pipes:
                    _expect(p, "drained", duration + drain_max + ACK_TIMEOUT + 120)
                run_end = sampler.mark()
                done = [_expect(p, "done", 300) for p in pipes]
                load_after = common.loadavg()
                threads = sampler.max_threads
            for process in workers:
                process.join(30)
        finally:
            for process in workers:
                if process.is_alive():
                    process.kill()
            if server is not None:
                server.stop()
    result = _summarise(ready, done, participants)
    if dump:
        _dump(dump, done)
    server_run = common.Sampler.usage(run_start, run_end, mode)
    result.update(mode=mode, target=target, client=client, frames=frames, pinned=bool(server_cpus),
                  participants=participants, posters=posters, rate=rate, duration=duration, client_procs=procs,
                  load_before=load_before, load_after=load_after, join_phase_s=round(join_end[0] - join_start[0], 1),
                  server_join=common.Sampler.usage(join_start, join_end, mode), server_run=server_run,
                  server_threads_max=threads,
                  cpu_ms_per_card=round(1000 * server_run["cpu_s"] / result["cards_ok"], 2)
                  if result["cards_ok"] else None,
                  cpu_ms_per_1000_deliveries=round(1e6 * server_run["cpu_s"] / result["received"], 1)
                  if result["received"] else None)
    return result


def _dump(path: Path, done: list[dict]) -> None:
    """Per card: send time, ack latency, error, and the latency of every delivery (JSON), for analysis."""
    latencies: dict[str, list[float]] = defaultdict(list)
    for d in done:
        for key, values in d["latencies"].items():
            latencies[key].extend(values)
    cards = sorted((s for d in done for s in d["sent"]), key=lambda s: s[1])
    rows = [{"key": s[0], "sent_at": s[1], "ok": s[2], "ack_s": s[3], "error": s[4],
             "deliveries_s": sorted(latencies.get(s[0], []))} for s in cards]
    path.write_text(json.dumps(rows))


def _expect(pipe, kind: str, timeout: float):
    if not pipe.poll(timeout):
        raise RuntimeError(f"a client process sent no {kind!r} within {timeout}s")
    message = pipe.recv()
    if message[0] != kind:
        raise RuntimeError(f"client process: {message}")
    return message[1]


def _summarise(ready: list[dict], done: list[dict], participants: int) -> dict:
    joined = sum(r["joined"] for r in ready)
    join_errors = [e for r in ready for e in r["join_errors"]]
    sent = [s for d in done for s in d["sent"]]
    ok_keys = {s[0] for s in sent if s[2]}
    latencies: dict[str, list[float]] = defaultdict(list)
    for d in done:
        for key, values in d["latencies"].items():
            latencies[key].extend(values)
    deliveries = [v for key in ok_keys for v in latencies.get(key, [])]
    screens = joined if all(r["self_delivery"] for r in ready) else joined - 1  # Scrumblr: not to the poster
    expected = len(ok_keys) * screens
    complete = [max(latencies[key]) for key in ok_keys if len(latencies.get(key, [])) == screens]
    counters = defaultdict(int)
    for d in done:
        for name, value in d["counters"].items():
            counters[name] += value
    send_errors = defaultdict(int)
    for s in sent:
        if not s[2]:
            send_errors[s[4]] += 1
    acks = [s[3] for s in sent if s[2] and s[3] is not None]  # Scrumblr has no ack
    wall = max(d["wall"] for d in done)
    return {
        "joined": joined, "join_errors": len(join_errors), "cards_sent": len(sent), "cards_ok": len(ok_keys),
        "send_errors": dict(send_errors),
        "expected_deliveries": expected, "received": len(deliveries), "lost": expected - len(deliveries),
        "duplicates": counters["duplicates"], "out_of_order": counters["out_of_order"],
        "disconnects": sum(d["disconnects"] for d in done),
        "events_per_frame": round(counters["events"] / counters["frames"], 2) if counters["frames"] else None,
        "p50_ms": common.ms(common.percentile(deliveries, 50)), "p95_ms": common.ms(common.percentile(deliveries, 95)),
        "p99_ms": common.ms(common.percentile(deliveries, 99)),
        "max_ms": common.ms(max(deliveries, default=None)),
        "all_screens_p50_ms": common.ms(common.percentile(complete, 50)),
        "all_screens_p95_ms": common.ms(common.percentile(complete, 95)),
        "all_screens_p99_ms": common.ms(common.percentile(complete, 99)),
        "ack_p50_ms": common.ms(common.percentile(acks, 50)), "ack_p95_ms": common.ms(common.percentile(acks, 95)),
        "client_cpu_pct": round(100 * sum(d["cpu_s"] for d in done) / wall, 1) if wall else None,
        "participants_requested": participants,
    }


def _errors(r: dict) -> int:
    return r["join_errors"] + sum(r["send_errors"].values()) + r["disconnects"]


def report(r: dict) -> str:
    run, join = r["server_run"], r["server_join"]
    return "\n".join([
        f"[{r['target']} {r['mode']}, {r['client']} clients, frames {'on' if r['frames'] else 'off'}, "
        f"{'pinned' if r['pinned'] else 'not pinned'}] {r['participants']} participants ({r['joined']} joined in "
        f"{r['join_phase_s']} s), {r['posters']} posting {r['rate']:g} cards/s for {r['duration']:g} s, "
        f"{r['client_procs']} client processes",
        f"  cards: {r['cards_ok']}/{r['cards_sent']} "
        f"{'written (no ack after a commit)' if r['target'] in PEERS else 'acked ok'} "
        f"(ack p50 {r['ack_p50_ms']} ms, p95 {r['ack_p95_ms']} ms)",
        f"  card-to-screen latency over {r['received']} deliveries: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
        f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms; {r['events_per_frame']} events per message",
        f"  card-to-every-screen (last screen): p50 {r['all_screens_p50_ms']} ms, p95 {r['all_screens_p95_ms']} ms, "
        f"p99 {r['all_screens_p99_ms']} ms",
        f"  lost {r['lost']} of {r['expected_deliveries']} expected deliveries; duplicates {r['duplicates']}; "
        f"out of order {r['out_of_order']}; errors {_errors(r)} (join {r['join_errors']}, send {r['send_errors']}, "
        f"disconnects {r['disconnects']})",
        f"  server: run CPU {run['cpu_s']} s = {run['cpu_pct']} % of one core "
        f"(waited {common.or_na(run['runqueue_wait_s'])} s for a CPU), join phase {join['cpu_pct']} %; "
        f"{r['cpu_ms_per_card']} ms CPU per card, {r['cpu_ms_per_1000_deliveries']} ms per 1,000 deliveries; "
        f"max threads {r['server_threads_max']}; clients CPU {r['client_cpu_pct']} %",
        f"  loadavg before {r['load_before']} / after {r['load_after']}",
    ])


def holds(r: dict, p95_ms: float = 100.0) -> bool:
    return (r["p95_ms"] is not None and r["p95_ms"] <= p95_ms and r["lost"] == 0 and r["cards_ok"] == r["cards_sent"]
            and _errors(r) == 0)


def sweep_table(rows: list[dict]) -> str:
    head = ("| target | screens | cards/s | acked | ack p95 ms | p50 ms | p95 ms | p99 ms | max ms "
            "| last screen p95 / p99 ms | lost | errors | ev/msg | server CPU % | server waited s | ms CPU/card "
            "| ms CPU/1k deliveries | clients CPU % | load before/after |")
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['joined']} | {r['rate']:g} | {r['cards_ok']}/{r['cards_sent']} "
                     f"| {r['ack_p95_ms']} "
                     f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} "
                     f"| {r['all_screens_p95_ms']} / {r['all_screens_p99_ms']} | {r['lost']} "
                     f"| {_errors(r)} | {r['events_per_frame']} | {r['server_run']['cpu_pct']} "
                     f"| {common.or_na(r['server_run']['runqueue_wait_s'])} "
                     f"| {r['cpu_ms_per_card']} | {r['cpu_ms_per_1000_deliveries']} | {r['client_cpu_pct']} "
                     f"| {r['load_before']} / {r['load_after']} |")
    for (target, rate), fit in cost_split(rows).items():
        lines.append(f"{target} at {rate:g} cards/s: server CPU per card = {fit[0]:.2f} ms + {fit[1]:.1f} us per "
                     f"delivery (least squares over {fit[2]} runs of different room sizes)")
    sizes = dict.fromkeys(r["participants"] for r in rows)
    for target in dict.fromkeys(r["target"] for r in rows) if len({r["rate"] for r in rows}) > 1 else ():
        for n in sizes:
            held = [r["rate"] for r in rows if r["target"] == target and r["participants"] == n and holds(r)]
            lines.append(f"{target}{f' at {n} screens' if len(sizes) > 1 else ''}: highest rate holding p95 <= "
                         f"100 ms with 0 lost: {f'{max(held):g} cards/s' if held else 'none of the rates tried'}")
    return "\n".join(lines)


def cost_split(rows: list[dict]) -> dict[tuple[str, float], tuple[float, float, int]]:
    """Per target and rate run at 2+ room sizes: CPU per card = fixed ms + us per delivery x deliveries per
    card, fitted by least squares, so that the cost of a card and the cost of each screen it reaches are told
    apart (at one rate: how many cards share a frame depends on the rate)."""
    out = {}
    for key in dict.fromkeys((r["target"], r["rate"]) for r in rows):
        points = [(r["received"] / r["cards_ok"], r["cpu_ms_per_card"]) for r in rows
                  if (r["target"], r["rate"]) == key and r["cards_ok"] and r["cpu_ms_per_card"] is not None]
        if len({round(x) for x, _y in points}) < 2:
            continue
        n, mx, my = len(points), sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
        slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
        out[key] = (my - slope * mx, 1000 * slope, n)
    return out


def main(argv: list[str] | None = None) -> int:
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    parser.add_argument("--participants", type=int, nargs="+", default=None,
                        help="one run each (default 100 300 1000; with --sweep: 300)")
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="cards per second, all posters together")
    parser.add_argument("--sweep", type=float, nargs="+", default=None, metavar="RATE",
                        help="one run per rate (cards/s) at each --participants (default 300), then a table and, "
                             "with 2+ room sizes, the fit of CPU per card per rate")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting")
    parser.add_argument("--target", choices=TARGETS, nargs="+", default=["ours"],
                        help="ours: Passerelles; relay: bench/relay_server.py; scrumblr: Scrumblr as-is with its "
                             "Redis (bench/scrumblr.py, installed by bench/ext/scrumblr.sh); retro: Retrospected on "
                             "PostgreSQL (bench/retro.py, bench/ext/retro.sh); several: side by side")
    parser.add_argument("--client", choices=tuple(fanout_clients.CLIENTS), default="lean")
    parser.add_argument("--frames", action=argparse.BooleanOptionalAction, default=True,
                        help="join with frames: true (the server may send a screen its events as `events` lists)")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=len(CPUS) >= 2,
                        help="server on the first CPU, clients on the others (default when there are 2+)")
    parser.add_argument("--tree", type=Path, default=common.ROOT,
                        help="serve the wsgi.py of this checkout (the code before or after a change)")
    parser.add_argument("--client-procs", type=int, default=None)
    parser.add_argument("--dump", type=Path, default=None, help="write per-card latencies (JSON) to this file")
    parser.add_argument("--port", type=int, default=None, help=f"default: a free port in {common.PORTS.start}-"
                                                                f"{common.PORTS.stop - 1}")
    args = parser.parse_args(argv)
    args.participants = args.participants or ([300] if args.sweep else [100, 300, 1000])
    rates = args.sweep or [args.rate]
    if any(not 1 <= n <= 3000 for n in args.participants):
        parser.error("participants: 1 to 3000")
    if not 1 <= args.posters <= 200 or any(not 0.1 <= r <= 1000 for r in rates) or not 1 <= args.duration <= 600:
        parser.error("posters 1-200, rate 0.1-1000, duration 1-600")
    if args.port is not None and args.port not in common.PORTS:
        parser.error(f"port must be in {common.PORTS.start}-{common.PORTS.stop - 1}")
    if args.client_procs is not None and not 1 <= args.client_procs <= 8:
        parser.error("client-procs: 1 to 8")
    for peer in [t for t in args.target if t in PEERS]:
        if reason := PEERS[peer].missing():
            print(f"{peer} target skipped: {reason}. See bench/README.md.", flush=True)
            args.target.remove(peer)
    if not args.target:
        return 0
    print(f"Passerelles runs with {', '.join(f'{k}={v}' for k, v in LIFTED_LIMITS.items())} (limits lifted: the "
          f"bench measures delivery, not the limiter); pinned: {args.pin}", flush=True)
    rows = []
    for n in args.participants:
        for rate in rates:
            for target in args.target:
                result = run(args.mode, n, posters=args.posters, rate=rate, duration=args.duration,
                             procs=args.client_procs, port=args.port, dump=args.dump, target=target,
                             client=args.client, frames=args.frames, pin=args.pin, tree=args.tree)
                print(report(result), flush=True)
                common.print_json(result)
                rows.append(result)
    if args.sweep or len(args.target) > 1:
        print(f"\n{args.posters} posters, {args.duration:g} s per run, "
              f"{args.client} clients, frames {'on' if args.frames else 'off'}")
        print(sweep_table(rows), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
