"""What every bench shares: a throwaway database with an open workshop, the real server in a subprocess,
its CPU and thread counts read from /proc, real Socket.IO clients, percentiles, and pages timed in-process
through Flask's test client.

Benches only ever listen and connect on 127.0.0.1, in the port range 5300-5399.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PORTS = range(5300, 5400)
HOST = "127.0.0.1"
NAMESPACE = "/board"
SECRET_KEY = "bench-secret-not-for-production"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MODES = ("gevent", "threading")

if str(ROOT) not in sys.path:  # run as `python bench/x.py` from anywhere
    sys.path.insert(0, str(ROOT))


def free_port(ports: range = PORTS) -> int:
    """A port of `ports` (the benches' range by default) that nobody listens on. workshop is imported here, not
    at the top: it imports Flask, which the attacker processes, that import this module, must not load."""
    from workshop.devserver import free_port as pick

    return pick(ports[0], ports[-1])


# --- database -------------------------------------------------------------------------------------


@dataclass
class Seeded:
    database_url: str
    workshop_id: int
    code: str


def prepare_database(directory: Path) -> Seeded:
    """A fresh SQLite file with the tables, a facilitator and an open workshop, made by the service layer."""
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)  # keep create_app away from instance/secret_key
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.boards import service as boards
    from workshop.extensions import db

    url = f"sqlite:///{directory / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        db.create_all()
        user = accounts.create_user(db.session, "animation@bench.passerelles", "Animation Bench", "facilitator",
                                    "bench-motdepasse-1")
        workshop = boards.create_workshop(db.session, user, "Atelier de mesure", place="127.0.0.1")
        db.session.commit()
        seeded = Seeded(url, workshop.id, workshop.code)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded


# --- server ---------------------------------------------------------------------------------------


def worker_class(root: Path = ROOT) -> str:
    """gunicorn's worker of `make serve` in the tree `root` (an older checkout may predate workshop.serving)."""
    return "workshop.serving.GuardedGeventWorker" if (root / "workshop" / "serving.py").is_file() else "gevent"


def server_command(mode: str, port: int, worker_connections: int, root: Path = ROOT) -> list[str]:
    """The production command (gevent), or the threading server Flask-SocketIO runs itself (werkzeug)."""
    if mode == "gevent":
        return [str(VENV_BIN / "gunicorn"), "-k", worker_class(root), "-w", "1", "--bind", f"{HOST}:{port}",
                "--worker-connections", str(worker_connections), "--graceful-timeout", "2", "--timeout", "120",
                "--no-control-socket", "wsgi:app"]
    if mode == "threading":
        return [str(VENV_BIN / "python"), str(BENCH / "serve_threading.py"), str(port)]
    raise ValueError(f"unknown mode {mode!r}")


CPUS = sorted(os.sched_getaffinity(0))  # read at import: before a bench pins itself to the clients' CPUs


def cpu_split(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, client CPUs): the server on the first CPU, the clients on the others, when pinned. On one
    machine the clients (an attacker's sockets included) would otherwise take the server's CPU, which the server
    of a real event does not share with them."""
    if not pin or len(CPUS) < 2:
        return None, None
    return {CPUS[0]}, set(CPUS[1:])


def add_pin_option(parser) -> None:
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=len(CPUS) >= 2,
                        help="server on the first CPU, every client on the others (default when there are 2+)")


def on_cpus(cpus: set[int] | None):
    """A subprocess's preexec_fn running it on `cpus` (None: wherever its parent runs)."""
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def pin_clients(pin: bool) -> set[int] | None:
    """Pin this process, and every client it starts, to the clients' CPUs; the server's CPUs (None: unpinned)."""
    server_cpus, client_cpus = cpu_split(pin)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    return server_cpus


class Server:
    """The app served on 127.0.0.1:port in its own process group; stop() kills the whole group."""

    def __init__(self, mode: str, port: int, database_url: str, log_path: Path, worker_connections: int = 2000,
                 cwd: Path = ROOT, *, command: list[str] | None = None, env: dict | None = None,
                 cpus: set[int] | None = None):
        """`cwd`: the tree whose wsgi.py is served (another checkout to measure the code before a change);
        `command`: another app to serve (the bare relay); `env`: settings added to the environment; `cpus`: the
        CPUs the whole process group may run on (a server pinned to one core)."""
        self.mode, self.port, self.log_path, self.cwd, self.cpus = mode, port, log_path, cwd, cpus
        self.command = command or server_command(mode, port, worker_connections, cwd)
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                    "SOCKETIO_ASYNC_MODE": mode, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.env.pop("REDIS_URL", None)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        with open(self.log_path, "ab") as log:
            cpus = self.cpus
            self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True,
                                         preexec_fn=on_cpus(cpus))
        from workshop.devserver import wait_until_serving

        if not wait_until_serving(self.proc, self.url, timeout, interval=0.2):
            self.stop()
            raise RuntimeError(f"server did not answer on {self.url} within {timeout}s:\n{self.log_tail()}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        pgid = self.proc.pid
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # a gunicorn worker may outlive its master for an instant
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- /proc ----------------------------------------------------------------------------------------


def _group(pgid: int) -> dict[int, list[str]]:
    """/proc/<pid>/stat fields (from the state on) of every live process of a process group, and of their
    descendants that left it: PostgreSQL's backends call setsid(), yet their CPU is the server's."""
    procs: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                procs[int(entry)] = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
    # fields[1] is the parent pid, fields[2] the process group (fields 4 and 5 of proc(5))
    members = {pid for pid, fields in procs.items() if int(fields[2]) == pgid}
    grew = bool(members)
    while grew:
        more = {pid for pid, fields in procs.items() if pid not in members and int(fields[1]) in members}
        members |= more
        grew = bool(more)
    return {pid: procs[pid] for pid in members}


def group_stats(pgid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and OS threads of every live process of a process group (and descendants),
    with what their ended children used (a PostgreSQL backend that closes hands its CPU to the postmaster)."""
    cpu, threads = 0.0, 0
    for fields in _group(pgid).values():
        cpu += sum(int(x) for x in fields[11:15]) / CLK_TCK  # utime, stime, cutime, cstime
        threads += int(fields[17])
    return cpu, threads


def group_runqueue_wait(pgid: int) -> float:
    """Seconds the threads of a process group spent ready to run but waiting for a CPU (schedstat): how much
    a busy machine held the server back, as opposed to the server having nothing to do."""
    total = 0
    for pid in _group(pgid):
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


class Sampler:
    """Samples a server's process group every 0.25 s: CPU seconds between marks, highest thread count."""

    def __init__(self, pgid: int):
        self.pgid = pgid
        self.max_threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.max_threads = max(self.max_threads, group_stats(self.pgid)[1])

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)

    def mark(self) -> tuple[float, float, float]:
        """(wall time, CPU seconds, run-queue wait seconds) now."""
        return time.monotonic(), group_stats(self.pgid)[0], group_runqueue_wait(self.pgid)

    @staticmethod
    def usage(start: tuple[float, ...], end: tuple[float, ...], mode: str = "gevent") -> dict:
        """CPU between two marks; the run-queue wait only for gevent, whose threads live as long as the
        server (threading mode's per-connection threads take their counts with them when they end)."""
        wall, cpu, wait = end[0] - start[0], end[1] - start[1], end[2] - start[2]
        return {"cpu_s": round(cpu, 2), "cpu_pct": round(100 * cpu / wall, 1) if wall > 0 else 0.0,
                "runqueue_wait_s": round(wait, 2) if mode == "gevent" else None}


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def or_na(value) -> str:
    return "n/a" if value is None else str(value)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- pages in-process -----------------------------------------------------------------------------


def page_app(database: Path, **extra):
    """The app on a new SQLite file with every table, for benches that time pages through Flask's test client
    (the whole request, no network): no Redis, limits counted in memory, no CSRF token to fetch, and no
    per-address cap (the test client leaves responses open)."""
    from workshop import create_app
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": SECRET_KEY,
                      "TESTING": True, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://",
                      "WTF_CSRF_ENABLED": False, "MAX_REQUESTS_PER_ADDRESS": 0, **extra})
    with app.app_context():
        db.create_all()
    return app


