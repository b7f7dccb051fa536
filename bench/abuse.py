"""Abuse: what one hostile participant costs everyone else, and what a late joiner downloads on a big board.

Every client is a lean one (bench/lean.py): python-socketio's clients used to take the CPU and their own queues
were printed as the server's delay. The attacker runs in its own process, from another address (127.0.0.2),
and the server keeps its default limits: they are part of what is measured.

1. Late joiner at N cards (default 6,000): bytes and ms of the join answer without pages (the contract's whole
   state), and with `paged: true` (the first page), then the ms until every page is in.
2. For each case, board B (quiet.QuietBoard: 3 posters, a card every 0.6 s each, one screen) is measured for
   `--quiet` seconds, then while the attacker runs for `--duration` seconds; printed: B's card-to-screen
   p50/p95/max (another person's delay) and what the attacker got.
   - `resync`: one participant sends `resync {since: 0}` and `card.similar` on board A (6,000 cards) from
     `--sockets` sockets, each as fast as its answers come;
   - `cards`: `--spam-sockets` sockets on board A, each joined under its own name (a new card budget each),
     each keeping 4 `card.add` in flight;
   - `joins`: a join storm, `--joins` arrivals on board C within 3 s (as a class scanning the QR code).

    .venv/bin/python bench/abuse.py --cards 6000 --duration 10
    .venv/bin/python bench/abuse.py --cases cards --spam-sockets 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import quiet  # noqa: E402

TIMEOUT = 60.0
PORTS = range(5380, 5390)
ATTACKER = "127.0.0.2"
CASES = ("resync", "cards", "joins")


def seed(tmp: Path, cards: int) -> tuple[str, dict[str, str]]:
    """The bench database: board A with `cards` cards, empty boards B (the quiet one) and C (the join storm)."""
    seeded = common.prepare_database(tmp)
    from workshop import create_app
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.boards.models import Card, Participant, Workshop
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": seeded.database_url, "SECRET_KEY": common.SECRET_KEY,
                      "REDIS_URL": None, "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        writer = Participant(workshop_id=seeded.workshop_id, name="Auteur", token_hash="x" * 64, role="participant")
        db.session.add(writer)
        db.session.flush()
        columns = ("obstacle", "lever", "method")
        db.session.add_all(Card(workshop_id=seeded.workshop_id, participant_id=writer.id, client_id=f"seed-{i}",
                                column_key=columns[i % 3], text=f"Post-it numéro {i} : les parents ne viennent "
                                f"pas aux réunions du soir, il faudrait un autre horaire ({i % 97})")
                           for i in range(cards))
        # Far ahead of a client resyncing from 0: `resync` answers the whole state, the costly case.
        db.session.get(Workshop, seeded.workshop_id).last_seq = 1000
        user = db.session.scalar(db.select(User))
        codes = {"A": seeded.code}
        for key, title in (("B", "Atelier voisin"), ("C", "Atelier de la classe")):
            codes[key] = boards.create_workshop(db.session, user, title).code
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded.database_url, codes


async def late_joiner(port: int, code: str) -> dict:
    result = {}
    for paged in (False, True):
        client = await quiet.lean.LeanClient.open(common.HOST, port, timeout=TIMEOUT)
        started = time.monotonic()
        ack = await client.call("join", {"code": code, "name": "Tardif", "paged": paged}, timeout=TIMEOUT)
        first = time.monotonic() - started
        key = "paged" if paged else "whole"
        result[f"{key}_first_bytes"] = len(json.dumps(ack, ensure_ascii=False).encode())
        result[f"{key}_first_ms"] = common.ms(first)
        cards, after, pages = len(ack["state"]["cards"]), ack["state"].get("cards_next"), 1
        while after is not None:
            page = await client.call("state.cards", {"after": after}, timeout=TIMEOUT)
            if not page.get("ok"):
                await asyncio.sleep(0.5)  # rate_limited: the store waits and asks again
                continue
            cards, after, pages = cards + len(page["cards"]), page["next"], pages + 1
        result[f"{key}_all_ms"] = common.ms(time.monotonic() - started)
        result[f"{key}_cards"], result[f"{key}_pages"] = cards, pages
        client.close()
    return result


# --- the attacker (its own process) ---------------------------------------------------------------


async def _joined(port: int, code: str, names: list[str], answers: Counter) -> list:
    clients = []
    for name in names:
        try:
            client, ack = await quiet.open_joined(port, code, name, local=ATTACKER)
        except Exception as error:  # noqa: BLE001
            answers[f"join:{type(error).__name__}"] += 1
            continue
        answers[f"join:{'ok' if ack.get('ok') else common.error_code(ack)}"] += 1
        if ack.get("ok"):
            clients.append(client)
        else:
            client.close()
    return clients


async def _hammer(client, end: float, answers: Counter, next_call) -> None:
    n = 0
    while time.monotonic() < end and not client.closed:
        event, payload = next_call(n)
        try:
            ack = await client.call(event, payload, timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001
            answers[f"{event}:{type(error).__name__}"] += 1
            continue
        answers[f"{event}:{'ok' if isinstance(ack, dict) and ack.get('ok') else common.error_code(ack)}"] += 1
        n += 1


async def attack(case: str, port: int, code: str, duration: float, sockets: int) -> dict:
    answers: Counter = Counter()
    started = time.monotonic()
    if case == "joins":
        import join_storm

        result = await join_storm.storm(port, code, sockets, 3.0, local=ATTACKER)
        return {"answers": {"join:ok": result["joins_ok"], **{f"join:{k}": v for k, v in
                                                              result["error_kinds"].items()}},
                "join_p95_ms": result["join_p95_ms"], "seconds": round(time.monotonic() - started, 1)}
    if case == "resync":
        clients = await _joined(port, code, [f"Spam {i}" for i in range(sockets)], answers)

        def next_call(n: int):
            return (("resync", {"since": 0}) if n % 2 else
                    ("card.similar", {"text": "les parents ne viennent pas aux réunions"}))
        loops = [(c, i) for i, c in enumerate(clients)]
    else:  # cards: a new name (participant) per socket, 4 posts in flight on each
        clients = await _joined(port, code, [f"Rafale {i}" for i in range(sockets)], answers)

        def next_call(_n: int):
            return "card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": "Rafale de post-it"}
        loops = [(c, i) for i, c in enumerate(clients) for _ in range(4)]
    joined_s = round(time.monotonic() - started, 2)
    end = time.monotonic() + duration
    await asyncio.gather(*(_hammer(c, end, answers, next_call) for c, _i in loops))
    for client in clients:
        client.close()
    return {"answers": dict(answers), "joined_s": joined_s, "seconds": round(time.monotonic() - started, 1)}


# --- the measure ----------------------------------------------------------------------------------


async def case_round(port: int, codes: dict, case: str, args, sampler: common.Sampler) -> dict:
    board = await quiet.QuietBoard(port, codes["B"]).join()
    sockets = {"resync": args.sockets, "cards": args.spam_sockets, "joins": args.joins}[case]
    target = codes["C"] if case == "joins" else codes["A"]

    async def attack():
        mark = sampler.mark()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--attacker", case, str(port), target, str(args.duration), str(sockets),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        return proc, out, err, common.Sampler.usage(mark, sampler.mark())

    proc, out, err, usage = await board.measure(attack(), args.quiet)
    if proc.returncode != 0:
        raise RuntimeError(f"attacker failed: {err.decode()[-2000:]}")
    return {"case": case, "sockets": sockets, **board.summary(), "server": usage,
            "attacker": json.loads(out.decode().strip().splitlines()[-1])}


def run(args) -> dict:
    with common.temp_dir("passerelles-abuse-") as tmp:
        url, codes = seed(Path(tmp), args.cards)
        server_cpus = common.pin_clients(args.pin)  # the orchestrator, the quiet board and the attacker (a child)
        with common.Server("gevent", common.free_port(PORTS), url, Path(tmp) / "server.log",
                           cwd=args.app_root.resolve(), cpus=server_cpus) as server:
            pids = _workers(server)
            result = {"cards": args.cards, "duration": args.duration, "loadavg_before": common.loadavg(),
                      "pinned": bool(server_cpus)}
            if not args.no_late_joiner:
                result.update(asyncio.run(late_joiner(server.port, codes["A"])))
            with common.Sampler(server.proc.pid) as sampler:
                result["cases"] = [asyncio.run(case_round(server.port, codes, case, args, sampler))
                                   for case in args.cases]
            result["worker_killed"] = bool(pids) and _workers(server) != pids
            result["loadavg_after"] = common.loadavg()
    return result


def _workers(server: common.Server) -> set[int]:
    try:
        with open(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children") as f:
            return {int(pid) for pid in f.read().split()}
    except OSError:
        return set()


def report(r: dict) -> str:
    lines = []
    if "whole_first_bytes" in r:
        lines += [f"late joiner at {r['cards']} cards: whole state {r['whole_first_bytes']} bytes in "
                  f"{r['whole_first_ms']} ms; paged first page {r['paged_first_bytes']} bytes in "
                  f"{r['paged_first_ms']} ms, all {r['paged_cards']} cards in {r['paged_pages']} pages after "
                  f"{r['paged_all_ms']} ms"]
    lines += [f"another board's card-to-screen delay while the attack runs ({r['duration']:g} s; "
              f"{'server pinned to its CPU' if r.get('pinned') else 'not pinned'}; loadavg "
              f"{r['loadavg_before']} -> {r['loadavg_after']}; worker killed: {r['worker_killed']})", quiet.HEADER]
    for c in r["cases"]:
        answered = sum(n for key, n in c["attacker"]["answers"].items() if not key.startswith("join:"))
        per_answer = f"{c['server']['cpu_s'] / answered * 1e6:.0f} µs of CPU per answer; " if answered else ""
        lines.append(quiet.row(f"{c['case']} ({c['sockets']} sockets)", c,
                               f"{per_answer}server {c['server']['cpu_pct']} % of a core (waited "
                               f"{c['server']['runqueue_wait_s']} s for a CPU); slowest (ms, sent at s) "
                               f"{c['slowest']}, attacker joined after {c['attacker'].get('joined_s')} s; "
                               f"dropped {c['disconnects']}; attacker: {c['attacker']['answers']}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--attacker"]:
        case, port, code, duration, sockets = argv[1:6]
        print(json.dumps(asyncio.run(attack(case, int(port), code, float(duration), int(sockets)))))
        return 0
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=6000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--quiet", type=float, default=4.0, help="seconds measured before the attack")
    parser.add_argument("--sockets", type=int, default=4, help="resync: the spammer's sockets")
    parser.add_argument("--spam-sockets", type=int, default=50, help="cards: sockets, each its own participant")
    parser.add_argument("--joins", type=int, default=300, help="joins: arrivals within 3 s")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--no-late-joiner", action="store_true")
    parser.add_argument("--app-root", type=Path, default=common.ROOT, help="the checkout to serve (default: this one)")
    common.add_pin_option(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.cards <= 50000 or not 1 <= args.duration <= 120 or not 1 <= args.sockets <= 50:
        parser.error("cards 1-50000, duration 1-120 s, sockets 1-50")
    result = run(args)
    print(report(result), flush=True)
    common.print_json(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
