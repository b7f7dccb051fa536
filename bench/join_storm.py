"""Join storm: N participants open the board within S seconds (a room where everyone scans the QR code at once).

Lean clients (bench/lean.py): python-socketio's clients cost more CPU than the server's joins. Another board
(quiet.QuietBoard) posts meanwhile: its card-to-screen delay is printed too.

Prints joins ok, errors, and the p50/p95 of the join acknowledgement (from `join` sent to its ack) and of the
whole arrival (WebSocket connect + join), with the server's CPU and threads.

    .venv/bin/python bench/join_storm.py --mode gevent --participants 300 --within 3
    .venv/bin/python bench/join_storm.py --mode gevent --participants 300 --within 3 --profiles

`--profiles`: everyone joins with a "je viens de…" profile, so each arrival and departure also recomputes the
facilitator's balance (a `balance.changed` event when it moved).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import lean  # noqa: E402
import quiet  # noqa: E402

TIMEOUT = 30.0


KINDS = ("school", "social_centre", "parent", "association", "institution", "other")


async def storm(port: int, code: str, participants: int, within: float, profiles: bool = False,
                local: str | None = None) -> dict:
    """N lean clients arriving within S seconds, each opening a WebSocket and joining as the browser does."""
    clients, results = [], []
    start = time.monotonic()

    async def arrive(index: int) -> None:
        await asyncio.sleep(index * within / participants)
        began = time.monotonic()
        try:
            client = await lean.LeanClient.open(common.HOST, port, timeout=TIMEOUT, local=local)
            clients.append(client)
            connected = time.monotonic()
            profile = {"profile": {"kind": KINDS[index % len(KINDS)]}} if profiles else {}
            ack = await client.call("join", {"code": code, "name": f"Arrivée {index}", "paged": True,
                                             "frames": True, **profile}, timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001
            results.append((False, type(error).__name__, None, None))
            return
        ok = isinstance(ack, dict) and ack.get("ok") is True and "participant" in ack
        results.append((ok, None if ok else common.error_code(ack), connected - began, time.monotonic() - connected))

    await asyncio.wait_for(asyncio.gather(*(arrive(i) for i in range(participants))), within + 2 * TIMEOUT + 10)
    last_ok = time.monotonic() - start
    await asyncio.sleep(1.0)  # let the coalesced presence broadcast go out before leaving
    for client in clients:
        client.close()
    joins = [r[3] for r in results if r[0]]
    arrivals = [r[2] + r[3] for r in results if r[0]]
    return {
        "joins_ok": sum(1 for r in results if r[0]),
        "errors": sum(1 for r in results if not r[0]),
        "error_kinds": dict(Counter(r[1] for r in results if not r[0])),
        "join_p50_ms": common.ms(common.percentile(joins, 50)),
        "join_p95_ms": common.ms(common.percentile(joins, 95)),
        "join_max_ms": common.ms(max(joins, default=None)),
        "arrival_p50_ms": common.ms(common.percentile(arrivals, 50)),
        "arrival_p95_ms": common.ms(common.percentile(arrivals, 95)),
        "all_joined_s": round(last_ok, 2),
    }


async def _with_quiet_board(port: int, code: str, other: str, participants: int, within: float,
                            profiles: bool) -> dict:
    """The storm on one board while another board (quiet.QuietBoard) posts: that board's card-to-screen delay."""
    board = await quiet.QuietBoard(port, other).join()
    result = await board.measure(storm(port, code, participants, within, profiles))
    result["quiet_board"] = board.summary()
    return result


def run(mode: str, participants: int, within: float, port: int | None = None, profiles: bool = False) -> dict:
    with common.temp_dir("passerelles-storm-") as tmp:
        tmp_path = Path(tmp)
        seeded = common.prepare_database(tmp_path)
        other = _other_board(seeded)
        port = port or common.free_port()
        with common.Server(mode, port, seeded.database_url, tmp_path / "server.log") as server:
            load_before = common.loadavg()
            with common.Sampler(server.proc.pid) as sampler:
                begin, client_begin = sampler.mark(), _cpu()
                result = asyncio.run(_with_quiet_board(server.port, seeded.code, other, participants, within,
                                                       profiles))
                end, client_end = sampler.mark(), _cpu()
            threads = sampler.max_threads
    result.update(mode=mode, participants=participants, within=within, profiles=profiles, load_before=load_before,
                  load_after=common.loadavg(), server=common.Sampler.usage(begin, end, mode),
                  server_threads_max=threads,
                  client_cpu_pct=round(100 * (client_end - client_begin) / (end[0] - begin[0]), 1))
    return result


def _other_board(seeded: common.Seeded) -> str:
    """A second open workshop, the quiet board; its code."""
    from workshop import create_app
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": seeded.database_url, "SECRET_KEY": common.SECRET_KEY,
                      "REDIS_URL": None, "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        code = boards.create_workshop(db.session, db.session.scalar(db.select(User)), "Atelier voisin").code
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return code


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(r: dict) -> str:
    return (
        f"[{r['mode']}] join storm: {r['participants']} joins spread over {r['within']:g} s"
        f"{' with profiles' if r.get('profiles') else ''}\n"
        f"  joins ok {r['joins_ok']}, errors {r['errors']} {r['error_kinds'] or ''}; all done after "
        f"{r['all_joined_s']} s\n"
        f"  join ack p50 {r['join_p50_ms']} ms, p95 {r['join_p95_ms']} ms, max {r['join_max_ms']} ms; "
        f"connect+join p50 {r['arrival_p50_ms']} ms, p95 {r['arrival_p95_ms']} ms\n"
        f"  server CPU {r['server']['cpu_s']} s = {r['server']['cpu_pct']} % of one core (waited "
        f"{common.or_na(r['server']['runqueue_wait_s'])} s for a CPU); max threads "
        f"{r['server_threads_max']}; client process CPU {r['client_cpu_pct']} %\n"
        f"  loadavg before {r['load_before']} / after {r['load_after']}\n"
        f"another board meanwhile (card to screen):\n{quiet.HEADER}\n{quiet.row('join storm', r['quiet_board'])}"
    )


def main(argv: list[str] | None = None) -> int:
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--within", type=float, default=3.0, help="seconds over which the joins are spread")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--profiles", action="store_true", help="everyone joins with a profile (the balance)")
    args = parser.parse_args(argv)
    if not 1 <= args.participants <= 3000 or not 0 <= args.within <= 120:
        parser.error("participants 1-3000, within 0-120 s")
    if args.port is not None and args.port not in common.PORTS:
        parser.error(f"port must be in {common.PORTS.start}-{common.PORTS.stop - 1}")
    result = run(args.mode, args.participants, args.within, args.port, args.profiles)
    print(report(result), flush=True)
    common.print_json(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
