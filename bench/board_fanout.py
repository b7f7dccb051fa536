"""Card fan-out: N participants on one board, P of them posting R cards/s in total for D seconds.

For every card and every screen it records when the `event` arrived, and prints the card-to-screen latency
(p50/p95/max over all deliveries, and the time until the last screen had the card), cards lost, errors,
and the server's CPU and OS threads read from /proc.

    .venv/bin/python bench/board_fanout.py --mode gevent --participants 300
    .venv/bin/python bench/board_fanout.py --mode threading --participants 100 300 --duration 20

Clients are python-socketio AsyncClients (aiohttp, WebSocket transport) spread over a few processes so that
the client side does not become the bottleneck. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CONNECT_CONCURRENCY = 25
ACK_TIMEOUT = 10.0


# --- client worker (one process) ------------------------------------------------------------------


def worker(spec: dict, conn) -> None:
    try:
        asyncio.run(_worker(spec, conn))
    except Exception as error:  # noqa: BLE001  (report, never hang the orchestrator)
        conn.send(("failed", repr(error)))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _recv(conn, timeout: float):
    loop = asyncio.get_running_loop()
    ready = await loop.run_in_executor(None, conn.poll, timeout)
    if not ready:
        raise TimeoutError("orchestrator silent")
    return conn.recv()


async def _worker(spec: dict, conn) -> None:
    run_id, url, code = spec["run_id"], spec["url"], spec["code"]
    latencies: dict[str, list[float]] = defaultdict(list)
    seen: list[set[str]] = []
    last_seq: list[int] = []
    counters = {"duplicates": 0, "out_of_order": 0, "disconnects": 0, "foreign": 0}
    last_receipt = [0.0]
    running = [False]

    def on_event_for(index: int):
        async def on_event(message):
            now = time.time()
            seq = message.get("seq", 0) if isinstance(message, dict) else 0
            if seq <= last_seq[index]:
                counters["out_of_order"] += 1
            last_seq[index] = max(seq, last_seq[index])
            card = (message.get("data") or {}).get("card") if isinstance(message, dict) else None
            parts = (card or {}).get("text", "").split()
            if len(parts) != 4 or parts[0] != run_id or message.get("type") != "card.added":
                counters["foreign"] += 1
                return
            key, sent_at = parts[1], float(parts[3])
            if key in seen[index]:
                counters["duplicates"] += 1
                return
            seen[index].add(key)
            latencies[key].append(now - sent_at)
            last_receipt[0] = now

        return on_event

    def on_disconnect(*_args):
        if running[0]:
            counters["disconnects"] += 1

    clients, join_errors = [], []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index: int, name: str):
        sio = common.new_client()
        seen.append(set())
        last_seq.append(0)
        slot = len(seen) - 1
        sio.on("event", on_event_for(slot), namespace=common.NAMESPACE)
        sio.on("disconnect", on_disconnect, namespace=common.NAMESPACE)
        async with gate:
            try:
                ack, _c, _j = await common.connect_and_join(sio, url, code, name)
            except Exception as error:  # noqa: BLE001
                join_errors.append(type(error).__name__)
                return None
        if not (isinstance(ack, dict) and ack.get("ok")):
            join_errors.append(common.error_code(ack))
            return None
        clients.append(sio)
        return sio

    joined_at = time.monotonic()
    members = await asyncio.gather(*(open_one(i, f"Part {i}") for i in spec["indexes"]))
    posters = [(slot, sio) for slot, sio in zip(spec["poster_slots"], members[: len(spec["poster_slots"])],
                                                strict=True) if sio is not None]
    conn.send(("ready", {"joined": len(clients), "join_errors": join_errors,
                         "join_seconds": time.monotonic() - joined_at}))

    message = await _recv(conn, 600)
    if message[0] != "go":
        await common.disconnect_all(clients)
        return
    t0, total_posters = message[1], spec["total_posters"]
    running[0] = True
    cpu_start = _cpu()
    interval = total_posters / spec["rate"]  # each poster posts every `interval` seconds
    sent: list[tuple] = []

    async def post(slot: int, sio, n: int, at: float):
        await asyncio.sleep(max(0.0, at - time.time()))
        key = f"p{slot}n{n}"
        sent_at = time.time()
        text = f"{run_id} {key} @ {sent_at:.6f}"
        try:
            ack = await sio.call("card.add", {"client_id": f"{run_id}-{key}", "column": "obstacle", "text": text},
                                 namespace=common.NAMESPACE, timeout=ACK_TIMEOUT)
        except Exception as error:  # noqa: BLE001
            sent.append((key, sent_at, False, None, type(error).__name__))
            return
        ok = isinstance(ack, dict) and ack.get("ok") is True
        sent.append((key, sent_at, ok, time.time() - sent_at, None if ok else common.error_code(ack)))

    tasks = []
    for slot, sio in posters:
        n, at = 0, t0 + slot / spec["rate"]
        while at < t0 + spec["duration"]:
            tasks.append(asyncio.create_task(post(slot, sio, n, at)))
            n, at = n + 1, at + interval
    end = t0 + spec["duration"]
    if tasks:
        await asyncio.wait(tasks, timeout=spec["duration"] + ACK_TIMEOUT + 5)
    # Drain: wait until nothing has arrived for `quiet` seconds (bounded by drain_max).
    while time.time() < end + spec["drain_max"]:
        if time.time() > end + 1 and time.time() - max(last_receipt[0], end) > spec["quiet"]:
            break
        await asyncio.sleep(0.2)
    running[0] = False
    cpu_used = _cpu() - cpu_start
    conn.send(("done", {"sent": sent, "latencies": dict(latencies), "counters": counters,
                        "receivers": len(clients), "cpu_s": cpu_used, "wall": time.time() - t0}))
    await common.disconnect_all(clients)


# --- orchestrator ---------------------------------------------------------------------------------


def client_processes(participants: int, requested: int | None) -> int:
    if requested:
        return requested
    return 1 if participants <= 150 else 2 if participants <= 600 else 3


def run(mode: str, participants: int, *, posters: int = 20, rate: float = 10.0, duration: float = 20.0,
        procs: int | None = None, drain_max: float = 20.0, quiet: float = 2.0, port: int | None = None,
        dump: Path | None = None) -> dict:
    posters = min(posters, participants)
    procs = min(client_processes(participants, procs), participants)
    run_id = "b" + uuid.uuid4().hex[:8]
    with common.temp_dir("passerelles-bench-") as tmp:
        tmp_path = Path(tmp)
        seeded = common.prepare_database(tmp_path)
        server = common.Server(mode, port or common.free_port(), seeded.database_url, tmp_path / "server.log")
        ctx = mp.get_context("spawn")
        workers, pipes = [], []
        try:
            server.start()
            with common.Sampler(server.proc.pid) as sampler:
                join_start = sampler.mark()
                for w in range(procs):
                    indexes = list(range(w, participants, procs))
                    poster_slots = [i for i in range(posters) if i % procs == w]
                    spec = {"run_id": run_id, "url": server.url, "code": seeded.code, "indexes": indexes,
                            "poster_slots": poster_slots, "total_posters": posters, "rate": rate,
                            "duration": duration, "drain_max": drain_max, "quiet": quiet}
                    parent, child = ctx.Pipe()
                    process = ctx.Process(target=worker, args=(spec, child), daemon=True)
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
                done = [_expect(p, "done", duration + drain_max + ACK_TIMEOUT + 60) for p in pipes]
                run_end = sampler.mark()
                load_after = common.loadavg()
                threads = sampler.max_threads
            for process in workers:
                process.join(30)
        finally:
            for process in workers:
                if process.is_alive():
                    process.kill()
            server.stop()
    result = _summarise(ready, done, participants)
    if dump:
        _dump(dump, done)
    result.update(mode=mode, participants=participants, posters=posters, rate=rate, duration=duration,
                  client_procs=procs, load_before=load_before, load_after=load_after,
                  join_phase_s=round(join_end[0] - join_start[0], 1),
                  server_join=common.Sampler.usage(join_start, join_end, mode),
                  server_run=common.Sampler.usage(run_start, run_end, mode), server_threads_max=threads)
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
    expected = len(ok_keys) * joined
    complete = [max(latencies[key]) for key in ok_keys if len(latencies.get(key, [])) == joined]
    counters = defaultdict(int)
    for d in done:
        for name, value in d["counters"].items():
            counters[name] += value
    send_errors = defaultdict(int)
    for s in sent:
        if not s[2]:
            send_errors[s[4]] += 1
    acks = [s[3] for s in sent if s[2]]
    wall = max(d["wall"] for d in done)
    return {
        "joined": joined, "join_errors": len(join_errors), "cards_sent": len(sent), "cards_ok": len(ok_keys),
        "send_errors": dict(send_errors),
        "expected_deliveries": expected, "received": len(deliveries), "lost": expected - len(deliveries),
        "duplicates": counters["duplicates"], "out_of_order": counters["out_of_order"],
        "disconnects": counters["disconnects"],
        "p50_ms": common.ms(common.percentile(deliveries, 50)), "p95_ms": common.ms(common.percentile(deliveries, 95)),
        "max_ms": common.ms(max(deliveries, default=None)),
        "all_screens_p50_ms": common.ms(common.percentile(complete, 50)),
        "all_screens_p95_ms": common.ms(common.percentile(complete, 95)),
        "ack_p50_ms": common.ms(common.percentile(acks, 50)), "ack_p95_ms": common.ms(common.percentile(acks, 95)),
        "client_cpu_pct": round(100 * sum(d["cpu_s"] for d in done) / wall, 1) if wall else None,
        "participants_requested": participants,
    }


def report(r: dict) -> str:
    errors = r["join_errors"] + sum(r["send_errors"].values()) + r["disconnects"]
    run, join = r["server_run"], r["server_join"]
    return "\n".join([
        f"[{r['mode']}] {r['participants']} participants ({r['joined']} joined in {r['join_phase_s']} s), "
        f"{r['posters']} posting {r['rate']:g} cards/s for {r['duration']:g} s, {r['client_procs']} client processes",
        f"  cards: {r['cards_ok']}/{r['cards_sent']} acked ok "
        f"(ack p50 {r['ack_p50_ms']} ms, p95 {r['ack_p95_ms']} ms)",
        f"  card-to-screen latency over {r['received']} deliveries: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
        f"max {r['max_ms']} ms",
        f"  card-to-every-screen (last screen): p50 {r['all_screens_p50_ms']} ms, p95 {r['all_screens_p95_ms']} ms",
        f"  lost {r['lost']} of {r['expected_deliveries']} expected deliveries; duplicates {r['duplicates']}; "
        f"out of order {r['out_of_order']}; errors {errors} (join {r['join_errors']}, send {r['send_errors']}, "
        f"disconnects {r['disconnects']})",
        f"  server: run CPU {run['cpu_s']} s = {run['cpu_pct']} % of one core "
        f"(waited {common.or_na(run['runqueue_wait_s'])} s for a CPU), join phase {join['cpu_pct']} %; "
        f"max threads {r['server_threads_max']}; clients CPU {r['client_cpu_pct']} %",
        f"  loadavg before {r['load_before']} / after {r['load_after']}",
    ])


def main(argv: list[str] | None = None) -> int:
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    parser.add_argument("--participants", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="cards per second, all posters together")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting")
    parser.add_argument("--client-procs", type=int, default=None)
    parser.add_argument("--dump", type=Path, default=None, help="write per-card latencies (JSON) to this file")
    parser.add_argument("--port", type=int, default=None, help=f"default: a free port in {common.PORTS.start}-"
                                                                f"{common.PORTS.stop - 1}")
    args = parser.parse_args(argv)
    if any(not 1 <= n <= 3000 for n in args.participants):
        parser.error("participants: 1 to 3000")
    if not 1 <= args.posters <= 200 or not 0.1 <= args.rate <= 200 or not 1 <= args.duration <= 600:
        parser.error("posters 1-200, rate 0.1-200, duration 1-600")
    if args.port is not None and args.port not in common.PORTS:
        parser.error(f"port must be in {common.PORTS.start}-{common.PORTS.stop - 1}")
    if args.client_procs is not None and not 1 <= args.client_procs <= 8:
        parser.error("client-procs: 1 to 8")
    for n in args.participants:
        result = run(args.mode, n, posters=args.posters, rate=args.rate, duration=args.duration,
                     procs=args.client_procs, port=args.port, dump=args.dump)
        print(report(result), flush=True)
        common.print_json(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