def timed_get(client, url: str, requests: int, warm_up: int = 3) -> tuple[list[float], float, list[float]]:
    """GET `url` `requests` times after `warm_up` ones (SQLite's page cache, compiled templates): the sorted wall
    times in ms (what a person waits), the very first one, and the sorted CPU times of this process (what the
    request costs, the same on a machine loaded by others)."""
    first, timings, cpu = None, [], []
    for index in range(requests + warm_up):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        first = first if first is not None else elapsed
        if index >= warm_up:
            timings.append(elapsed)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(timings), first, sorted(cpu)


# --- clients --------------------------------------------------------------------------------------


def new_client():
    import logging

    import socketio

    # A client the server dropped is counted as a disconnect; the library's own error lines add nothing.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
    return socketio.AsyncClient(reconnection=False, handle_sigint=False)


async def connect_and_join(sio, url: str, code: str, name: str, timeout: float = 30,
                           profile: dict | None = None) -> tuple[dict, float, float]:
    """Open a WebSocket to /board and join (with a "je viens de…" profile if given); returns (ack, connect
    seconds, join-ack seconds)."""
    started = time.monotonic()
    await asyncio.wait_for(sio.connect(url, transports=["websocket"], namespaces=[NAMESPACE], wait_timeout=timeout),
                           timeout)
    connected = time.monotonic()
    payload = {"code": code, "name": name, **({"profile": profile} if profile else {})}
    ack = await sio.call("join", payload, namespace=NAMESPACE, timeout=timeout)
    return ack, connected - started, time.monotonic() - connected


async def disconnect_all(clients: list, timeout: float = 20) -> None:
    async def leave(sio) -> None:
        try:
            await asyncio.wait_for(sio.disconnect(), 5)
        except Exception:  # noqa: BLE001  (the server may already be gone)
            pass

    try:
        await asyncio.wait_for(asyncio.gather(*(leave(c) for c in clients)), timeout)
    except TimeoutError:
        pass


def error_code(ack) -> str:
    if isinstance(ack, dict):
        return (ack.get("error") or {}).get("code", "unknown")
    return type(ack).__name__


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that `finally` blocks stop the server (it runs in its own session)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def print_json(result: dict) -> None:
    """The machine-readable line run_all.py reads."""
    print("RESULT " + json.dumps(result), flush=True)


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


def relay_command(port: int, worker_connections: int = 2000) -> list[str]:
    """The bare relay (bench/relay_server.py) under the same gunicorn worker and settings as `make serve`."""
    command = server_command("gevent", port, worker_connections)
    return [*command[:-1], "--chdir", str(BENCH), "relay_server:app"]


def relay_env() -> dict:
    """The relay imports nothing of ours but gunicorn's worker class (workshop.serving) lives in the tree."""
    return {"PYTHONPATH": str(ROOT)}
