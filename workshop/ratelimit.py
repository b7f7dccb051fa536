"""Rate limits for things Flask-Limiter does not see (socket events, failed joins and logins).

Uses the `limits` library (the engine under Flask-Limiter) with the same storage: memory, or Redis
when REDIS_URL is set so that several processes share the counts.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workshop.errors import RateLimited


class SweepingMemoryStorage(MemoryStorage):
    """limits' MemoryStorage, minus a new timer thread (a greenlet under gevent) on nearly every hit: that
    cost 3-5 ms per card. Expired entries are swept inline instead, at most once per SWEEP_SECONDS."""

    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, **options):
        super().__init__(uri, **options)
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def init_app(app: Flask) -> None:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    storage = SweepingMemoryStorage() if uri.startswith("memory://") else storage_from_string(uri)
    app.extensions["passerelles.ratelimit"] = MovingWindowRateLimiter(storage)


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def hit(setting: str, *keys: str | int) -> bool:
    """Count one attempt against the limit named by a config setting; False when over it."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    return limiter.hit(_limit(current_app.config[setting]), setting, *map(str, keys))


def allowed(setting: str, *keys: str | int) -> bool:
    """Whether the next attempt would pass, without counting one."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    return limiter.test(_limit(current_app.config[setting]), setting, *map(str, keys))


def enforce(setting: str, *keys: str | int) -> None:
    if not hit(setting, *keys):
        raise RateLimited()
