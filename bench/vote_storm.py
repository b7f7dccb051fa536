"""Vote storm: N participants each fire B (+ extra) dots (budget B) within D seconds on one board.

Prints: dots accepted vs stored (lost votes), budget violations, ack p50/p95/max, errors, and how many of the
`vote.cast` events every screen received (deliveries lost), with the server's CPU.

    .venv/bin/python bench/vote_storm.py --participants 300 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import fac_common  # noqa: E402


def worker(spec: dict, conn) -> None:
    try:
        asyncio.run(_worker(spec, conn))
    except Exception as error:  # noqa: BLE001
        conn.send(("failed", repr(error)))


async def _worker(spec: dict, conn) -> None:
    received = [0] * len(spec["names"])

    def on_event(index, message):
        if isinstance(message, dict) and message.get("type") == "vote.cast":
            received[index] += 1

    clients, join_errors, _texts = await fac_common.connect_many(spec["url"], spec["code"], spec["names"], on_event)
    conn.send(("ready", join_errors))
    start_at = conn.recv()
    acks: list[tuple[bool, float, str]] = []

    async def vote(sio, delay: float, card_id: int):
        await asyncio.sleep(max(0.0, start_at + delay - time.time()))
        sent = time.monotonic()
        try:
            ack = await sio.call("vote.cast", {"kind": "card", "id": card_id}, namespace=common.NAMESPACE,
                                 timeout=30)
            acks.append((bool(ack.get("ok")), time.monotonic() - sent,
                         "" if ack.get("ok") else ack["error"].get("field") or ack["error"]["code"]))
        except Exception as error:  # noqa: BLE001
            acks.append((False, time.monotonic() - sent, type(error).__name__))

    rng = random.Random(spec["seed"])
    tasks = []
    for sio in clients:
        cards = rng.sample(spec["card_ids"], spec["budget"] + spec["extra"])
        tasks += [vote(sio, rng.uniform(0, spec["duration"]), c) for c in cards]
    await asyncio.gather(*tasks)
    await asyncio.sleep(spec["settle"])
    await common.disconnect_all(clients)
    conn.send(("done", acks, received))


def run(participants: int, duration: float, budget: int, procs: int, mode: str,
        log_to: Path | None = None, extra: int = 0) -> dict:
    from sqlalchemy import create_engine, func, select

    from workshop.facilitation.models import Vote

    with common.temp_dir("passerelles-votes-") as tmp:
        prepared = fac_common.prepare(Path(tmp), "freins-leviers", phase="vote", cards=12)
        port = common.free_port()
        server = common.Server(mode, port, prepared.database_url, Path(tmp) / "server.log")
        server.start()
        try:
            names = [f"Votant {i}" for i in range(participants)]
            specs = [{"url": server.url, "code": prepared.code, "names": names[i::procs], "seed": i,
                      "card_ids": prepared.card_ids, "budget": budget, "duration": duration, "settle": 5.0,
                      "extra": extra}
                     for i in range(procs)]
            pipes = fac_common.spawn(worker, specs)
            ready = fac_common.gather(pipes, 180)
            failed = [r for r in ready if r[0] == "failed"]
            if failed:
                raise RuntimeError(failed)
            cpu_before = common.group_stats(server.proc.pid)[0]
            start_at = time.time() + 1.0
            for pipe in pipes:
                pipe.send(start_at)
            done = fac_common.gather(pipes, duration + 120)
            cpu = common.group_stats(server.proc.pid)[0] - cpu_before
        finally:
            server.stop()
            if log_to:
                shutil.copy(Path(tmp) / "server.log", log_to)
        if any(d[0] == "failed" for d in done):
            raise RuntimeError(done)
        acks = [a for d in done for a in d[1]]
        received = [n for d in done for n in d[2]]
        engine = create_engine(prepared.database_url)
        with engine.connect() as db:
            stored = db.scalar(select(func.count()).select_from(Vote))
            per_person = db.execute(select(Vote.participant_id, func.count()).group_by(Vote.participant_id)).all()
        engine.dispose()
    accepted = sum(1 for ok, _s, _e in acks if ok)
    latencies = [s for _ok, s, _e in acks]
    errors: dict[str, int] = {}
    for ok, _s, error in acks:
        if not ok:
            errors[error] = errors.get(error, 0) + 1
    return {
        "bench": "vote_storm", "mode": mode, "participants": participants, "duration_s": duration,
        "budget": budget, "attempts": len(acks), "accepted": accepted, "stored": stored,
        "lost_votes": accepted - stored,
        "budget_violations": sum(1 for _p, n in per_person if n > budget),
        "refusals": errors, "join_errors": sum(r[1] for r in ready),
        "ack_p50_ms": common.ms(common.percentile(latencies, 50)),
        "ack_p95_ms": common.ms(common.percentile(latencies, 95)), "ack_max_ms": common.ms(max(latencies)),
        "screens_missing_vote_events": sum(1 for n in received if n < stored),
        "server_cpu_s": round(cpu, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--budget", type=int, default=3)
    parser.add_argument("--client-procs", type=int, default=3)
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    parser.add_argument("--extra", type=int, default=0, help="dots each person tries beyond the budget")
    parser.add_argument("--server-log", type=Path, default=None, help="copy the server's log here")
    args = parser.parse_args(argv)
    if args.budget != 3:
        parser.error("the prepared freins-leviers workshop has the default budget of 3")
    result = run(args.participants, args.duration, args.budget, args.client_procs, args.mode, args.server_log,
                 args.extra)
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    common.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
