"""Rate limits for things Flask-Limiter does not see (socket events, PDF renders, failed joins and logins).

Uses the `limits` library (the engine under Flask-Limiter) with the same storage: memory, or Redis
when REDIS_URL is set so that several processes share the counts. RATELIMIT_ENABLED=False (Flask-Limiter's own
switch, for benches) lifts the limits that refuse (`hit`, `allowed`) here too, so that one setting turns every
refusal off; failed joins and logins are still slowed down, a switch for load tests must not open passwords.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask import Flask, current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workshop import redisopts
from workshop.errors import RateLimited
from workshop.extensions import socketio

log = logging.getLogger(__name__)
COUNTING = 1_000_000  # a limit no one reaches: its window stats give the plain count of hits


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


class FallingBackLimiter:
    """The shared limiter (Redis), or this process's own counts while the shared storage does not answer.

    A Redis outage must not stop a board: every `card.add` answered `internal` and `GET /j/<code>` 500. Counting
    goes on in memory for the outage (a flood is still bounded, per process), with one log line when it starts
    and one when it ends, not one per request; the shared storage is tried again at most every RETRY_SECONDS."""

    RETRY_SECONDS = 1.0

    def __init__(self, shared: MovingWindowRateLimiter):
        self.shared = shared
        self.local = MovingWindowRateLimiter(SweepingMemoryStorage())
        self.outage = redisopts.Outage(
            log, "rate limit storage unreachable (%s): counting in this process until it answers",
            "rate limit storage back after %.1f s", retry_after=self.RETRY_SECONDS)

    @property
    def storage(self):
        return self.local.storage if self.outage.down else self.shared.storage

    def _call(self, name: str, *args, **kwargs):
        if self.outage.usable():
            try:
                result = getattr(self.shared, name)(*args, **kwargs)
            except Exception as error:  # noqa: BLE001  (redis, limits' StorageError: any failure of the storage)
                self.outage.failed(error)
            else:
                self.outage.succeeded()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def hit(self, *args, **kwargs):
        return self._call("hit", *args, **kwargs)

    def test(self, *args, **kwargs):
        return self._call("test", *args, **kwargs)

    def get_window_stats(self, *args, **kwargs):
        return self._call("get_window_stats", *args, **kwargs)


def init_app(app: Flask) -> None:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        app.extensions["passerelles.ratelimit"] = MovingWindowRateLimiter(SweepingMemoryStorage())
    else:
        storage = storage_from_string(uri, **redisopts.options())
        app.extensions["passerelles.ratelimit"] = FallingBackLimiter(MovingWindowRateLimiter(storage))


@lru_cache(maxsize=64)
def _limits(text: str) -> tuple[RateLimitItem, ...]:
    """Every window of a setting: "40/second;400/10 seconds" bounds a burst as well as the total."""
    return tuple(parse_many(text))


def _enabled(app: Flask) -> bool:
    return app.config.get("RATELIMIT_ENABLED", True)


def hit(setting: str, *keys: str | int, cost: int = 1, app: Flask | None = None) -> bool:
    """Count one attempt (worth `cost`) against the limit(s) named by a config setting; False when over one.
    `app`: counted without an application context (a socket event refused before any is pushed).

    The windows are hit in the order the setting writes them, and the first that refuses ends the count, as
    Flask-Limiter does by default: a refused attempt did no work, so it is not counted in the windows after it
    (a burst refused by "20/minute" must not use up "200/hour", which would keep a client that slowed down
    refused for the hour); the windows before it keep it, which only makes them a little stricter."""
    app = app or current_app
    if not _enabled(app):
        return True
    limiter: MovingWindowRateLimiter = app.extensions["passerelles.ratelimit"]
    ids = (setting, *map(str, keys))
    return all(_hit(limiter, item, ids, cost) for item in _limits(app.config[setting]))


def _hit(limiter: MovingWindowRateLimiter, item: RateLimitItem, ids: tuple[str, ...], cost: int) -> bool:
    if limiter.hit(item, *ids, cost=min(cost, item.amount)):
        return True
    for _unit in range(cost - 1):  # a cost larger than what is left still fills the window, one unit at a time
        if not limiter.hit(item, *ids):
            break
    return False


def allowed(setting: str, *keys: str | int) -> bool:
    """Whether the next attempt would pass, without counting one."""
    if not _enabled(current_app):
        return True
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    ids = (setting, *map(str, keys))
    return all(limiter.test(item, *ids) for item in _limits(current_app.config[setting]))


def enforce(setting: str, *keys: str | int) -> None:
    if not hit(setting, *keys):
        raise RateLimited()


def hit_all(setting: str, keys: dict[str, str | int | None], cost: int = 1, app: Flask | None = None) -> bool:
    """Count one action against the limit `setting` for each of its owners (participant, socket...) and the
    limit `setting`_PER_ADDRESS for the address; False as soon as one is over (later ones are not counted)."""
    for kind, key in keys.items():
        if key is None:
            continue
        name = f"{setting}_PER_ADDRESS" if kind == "address" else setting
        if not hit(name, kind, key, cost=cost, app=app):
            return False
    return True


def allowed_all(setting: str, keys: dict[str, str | int | None]) -> bool:
    """Whether `hit_all` would let one more through, without counting it."""
    return all(allowed(f"{setting}_PER_ADDRESS" if kind == "address" else setting, kind, key)
               for kind, key in keys.items() if key is not None)


# --- Failures that slow down, never lock out ------------------------------------------------------------
# A wrong code or password is counted in every window of its setting ("20/minute;100/hour": 20 free failures a
# minute, 100 an hour); beyond the free ones of any window, each attempt waits a delay that doubles, bounded by
# FAILURE_DELAY_MAX. The right answer is never refused: a classroom behind one address keeps joining while a
# guesser is slowed down.


def _counting(setting: str) -> tuple[tuple[RateLimitItem, RateLimitItem], ...]:
    """Each window of `setting`, with a limit no one reaches in the same window (its stats give the count)."""
    return tuple((item, type(item)(COUNTING, item.multiples, item.namespace))
                 for item in _limits(current_app.config[setting]))


def _over(limiter, setting: str, keys: tuple[str, ...]) -> int:
    """How far the fullest window is past its free failures: negative while every window has some left."""
    return max(COUNTING - limiter.get_window_stats(counter, setting, *keys).remaining - item.amount
               for item, counter in _counting(setting))


def count(setting: str, *keys: str | int) -> int:
    """Count one more failure (or attempt) in every window of `setting`, then return how far past its free
    failures the fullest window is (see `delay_for`), in one step."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    ids = tuple(map(str, keys))
    for _item, counter in _counting(setting):
        limiter.hit(counter, setting, *ids)
    return _over(limiter, setting, ids)


