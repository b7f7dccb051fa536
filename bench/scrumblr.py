"""Scrumblr (github.com/aliasaria/scrumblr) as a bench target, run as-is: node server.js with its own Redis.

Installed outside this repository by `bench/ext/scrumblr.sh` (a pinned commit and its npm dependencies, by
default in /work/ext/scrumblr; `SCRUMBLR_DIR` points elsewhere). Nothing of Scrumblr is copied here: this
module starts it and speaks its protocol.

Its protocol, on Socket.IO 4 (the same Engine.IO v4 / Socket.IO v5 framing as ours, at path /socketio/, main
namespace `/`): every action is a `message` event {action, data}. A screen sends `joinRoom` "/<room>", gets
`roomAccept`, sends `initializeMe` and gets the room's state (`initCards`: every card from Redis, and more).
A card is `createCard` {id, text, x, y, rot, colour, type}: the server writes it to Redis (HSET, not awaited)
and sends it to every OTHER screen of the room, one `message` per screen; there is no acknowledgement, so a
card counts as sent once written to the socket, and the poster does not receive its own card (a card's
expected deliveries are the screens minus one).

    .venv/bin/python bench/board_fanout.py --target scrumblr ours relay --participants 100 300 1000
    .venv/bin/python bench/scrumblr.py kill --rate 50 --before-kill 10     (kill -9 test, see `kill`)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import lean  # noqa: E402

DIR = Path(os.environ.get("SCRUMBLR_DIR", "/work/ext/scrumblr"))
INSTALL = "bench/ext/scrumblr.sh"
_CARD = b'42["message",{"action":"createCard"'  # a card, as every other screen gets it


def missing() -> str | None:
    """Why Scrumblr cannot run here, or None when it can."""
    if not (DIR / "server.js").is_file() or not (DIR / "node_modules" / "socket.io").is_dir():
        return f"Scrumblr is not installed in {DIR} (install it with {INSTALL}, or set SCRUMBLR_DIR)"
    for tool in ("node", "redis-server"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH (Scrumblr needs node >= 19 and redis-server)"
    return None


def _ports() -> tuple[int, int]:
    """Two free ports of the bench range: Scrumblr's and its Redis's."""
    from workshop.devserver import free_ports

    port, redis_port = free_ports(2, common.PORTS[0], common.PORTS[-1])
    return port, redis_port


def redis_command(redis_port: int, data_dir: Path) -> list[str]:
    """Redis as Scrumblr's README runs it: default settings (RDB snapshots on their default schedule, no
    append-only file), data in `data_dir`."""
    return ["redis-server", "--port", str(redis_port), "--bind", common.HOST, "--dir", str(data_dir),
            "--daemonize", "no", "--logfile", str(data_dir / "redis.log")]


def node_command(port: int, redis_port: int) -> list[str]:
    """Scrumblr's server as-is; `loopback.cjs` makes its bare `listen(port)` listen on 127.0.0.1 only."""
    return ["node", "-r", str(common.BENCH / "ext" / "loopback.cjs"), "server.js", f"--server:port={port}",
            f"--redis:url=redis://{common.HOST}:{redis_port}"]


def server(tmp: Path, cpus: set[int] | None) -> common.Server:
    """Redis and node in one process group (so the server's CPU counted is both), pinned like our server."""
    port, redis_port = _ports()
    data = tmp / "redis"
    data.mkdir(exist_ok=True)
    script = (" ".join(redis_command(redis_port, data)) + " & exec " + " ".join(node_command(port, redis_port)))
    return common.Server("gevent", port, "sqlite://", tmp / "server.log", cwd=DIR, command=["sh", "-c", script],
                         cpus=cpus)


class Waiting(lean.LeanClient):
    """A lean client on the main namespace that can wait for a server message starting with given bytes."""

    SELF_DELIVERY = False  # these servers send a card to the other screens only

    def __init__(self, namespace: str = "/", headers: str | None = None):
        super().__init__("/", headers)
        self._waits: dict[bytes, asyncio.Future] = {}
        self.state: bytes | None = None  # the last awaited message

    def _packet(self, p: bytes) -> None:
        for start, future in list(self._waits.items()):
            if p.startswith(start):
                self.state = p
                if not future.done():
                    future.set_result(True)
                del self._waits[start]
                return
        super()._packet(p)

    async def send_and_wait(self, event: str, data, answer: bytes, timeout: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._waits[answer] = future
        self.emit(event, data)
        await asyncio.wait_for(future, timeout)

    async def aclose(self) -> None:
        self.close()


def _message(action: str) -> bytes:
    return b'42["message",{"action":"' + action.encode() + b'"'


class ScrumblrClient(Waiting):
    """One Scrumblr screen: `received` keeps (time, raw) of each `createCard` message."""

    path = "/socketio/"

    def __init__(self, namespace: str = "/", headers: str | None = None):
        super().__init__("/", headers)
        self.prefix = _CARD

    @classmethod
    async def open(cls, host: str, port: int, timeout: float = 30.0) -> ScrumblrClient:
        return await super().open(host, port, "/", timeout)

    async def join(self, code: str, name: str, frames: bool = False, timeout: float = 30.0) -> dict:
        """As the browser does: joinRoom, then initializeMe once accepted; joined when the cards arrived."""
        await self.send_and_wait("message", {"action": "joinRoom", "data": code}, _message("roomAccept"), timeout)
        await self.send_and_wait("message", {"action": "initializeMe", "data": None}, _message("initCards"), timeout)
        return {"ok": True}

    async def add_card(self, client_id: str, text: str, timeout: float = 10.0) -> dict:
        """No ack exists: written to the socket is all a Scrumblr browser knows."""
        if self.closed:
            raise lean.Closed("closed")
        self.emit("message", {"action": "createCard", "data": {
            "id": client_id, "text": text, "x": 100, "y": 100, "rot": 0, "colour": "yellow", "type": "card"}})
        return {"ok": True, "no_ack": True}

    def card_events(self) -> list[tuple[float, int | None, str | None]]:
        """(arrival, seq (none here), card text) of every card received."""
        import json

        out = []
        for at, raw in self.received:
            _name, body = json.loads(raw[2:])
            out.append((at, None, str((body.get("data") or {}).get("text", ""))))
        return out


# --- kill -9 test ---------------------------------------------------------------------------------------------


def _start(command: list[str], cwd: Path, log: Path, cpus: set[int] | None) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=common.on_cpus(cpus))


