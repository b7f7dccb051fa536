"""The options of every Redis client of the web process (rate limits, message queue, board events), and how each
of them lives through a Redis outage."""

from __future__ import annotations

import logging
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def options() -> dict:
    """Fail at once while Redis is down. redis-py retries a failed call 10 times with back-off by default (about
    4 s per call with Redis stopped): a card's answer waited for the rate limiter, then the message queue, past
    its client's timeout. Each caller has its own fallback and tries Redis again on its own schedule."""
    return {"socket_connect_timeout": 1, "retry": Retry(NoBackoff(), 0)}


def publish(client: redis.Redis, channel: str, message: str) -> int:
    """PUBLISH, tried once more on a new connection when it fails to connect: after a Redis restart the pool
    still holds connections to the old server, and with redis-py's own retries off (options()) the first
    call on one fails although Redis is back."""
    try:
        return client.publish(channel, message)
    except redis.ConnectionError:
        return client.publish(channel, message)


class Outage:
    """The state of one Redis client's outage, shared by every client of the web process: the first failure is
    logged once (not once per call), Redis is then skipped for `retry_after` seconds after each failure (every
    call would otherwise wait on a dead connection), and the end of the outage is logged once."""

    def __init__(self, log: logging.Logger, down: str, back: str, retry_after: float = 1.0):
        # `down` is formatted with the error's class name, `back` with the outage's length in seconds
        self.log, self.down_message, self.back_message = log, down, back
        self.retry_after = retry_after
        self.down_since: float | None = None  # Redis failed a call at this time and has not answered since
        self.retry_at = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def usable(self) -> bool:
        """Not known to be down, or down long enough to be tried again."""
        return self.down_since is None or time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            self.log.warning(self.down_message, type(error).__name__)
        self.retry_at = now + self.retry_after

    def succeeded(self) -> bool:
        """A call worked; True when it ended an outage (the caller may have state to restore)."""
        if self.down_since is None:
            return False
        self.log.warning(self.back_message, time.monotonic() - self.down_since)
        self.down_since = None
        return True
