"""A private redis-server for process-level tests, that a test can stop (an outage) and start again on the
same port."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.serverproc import free_port


class RedisServer:
    def __init__(self, tmp_dir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed (bash .ci/system-deps installs it)")
        self.dir = tmp_dir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
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
