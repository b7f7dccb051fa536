"""Running the application's processes on one machine: free ports, waiting for a server to answer, a private
redis-server. One home for `make run-cluster` (deploy/cluster.py), the process-level tests (tests/serverproc.py,
tests/redisproc.py, tests/cluster_harness.py) and the benches, which each kept a copy of these."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

REDIS_MISSING = "redis-server is not installed (make system-deps installs it)"


# Each user of free ports has its range, so that they may run together on one machine: the process-level tests'
# servers 5200-5299 (the default; .ci/run's PostgreSQL 5290-5299), the benches 5300-5399 (bench/common.py) and
# 5400-5499 (bench/fac_common.py), the browser tests theirs in 5400-5999, a private PostgreSQL 5450-5499,
# Redis 6380-6499, `make run-cluster`'s processes 8001-8999. low=0: ports the system chooses (its ephemeral
# range, out of all of those; two callers at once get different ones).
def free_ports(count: int, low: int = 5200, high: int = 5299, exclude: tuple[int, ...] = ()) -> list[int]:
    """`count` ports of low-high that nobody listens on right now. SO_REUSEADDR: a port a stopped server left
    in TIME_WAIT is free for the next one."""
    if low == 0:
        return _system_ports(count)
    ports = []
    for port in range(low, high + 1):
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
