"""A private redis-server for process-level tests, that a test can stop (an outage) and start again on the
same port; skipped where redis-server is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop import devserver
from workshop.devserver import free_port


class RedisServer(devserver.RedisServer):
    def __init__(self, tmp_dir: Path):
        if devserver.redis_binary() is None:
            pytest.skip("redis-server is not installed (bash .ci/system-deps installs it)")
        super().__init__(free_port(6400, 6449), tmp_dir)  # out of the servers' range: free while it is stopped