def _kill9(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


async def _wait_port(port: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while True:
        try:
            _r, w = await asyncio.open_connection(common.HOST, port)
            w.close()
            return
        except OSError:
            if time.monotonic() > end:
                raise
            await asyncio.sleep(0.1)


async def _cards_present(port: int, room: str) -> set[str]:
    import json

    client = await ScrumblrClient.open(common.HOST, port)
    try:
        await client.join(room, "checker")
        _name, body = json.loads(client.state[2:])
        return {str(card.get("id")) for card in body["data"]}
    finally:
        client.close()


async def kill_run(kill: str, posters: int, rate: float, before_kill: float, cpus: set[int] | None) -> dict:
    """Posters post `rate` cards/s in total; after `before_kill` s, kill -9 of node (`node`: its Redis lives on)
    or of node and Redis (`all`: the host or container dies), restart what was killed on the same data, and
    count which of the cards written before the kill a fresh screen gets."""
    port, redis_port = _ports()
    room = "/kill" + str(os.getpid())
    with common.temp_dir("scrumblr-kill-") as tmp:
        tmp = Path(tmp)
        redis = _start(redis_command(redis_port, tmp), tmp, tmp / "redis.out", cpus)
        node = _start(node_command(port, redis_port), DIR, tmp / "node.log", cpus)
        try:
            await _wait_port(redis_port)
            await _wait_port(port)
            clients = [await ScrumblrClient.open(common.HOST, port) for _ in range(posters)]
            for c in clients:
                await c.join(room, "poster")
            sent: list[str] = []
            interval, t0, n = 1.0 / rate, time.monotonic(), 0
            while time.monotonic() - t0 < before_kill:
                key = f"k{n}"
                await clients[n % posters].add_card(key, f"kill test {key}")
                sent.append(key)
                n += 1
                await asyncio.sleep(max(0.0, t0 + n * interval - time.monotonic()))
            _kill9(node)
            if kill == "all":
                _kill9(redis)
            for c in clients:
                c.close()
            if kill == "all":
                redis = _start(redis_command(redis_port, tmp), tmp, tmp / "redis.out", cpus)
                await _wait_port(redis_port)
            node = _start(node_command(port, redis_port), DIR, tmp / "node.log", cpus)
            await _wait_port(port)
            await asyncio.sleep(1.0)  # node's Redis client connects after its HTTP port opens
            present = await _cards_present(port, room)
        finally:
            for proc in (node, redis):
                if proc.poll() is None:
                    _kill9(proc)
    kept = sum(1 for key in sent if key in present)
    return {"kill": kill, "sent_before_kill": len(sent), "present_after_restart": kept,
            "lost": len(sent) - kept, "rate": rate, "posters": posters, "before_kill_s": before_kill}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scrumblr's kill -9 test")
    parser.add_argument("what", choices=["kill"])
    parser.add_argument("--kill", choices=["node", "all"], nargs="+", default=["node", "all"],
                        help="node: kill -9 node only (Redis lives on); all: node and its Redis")
    parser.add_argument("--posters", type=int, default=5)
    parser.add_argument("--rate", type=float, default=50.0, help="cards/s, all posters together")
    parser.add_argument("--before-kill", type=float, default=10.0, help="seconds of posting before kill -9")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=len(os.sched_getaffinity(0)) >= 2)
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"Scrumblr skipped: {reason}")
        return 0
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus = {cpus[0]} if args.pin and len(cpus) > 1 else None
    if server_cpus:
        os.sched_setaffinity(0, set(cpus[1:]))
    for kill in args.kill:
        load = common.loadavg()
        result = asyncio.run(kill_run(kill, args.posters, args.rate, args.before_kill, server_cpus))
        print(f"[scrumblr kill -9 {'node' if kill == 'node' else 'node and Redis'}] {result['sent_before_kill']} "
              f"cards written before the kill, {result['present_after_restart']} present after restart, "
              f"{result['lost']} lost; loadavg {load}", flush=True)
        common.print_json(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
