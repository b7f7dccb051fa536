"""Rate limits for things Flask-Limiter does not see (socket events, failed joins and logins).

Uses the `limits` library (the engine under Flask-Limiter) with the same storage: memory, or Redis
when REDIS_URL is set so that several processes share the counts.
"""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workshop.errors import RateLimited


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    app.extensions["passerelles.ratelimit"] = MovingWindowRateLimiter(storage)


def hit(setting: str, *keys: str | int) -> bool:
    """Count one attempt against the limit named by a config setting; False when over it."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    return limiter.hit(parse(current_app.config[setting]), setting, *map(str, keys))


def allowed(setting: str, *keys: str | int) -> bool:
    """Whether the next attempt would pass, without counting one."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    return limiter.test(parse(current_app.config[setting]), setting, *map(str, keys))


def enforce(setting: str, *keys: str | int) -> None:
    if not hit(setting, *keys):
        raise RateLimited()
