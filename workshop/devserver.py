"""Running the application's processes on one machine: free ports, waiting for a server to answer, a private
redis-server, a private PostgreSQL. One home for `make run-cluster` (deploy/cluster.py), the process-level tests
(tests/serverproc.py, tests/redisproc.py, tests/cluster_harness.py, tests/test_cluster.py) and the benches, which
each kept a copy of these."""

from __future__ import annotations

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

REDIS_MISSING = "redis-server is not installed (make system-deps installs it)"


# The callers' ranges do not overlap, so that the tests, a bench and `make run-cluster` may run together on one
# machine, and a Redis or PostgreSQL stopped for an outage is not taken by a caller of another range meanwhile:
#   5200-5299  the default: the process-level tests' servers and the browser tests' shared one (.ci/run's
#              PostgreSQL takes one of 5290-5299 before the suite starts)
#   5300-5399  the benches, everything they start (bench/common.PORTS; they run one at a time)
#   5400-5449  tests/facilitation/test_facilitation_browser.py
#   5450-5499  a private PostgreSQL (PostgresServer's default: tests/test_cluster.py)
#   5500-5509  `make run-cluster`'s PostgreSQL (deploy/cluster.py), 6380-6399 its Redis, 8001-8999 its processes
#   5510-5999  browser test modules with a server of their own, a range each: 5510-5549 practices, 5600-5649
#              toolkits, 5650-5669 mail, 5670-5699 pages, 5700-5749 no script, 5750-5799 map, 5800-5829 planted
#              script, 5830-5849 formats, 5850-5869 co-editing, 5870-5899 accessibility, 5950-5979 programme,
#              5980-5999 showcase
#   6400-6449  the tests' Redis (tests/redisproc.py), 6450-6499 the cluster test's (tests/cluster_harness.py)
# Within a range, callers that may run at once (xdist workers) find a port nobody listens on. low=0: a port the
# system chooses from its ephemeral range, out of all of these (distinct within one call).
def free_ports(count: int, low: int = 5200, high: int = 5299, exclude: tuple[int, ...] = ()) -> list[int]:
    """`count` ports of low-high that nobody listens on right now. SO_REUSEADDR: a port a stopped server left
    in TIME_WAIT is free for the next one."""
    if low == 0:
        return _system_ports(count)
    ports, candidates = [], list(range(low, high + 1))
    # In a random order: callers of one range that pick at the same moment (two xdist workers starting servers)
    # took the same lowest free port, and the second server's health check was answered by the first's.
    random.shuffle(candidates)
    for port in candidates:
        if port in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"not {count} free ports in {low}-{high}")


def free_port(low: int = 5200, high: int = 5299, exclude: tuple[int, ...] = ()) -> int:
    return free_ports(1, low, high, exclude)[0]


def _system_ports(count: int) -> list[int]:
    """Ports the system hands out for port 0, all held until each is chosen (distinct)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_until_serving(proc: subprocess.Popen, url: str, timeout: float, interval: float = 0.1) -> bool:
    """Wait until the server answers 200 on its home page (True), or its process has exited (True: the caller
    reads the exit code), or the time is up (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return True
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(interval)
    return False


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def redis_command(binary: str, port: int, directory: Path) -> list[str]:
    """A private redis-server on 127.0.0.1:port, without persistence (a restart starts empty, as after a crash)."""
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(directory)]


class RedisServer:
    """A private redis-server that can be killed (an outage) and started again on the same port."""

    def __init__(self, port: int, directory: Path):
        self.binary = redis_binary()
        if self.binary is None:
            raise RuntimeError(REDIS_MISSING)
        self.port, self.dir = port, directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> RedisServer:
        """Start it and return once it answers PING."""
        self.proc = subprocess.Popen(redis_command(self.binary, self.port, self.dir),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, "redis-server exited at start"
                try:
                    if client.ping():
                        return self
                except redis.ConnectionError:
                    time.sleep(0.02)
            raise RuntimeError("redis-server did not answer")
        finally:
            client.close()

    def stop(self) -> None:
        """SIGKILL: an outage, not a tidy shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self) -> None:
        """SIGTERM: the end of its use."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class PostgresMissing(RuntimeError):
    pass


def postgres_bin() -> Path:
    """The newest /usr/lib/postgresql/*/bin with initdb (Debian's layout; PostgresMissing without one)."""
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if (Path(d) / "initdb").exists()]
    if not found:
        raise PostgresMissing("PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin; "
                              "make system-deps installs them)")
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def as_postgres(command: list[str]) -> list[str]:
    """initdb refuses root (and the server then refuses its files): as the postgres account when we are root,
    like .ci/run's as_pg."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


# A cluster thrown away after use: nothing to keep if the machine crashes. synchronous_commit stays on: off, a
# stop -m immediate (a test's outage) lost the last acknowledged cards, as a real crash would.
THROWAWAY = {"fsync": "off", "full_page_writes": "off", "max_connections": "100"}


class PostgresServer:
    """A private PostgreSQL cluster (initdb, pg_ctl) in a directory of its own, trust authentication on
    127.0.0.1, that can be stopped (an outage) and started again on the same port.

    `directory`: made here (by default a new temporary one, removed by close(); not under pytest's tmp_path,
    which the postgres account cannot enter when we are root: the caller of another one makes it reachable).
    `settings`: the server's -c settings."""

    def __init__(self, directory: Path | None = None, low: int = 5450, high: int = 5499, port: int | None = None,
                 settings: dict[str, str] | None = None):
        self.bin = postgres_bin()
        self.own_dir = directory is None
        self.dir = Path(tempfile.mkdtemp(prefix="passerelles-pg-")) if directory is None else directory
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.low, self.high = low, high
        self.port = port or free_port(low, high)
        self.settings = THROWAWAY if settings is None else settings

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(as_postgres([str(self.bin / args[0]), *args[1:]]), capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def _options(self) -> list[str]:
        settings = {"listen_addresses": "127.0.0.1", **self.settings}
        return ["-p", str(self.port), "-k", str(self.dir), *(f"-c{k}={v}" for k, v in settings.items())]

    def initdb(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        return self

    def command(self) -> list[str]:
        """The server in the foreground, for a caller that runs it among its own processes (a bench counts its
        CPU with theirs; pg_ctl would start it in a session of its own)."""
        return as_postgres([str(self.bin / "postgres"), "-D", str(self.data), *self._options()])

    def init(self) -> PostgresServer:
        """initdb, then start, on another free port of its range when another run on this machine took this
        one first."""
        self.initdb()
        tried, log = [self.port], self.dir / "server.log"
        while True:
            seen = log.stat().st_size if log.exists() else 0
            try:
                return self.start()
            except RuntimeError:
                told = log.read_bytes()[seen:].decode(errors="replace") if log.exists() else ""
                if "already in use" not in told or len(tried) == 5:
                    raise
                self.port = free_port(self.low, self.high, exclude=tuple(tried))
                tried.append(self.port)

    def start(self) -> PostgresServer:
        """Start and return once it accepts connections (pg_ctl -w)."""
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.dir / "server.log"),
                  "-o", " ".join(self._options()))
        return self

    def stop(self, mode: str = "immediate") -> None:
        """By default an outage: stop at once (as a crash; the next start recovers), every connection cut."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode)

    def close(self, mode: str = "immediate") -> None:
        """Stop it if it runs; remove its directory if it made it."""
        try:
            self.stop(mode)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
