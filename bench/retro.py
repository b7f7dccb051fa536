"""Retrospected (github.com/antoinejaussoin/retro-board: Node, TypeScript, Socket.IO 4, PostgreSQL) as a bench
target, run as-is from its sources: its backend under ts-node, as `yarn start` runs it, on a private PostgreSQL.

Installed outside this repository by `bench/ext/retro.sh` (by default in /work/ext/retro-board; `RETRO_DIR`
points elsewhere). Nothing of it is copied here: this module starts it and speaks its protocol.

Its protocol (Socket.IO v5 at /socket.io/, main namespace): a screen is an anonymous user (HTTP login, then its
session cookie on the WebSocket handshake) that sends `retrospected/session/join` {sessionId, payload, ack} and
gets the board (`retrospected/posts/receive-all`). A card is `retrospected/posts/add/success` {sessionId,
payload: post, ack}: the server answers `retrospected/ack` on receipt, BEFORE it saves (so no ack tells a card
was committed: a card counts as sent once written, as for Scrumblr), saves the post in its own transaction and
sends it (`retrospected/posts/receive/add`) to every OTHER screen of the session. Its websocket and HTTP rate
limits (600 actions/min per session, 500 requests/15 min per address) are lifted for the bench, as ours are.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import common
import lean
from scrumblr import Waiting

DIR = Path(os.environ.get("RETRO_DIR", "/work/ext/retro-board")) / "backend"
INSTALL = "bench/ext/retro.sh"
_CARD = b'42["retrospected/posts/receive/add"'
LIFTED = {"RATE_LIMIT_WS_POINTS": "10000000", "RATE_LIMIT_MAX": "10000000"}


def missing() -> str | None:
    if not (DIR / "src" / "index.ts").is_file() or not (DIR / "node_modules" / "ts-node").is_dir():
        return f"Retrospected is not installed in {DIR.parent} (install it with {INSTALL}, or set RETRO_DIR)"
    if shutil.which("node") is None:
        return "node is not on PATH (Retrospected needs node >= 20)"
    from workshop.devserver import PostgresMissing, postgres_bin

    try:
        postgres_bin()
    except PostgresMissing as error:
        return f"Retrospected needs PostgreSQL: {error}"
    return None


class RetroServer(common.Server):
    """Its backend answers 404 on `/`: ready when /healthz answers (common.Server polls `url` + "/")."""

    @property
    def url(self) -> str:
        return f"http://{common.HOST}:{self.port}/healthz"


def server(tmp: Path, cpus: set[int] | None) -> RetroServer:
    """A fresh PostgreSQL cluster, its migrations, then the backend: one process group, pinned like ours (the
    server CPU counted is the backend's and PostgreSQL's together)."""
    from workshop.devserver import PostgresServer, free_ports

    port, pg_port = free_ports(2, common.PORTS[0], common.PORTS[-1])
    os.chmod(tmp, 0o755)  # the postgres account enters it when we are root
    pg = PostgresServer(tmp / "pg", port=pg_port, settings={}).initdb()  # PostgreSQL's own settings, as shipped
    script = "\n".join([
        "set -e",
        f"{shlex.join(pg.command())} > {tmp}/pg.log 2>&1 &",
        f"until {pg.bin}/pg_isready -q -h {common.HOST} -p {pg_port}; do sleep 0.2; done",
        f"{pg.bin}/createdb -h {common.HOST} -p {pg_port} -U postgres retroboard",
        f"node_modules/.bin/typeorm-ts-node-esm -d src/db/index.ts migration:run > {tmp}/migrate.log 2>&1",
        "exec node --import ./ts-node.register.mjs ./src/index.ts",
    ])
    env = {"DB_HOST": common.HOST, "DB_PORT": str(pg_port), "DB_USER": "postgres", "DB_PASSWORD": "postgres",
           "DB_NAME": "retroboard", "BACKEND_PORT": str(port), "REDIS_ENABLED": "false", "SELF_HOSTED": "true",
           "SESSION_SECRET": "bench", "SENTRY_URL": "", **LIFTED}
    return RetroServer("gevent", port, "sqlite://", tmp / "server.log", cwd=DIR, command=["sh", "-c", script],
                       env=env, cpus=cpus)


def login(host: str, port: int, name: str) -> tuple[str, dict]:
    """An anonymous user, as the browser makes one: (its session cookie, the user)."""
    body = json.dumps({"username": f"ANONUSER__{name}__ANONUSER", "password": "bench"}).encode()
    request = urllib.request.Request(f"http://{host}:{port}/api/auth/anonymous/login", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        cookie = response.headers["Set-Cookie"].split(";")[0]
    request = urllib.request.Request(f"http://{host}:{port}/api/me", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:
        me = json.loads(response.read())
    return cookie, me


def start(tmp: Path, cpus: set[int] | None) -> tuple[RetroServer, str]:
    """(the started server, a session id made by an anonymous facilitator)."""
    srv = server(tmp, cpus).start(timeout=240)
    try:
        return srv, _new_session(srv)
    except BaseException:
        srv.stop()  # the caller only stops a server it got back
        raise


def _new_session(srv: RetroServer) -> str:
    for _ in range(600):  # /healthz answers before the routes that need the database are mounted
        try:
            cookie, _me = login(common.HOST, srv.port, "facilitator")
            break
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            time.sleep(0.2)
    else:
        raise RuntimeError(f"Retrospected never mounted its routes:\n{srv.log_tail()}")
    request = urllib.request.Request(f"http://{common.HOST}:{srv.port}/api/create", b"{}",
                                     {"Content-Type": "application/json", "Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["id"]


class RetroClient(Waiting):
    """One Retrospected screen: `received` keeps (time, raw) of each post received."""

    def __init__(self, namespace: str = "/", headers: str | None = None):
        super().__init__("/", headers)
        self.prefix = _CARD
        self.user: dict = {}
        self.session_id = ""

    @classmethod
    async def open(cls, host: str, port: int, timeout: float = 30.0) -> RetroClient:
        cookie, me = await asyncio.to_thread(login, host, port, "s" + uuid.uuid4().hex[:10])
        client = await super().open(host, port, "/", timeout, headers=f"Cookie: {cookie}\r\n")
        client.user = me
        return client

    def _payload(self, payload) -> dict:
        return {"sessionId": self.session_id, "payload": payload, "ack": uuid.uuid4().hex}

    async def join(self, code: str, name: str, frames: bool = False, timeout: float = 30.0) -> dict:
        self.session_id = code
        for attempt in (1, 2):  # one join in ten got no answer once (10 screens): asked again, as a reload would
            try:
                await self.send_and_wait("retrospected/session/join", self._payload({"user": self.user}),
                                         b'42["retrospected/posts/receive-all"', timeout / 2)
                return {"ok": True, **({"retried": True} if attempt == 2 else {})}
            except TimeoutError:
                if attempt == 2:
                    raise
        return {"ok": False}

    async def add_card(self, client_id: str, text: str, timeout: float = 10.0) -> dict:
        if self.closed:
            raise lean.Closed("closed")
        post = {"content": text, "action": None, "giphy": None, "votes": [], "id": str(uuid.uuid4()),
                "column": 0, "user": self.user, "group": None, "rank": "0|hzzzzz:"}
        self.emit("retrospected/posts/add/success", self._payload(post))
        return {"ok": True, "no_ack": True}

    def card_events(self) -> list[tuple[float, int | None, str | None]]:
        out = []
        for at, raw in self.received:
            _name, post = json.loads(raw[2:])
            out.append((at, None, str((post or {}).get("content", ""))))
        return out

