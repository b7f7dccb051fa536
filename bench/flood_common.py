"""What the flood benches share: the server as `make serve` runs it, board clients that keep posting while an
attack runs (the delay of each acknowledgement), a visitor opening the home page on a new connection, and the
gunicorn worker's pid before and after (a killed worker drops every board).

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
import uuid
from pathlib import Path

import common

TIMEOUT = 60.0


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--app-root", type=Path, default=common.ROOT, help="the checkout to serve (default: this one)")
    parser.add_argument("--boards", type=int, default=3, help="board clients posting during the attack")
    return parser


def attacker(script: str, args: list[str]) -> dict:
    """Run the attack in its own process (`script --attacker ...`, printing one JSON line), so that it never takes
    the GIL or the CPU from the clients that measure."""
    done = subprocess.run([sys.executable, str(common.BENCH / script), "--attacker", *args], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"attacker failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(tmp: Path, app_root: Path) -> tuple[common.Server, common.Seeded]:
    """`make serve`: gunicorn, one gevent worker, 2,000 connections, gunicorn's default 30 s worker timeout."""
    seeded = common.prepare_database(tmp)
    os.environ["CARD_RATE"] = "100000/10 seconds"  # the probes post fast; the card limit is not what is measured
    server = common.Server("gevent", common.free_port(), seeded.database_url, tmp / "server.log", cwd=app_root)
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


class Boards:
    """Board clients joined before the attack; each posts a card, waits for its ack, and again, until stopped."""

    def __init__(self, url: str, code: str, count: int):
        self.url, self.code, self.count = url, code, count
        self.delays: list[float] = []
        self.errors = 0
        self.disconnects = 0
        self.clients: list = []
        self.attack: tuple[float, float] | None = None  # when the attack ran (monotonic)
        self.stopped = asyncio.Event()

    async def join(self) -> None:
        for index in range(self.count):
            sio = common.new_client()
            sio.on("disconnect", self._on_disconnect, namespace=common.NAMESPACE)
            ack, _connect, _join = await common.connect_and_join(sio, self.url, self.code, f"Témoin {index}")
            assert ack.get("ok"), ack
            self.clients.append(sio)

    def _on_disconnect(self, *_args) -> None:
        if not self.stopped.is_set():  # not the bench's own goodbye
            self.disconnects += 1

    async def _post(self, sio) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                ack = await sio.call("card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle",
                                                  "text": "Toujours là ?"}, namespace=common.NAMESPACE,
                                     timeout=TIMEOUT)
                if not (isinstance(ack, dict) and ack.get("ok")):
                    self.errors += 1
            except Exception:  # noqa: BLE001 - a dropped or frozen board is what is measured
                self.errors += 1
                await asyncio.sleep(0.5)
            self.delays.append((started, time.monotonic() - started))
            await asyncio.sleep(0.05)

    async def run(self) -> None:
        await asyncio.gather(*(self._post(sio) for sio in self.clients))

    def during_attack(self) -> list[float]:
        """Delays of the posts that overlapped the attack (sent before it ended, answered after it began)."""
        begin, end = self.attack
        return [delay for started, delay in self.delays if started <= end and started + delay >= begin]

    def all(self) -> list[float]:
        return [delay for _started, delay in self.delays]


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


def summary(boards: Boards, visitor: Visitor, killed: bool, attack: dict) -> dict:
    delays, during = boards.all(), boards.during_attack()
    return {
        "board_posts": len(delays), "board_p95_ms": common.ms(common.percentile(delays, 95)),
        "board_max_ms": common.ms(max(delays) if delays else None), "board_errors": boards.errors,
        "board_posts_during_attack": len(during),
        "board_p95_during_attack_ms": common.ms(common.percentile(during, 95)),
        "board_disconnects": boards.disconnects,
        "visitor_p95_ms": common.ms(common.percentile(visitor.delays, 95)),
        "visitor_max_ms": common.ms(max(visitor.delays) if visitor.delays else None),
        "visitor_errors": visitor.errors, "worker_killed": killed, "loadavg": common.loadavg(), **attack,
    }


def report(title: str, result: dict) -> None:
    """The table for people, then the RESULT line for run_all.py."""
    print(f"\n{title}")
    print("| board posts | board p95 ms | board p95 during attack ms | board max ms | board errors | dropped "
          "| visitor p95 ms | visitor max ms | visitor errors | worker killed | loadavg |")
    print("|---" * 11 + "|")
    print(f"| {result['board_posts']} | {result['board_p95_ms']} | {result['board_p95_during_attack_ms']} "
          f"| {result['board_max_ms']} | {result['board_errors']} "
          f"| {result['board_disconnects']} | {result['visitor_p95_ms']} | {result['visitor_max_ms']} "
          f"| {result['visitor_errors']} | {result['worker_killed']} | {result['loadavg']} |")
    common.print_json(result)


async def measure(server: common.Server, seeded: common.Seeded, boards_count: int, attack,
                  visitor_headers: dict[str, str] | None = None) -> dict:
    """Join the boards, let them post 2 s, run `attack()` (blocking, in a thread; returns a dict of what the
    attacker saw) while they post, then 2 s more; return the summary."""
    boards = Boards(server.url, seeded.code, boards_count)
    await boards.join()
    before = worker_pids(server)
    visitor = Visitor(server.url, visitor_headers)
    posting = asyncio.ensure_future(boards.run())
    visitor.start()
    await asyncio.sleep(2)
    begin = time.monotonic()
    seen = await asyncio.get_running_loop().run_in_executor(None, attack)
    boards.attack = (begin, time.monotonic())
    visitor.halt.set()
    await asyncio.sleep(2)
    boards.stopped.set()
    await asyncio.wait_for(posting, TIMEOUT + 5)
    visitor.join(TIMEOUT + 5)
    killed = bool(before) and worker_pids(server) != before
    await common.disconnect_all(boards.clients)
    return summary(boards, visitor, killed, {"attack_s": round(boards.attack[1] - begin, 1), **seen})


def run(script: str, args: argparse.Namespace, attacker_args: list[str]) -> dict:
    """A whole bench: a fresh database and server, boards posting while `script --attacker PORT ...` runs."""
    common.stop_on_sigterm()
    with common.temp_dir("bench-flood-") as tmp:
        server, seeded = start_server(Path(tmp), args.app_root.resolve())
        try:
            result = asyncio.run(measure(server, seeded, args.boards,
                                         lambda: attacker(script, [str(server.port), *attacker_args])))
        finally:
            server.stop()
    result["app_root"] = str(args.app_root)
    return result
