"""The Redis message queue that joins server processes, made to survive a Redis outage.

python-socketio's RedisManager already delivers to this process's own screens before publishing, but while
Redis is down it logged two errors per event, and its listener waited 1, 2, 4... up to 60 s between attempts to
subscribe again: after Redis returned a process could stay deaf to the others for 7-12 s. Here the listener
retries every RETRY_MAX seconds at most, and each outage is logged once (and its end once).

Board events do not travel on this queue (live/cluster.py has its own channel), and what a process's screens
missed during an outage reaches them from the event log (live/relay.py), so nothing is asked of the screens when
the subscription comes back: asking every screen to `resync` at once was a storm that the per-address limits
refused."""

from __future__ import annotations

import logging
import time

from socketio import RedisManager

from workshop import redisopts

log = logging.getLogger(__name__)

RETRY_FIRST = 0.1
RETRY_MAX = 0.5  # resume within ~0.5 s of Redis's return (the issue asks 2 s), at the cost of a refused connect
PUBLISH_RETRY = 1.0  # while Redis is down, publishing is tried again at most this often (else skipped at once)


class ResilientRedisManager(RedisManager):
    def __init__(self, *args, **kwargs):
        # An unreachable Redis host (not a refused port) must not hold an event's greenlet for the OS's connect
        # timeout (minutes): 1 s, then the event stays local.
        kwargs.setdefault("redis_options", {**redisopts.options(), "socket_keepalive": True})
        super().__init__(*args, **kwargs)
        self.publishing = redisopts.Outage(
            log, "message queue unreachable (%s): events reach this process's screens only",
            "message queue back for publishing after %.1f s", retry_after=PUBLISH_RETRY)

    def _publish(self, data):
        if not self.publishing.usable():
            return None  # still down: this process's screens already have it (delivered before publishing)
        try:
            if not self.connected:
                self._redis_connect()
            result = redisopts.publish(self.redis, self.channel, self.json.dumps(data))
        except Exception as error:  # noqa: BLE001  (any failure of Redis: the event stays local)
            self.connected = False
            self.publishing.failed(error)
            return None
        self.publishing.succeeded()
        return result

    def _redis_listen_with_retries(self):
        pause, lost_at, subscribed = RETRY_FIRST, None, False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    if lost_at is not None:
                        log.warning("message queue subscription back after %.1f s", time.monotonic() - lost_at)
                        lost_at, pause = None, RETRY_FIRST
                yield from self.pubsub.listen()
            except Exception as error:  # noqa: BLE001
                subscribed = False
                if lost_at is None:
                    lost_at = time.monotonic()
                    log.warning("message queue subscription lost (%s): retrying every %.1f s at most",
                                error.__class__.__name__, RETRY_MAX)
                time.sleep(pause)  # gevent-patched in the server: a greenlet sleep
                pause = min(pause * 2, RETRY_MAX)
