"""What the flood benches share: the server as `make serve` runs it, lean board clients that keep posting while
an attack runs and a screen that receives their cards (quiet.QuietBoard: card-to-screen and ack delays), a
visitor opening the home page on a new connection, and the gunicorn worker's pid
before and after (a killed worker drops every board).

`--app-root DIR` serves another checkout (e.g. a git worktree of the base commit under /tmp) with this bench.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import common
import quiet

TIMEOUT = 60.0


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--app-root", type=Path, default=common.ROOT, help="the checkout to serve (default: this one)")
    parser.add_argument("--boards", type=int, default=3, help="board clients posting during the attack (a card "
                        "every 0.6 s each; one more client is the screen whose delays are measured)")
    common.add_pin_option(parser)
    return parser


def attacker(script: str, args: list[str]) -> dict:
    """Run the attack in its own process (`script --attacker ...`, printing one JSON line), so that it never takes
    the GIL or the CPU from the clients that measure."""
    done = subprocess.run([sys.executable, str(common.BENCH / script), "--attacker", *args], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"attacker failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(tmp: Path, app_root: Path, cpus: set[int] | None = None) -> tuple[common.Server, common.Seeded]:
    """`make serve`: gunicorn, one gevent worker, 2,000 connections, gunicorn's default 30 s worker timeout;
    `cpus`: the server's CPUs when pinned."""
    seeded = common.prepare_database(tmp)
    os.environ["CARD_RATE"] = "100000/10 seconds"  # the probes post fast; the card limit is not what is measured
    port = common.free_port()
    server = common.Server("gevent", port, seeded.database_url, tmp / "server.log", cwd=app_root, cpus=cpus)
    server.command = [arg if arg != "120" else "30" for arg in server.command]  # --timeout as make serve
    server.start()
    return server, seeded


def worker_pids(server: common.Server) -> set[int]:
    """The gunicorn worker(s) of a server: a new pid means the worker was killed and replaced."""
    try:
        with open(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children") as f:
            return {int(pid) for pid in f.read().split()}
    except (OSError, AttributeError):
        return set()


class Visitor(threading.Thread):
    """Someone opening the home page on a new connection every half second (a new arrival, a reload)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None):
        super().__init__(daemon=True)
        self.url, self.headers = url, headers or {}
        self.delays: list[float] = []
        self.errors = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            started = time.monotonic()
            try:
                request = urllib.request.Request(self.url + "/", headers=self.headers)
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    response.read()
                    if response.status != 200:
                        self.errors += 1
            except (urllib.error.URLError, OSError):
                self.errors += 1
            self.delays.append(time.monotonic() - started)
            self.halt.wait(0.5)


def summary(board: quiet.QuietBoard, visitor: Visitor, killed: bool, attack: dict) -> dict:
    acks = [delay for _sent, delay, _ok in board.acks]
    return {
        "board_posts": len(acks), "board_ack_p95_ms": common.ms(common.percentile(acks, 95)),
        "board_ack_max_ms": common.ms(max(acks, default=None)), **board.summary(),
        "visitor_p95_ms": common.ms(common.percentile(visitor.delays, 95)),
        "visitor_max_ms": common.ms(max(visitor.delays) if visitor.delays else None),
        "visitor_errors": visitor.errors, "worker_killed": killed, "loadavg": common.loadavg(), **attack,
    }


def report(title: str, result: dict) -> None:
    """The table for people, then the RESULT line for run_all.py."""
    print(f"\n{title}: the board's card-to-screen delay (another person's)")
    print(quiet.HEADER)
    print(quiet.row("attack", result, f"dropped {result['disconnects']}; ack p95 / max during "
                                      f"{result['ack_p95_during_ms']} / {result['ack_max_during_ms']} ms"))
    print("| visitor p95 ms | visitor max ms | visitor errors | worker killed | loadavg | server pinned |\n"
          "|---|---|---|---|---|---|")
    print(f"| {result['visitor_p95_ms']} | {result['visitor_max_ms']} | {result['visitor_errors']} "
          f"| {result['worker_killed']} | {result['loadavg']} | {result['pinned']} |")
    common.print_json(result)


async def measure(server: common.Server, seeded: common.Seeded, boards_count: int, attack,
                  visitor_headers: dict[str, str] | None = None) -> dict:
    """Join the board (posters and a screen), let them post 3 s, run `attack()` (blocking, in a thread; returns a
    dict of what the attacker saw) while they post, then 2 s more; return the summary."""
    board = await quiet.QuietBoard(server.port, seeded.code, posters=boards_count).join()
    before = worker_pids(server)
    visitor = Visitor(server.url, visitor_headers)

    async def attack_then_halt() -> dict:
        seen = await asyncio.get_running_loop().run_in_executor(None, attack)
        visitor.halt.set()
        return seen

    visitor.start()
    seen = await board.measure(attack_then_halt())
    visitor.join(TIMEOUT + 5)
    killed = bool(before) and worker_pids(server) != before
    begin, end = board.window
    return summary(board, visitor, killed, {"attack_s": round(end - begin, 1), **seen})


def run(script: str, args: argparse.Namespace, attacker_args: list[str]) -> dict:
    """A whole bench: a fresh database and server, boards posting while `script --attacker PORT ...` runs."""
    common.stop_on_sigterm()
    server_cpus = common.pin_clients(args.pin)  # the boards, the visitor and the attacker (a child)
    with common.temp_dir("bench-flood-") as tmp:
        server, seeded = start_server(Path(tmp), args.app_root.resolve(), server_cpus)
        try:
            result = asyncio.run(measure(server, seeded, args.boards,
                                         lambda: attacker(script, [str(server.port), *attacker_args])))
        finally:
            server.stop()
    result.update(app_root=str(args.app_root), pinned=bool(server_cpus))
    return result
