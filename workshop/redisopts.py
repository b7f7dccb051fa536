"""The options of every Redis client of the web process (rate limits, message queue, board events)."""

from __future__ import annotations

from redis.backoff import NoBackoff
from redis.retry import Retry


def options() -> dict:
    """Fail at once while Redis is down. redis-py retries a failed call 10 times with back-off by default (about
    4 s per call with Redis stopped): a card's answer waited for the rate limiter, then the message queue, past
    its client's timeout. Each caller has its own fallback and tries Redis again on its own schedule."""
    return {"socket_connect_timeout": 1, "retry": Retry(NoBackoff(), 0)}