def counted(setting: str, *keys: str | int) -> int:
    """As `count`, without counting one."""
    return _over(current_app.extensions["passerelles.ratelimit"], setting, tuple(map(str, keys)))


def forget(setting: str, *keys: str | int) -> None:
    """Start counting afresh (a right password clears its account's failures)."""
    limiter: MovingWindowRateLimiter = current_app.extensions["passerelles.ratelimit"]
    try:
        for _item, counter in _counting(setting):
            limiter.storage.clear(counter.key_for(setting, *map(str, keys)))
    except Exception:  # noqa: BLE001  (the shared storage is down: its count expires with its window)
        log.debug("could not clear %s", setting)


def delay_for(over: int) -> float:
    """Seconds the next attempt waits when the fullest window is `over` past its free failures: 0 while free,
    then doubling, bounded."""
    if over < 0:
        return 0.0
    cfg = current_app.config
    return min(cfg["FAILURE_DELAY_MAX"], cfg["FAILURE_DELAY_BASE"] * 2 ** min(over, 30))


def failed(setting: str, *keys: str | int) -> None:
    """Count a failure and answer it late, the later the more failures (a wrong join code)."""
    pause(delay_for(count(setting, *keys)))


def pause(seconds: float) -> None:
    """Wait without holding the server: a greenlet sleep under gevent, a thread sleep otherwise."""
    if seconds > 0:
        socketio.sleep(seconds)


_in_flight: Counter[tuple[str, str]] = Counter()
_in_flight_lock = threading.Lock()


@contextmanager
def at_most(limits: dict[tuple[str, str], int], message: str | None = None) -> Iterator[None]:
    """At most n runs in flight per key, in this process: one more is refused at once with `rate_limited`,
    never queued, so a burst of concurrent requests cannot make n checks or hold the server n times."""
    with _in_flight_lock:
        if any(_in_flight[key] >= n for key, n in limits.items()):
            raise RateLimited(message)
        _in_flight.update(limits.keys())
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight.subtract(limits.keys())
            for key in limits:
                if _in_flight[key] <= 0:
                    del _in_flight[key]


def one_at_a_time(kind: str, key: str):
    """At most one check in flight per key (one password check per account)."""
    return at_most({(kind, key): 1},
                   _("Une vérification est déjà en cours pour ce compte : réessayez dans un instant."))
