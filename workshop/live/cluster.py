"""Several server processes on one Redis (REDIS_URL): board events in seq order on every screen, shared presence.

Ordering. A process commits an event, then publishes it; two processes committing seqs 7 and 8 one after the other
may publish 8 first (the database's row lock is released at commit, before the publish). So no process sends an
event to its screens straight away: every process, its own events included, delivers from this module's Redis
channel, and holds an event that comes early until the ones before it have come (order.py). Redis gives
every subscriber the messages in one order, and the hold turns that order into seq order; one message per event
(visibility views included) costs one publish per event, not one per room and per owner as the socket library's
queue did. Batching of high-rate events happens after the hold, on each process (fanout.py). While Redis cannot
carry them, each process reads what the others committed from the event log (relay.py) and delivers it, and its
own events, through the same hold: its screens still get every event in seq order, without asking.

Presence. Each socket is a field `<host>:<sid>` of the hash `presence:<workshop>`. A process is dead when its
subscription is gone or its heartbeat has stopped, and its entries are then removed by the first survivor to notice
(at its next beat, every HEARTBEAT seconds), which tells the board (presence and balance):
- the subscription: each process's listener also subscribes to its own channel `alive:<host>`; when the process
  dies (kill -9, a crash, out of memory), its kernel closes the connection and Redis drops the subscription at once,
  so survivors see it within a heartbeat (`PUBSUB NUMSUB`, in the same round trip as the heartbeat keys). A process
  starved of CPU keeps its connection, so it is not taken for dead this way;
- the heartbeat key (`host:<host>`, HOST_TTL_MS), refreshed every HEARTBEAT seconds: for a death Redis cannot see
  (the machine or its network gone, the connection left half-open), 2 s.
A process adds itself to the hosts that survivors watch only while subscribed: after Redis restarts (everything
lost), a process is not taken for dead in the instant before its listener subscribes again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis

from workshop import redisopts
from workshop.extensions import socketio
from workshop.live import order

log = logging.getLogger(__name__)

CHANNEL = "passerelles:board-events"
PREFIX = "passerelles:"
HEARTBEAT = 0.25  # seconds between two refreshes of this process's heartbeat key
HOST_TTL_MS = 2000  # a process silent this long is dead: its screens leave presence (a busy one can be
# starved of CPU for a second on a loaded machine: 12 false deaths in 10 s at load 16 with 1,000 ms)
RESUBSCRIBE = 0.5  # seconds between two attempts to subscribe again after an outage
RETRY_AFTER = 1.0  # after a failed call, Redis is skipped this long (the heartbeat keeps probing it meanwhile)

host_id = uuid.uuid4().hex[:12]
_client: redis.Redis | None = None
_url: str | None = None
_start_lock = threading.Lock()
_started = False
_listening = False  # the listener is subscribed right now (its host channel shows this process alive)
_on_host_lost: Callable[[int], None] | None = None  # a dead process's screens left this board
on_revived: Callable[[], None] | None = None  # this process was taken for dead: share its screens again
kept_local: Callable[[int, bool], None] | None = None  # relay.py: events stayed here (and a hole waits or not)
background: list[Callable[[], None]] = []  # loops that start with the listener (relay.py)
_outage = redisopts.Outage(log, "Redis unreachable (%s): each process serves its own screens",
                           "Redis back after %.1f s", retry_after=RETRY_AFTER)


def configure(url: str | None, deliver: Callable[[int, list[dict]], None],
              on_host_lost: Callable[[int], None]) -> None:
    global _client, _url, _on_host_lost, _started
    _url, _on_host_lost = url, on_host_lost
    order.deliver = deliver
    # No retries inside a call (redisopts): a failed call makes the next ones skip Redis for a while (`usable`).
    _client = redis.Redis.from_url(url, socket_timeout=2, **redisopts.options()) if url else None
    _started = False


def usable() -> bool:
    """Redis is set and not known to be down: while it is, each process serves its own screens at once instead
    of every event and join waiting on a dead connection."""
    return _client is not None and _outage.usable()


def failed(error: Exception) -> None:
    """A call to Redis failed: skip it for RETRY_AFTER seconds; the outage is logged once."""
    _outage.failed(error)


def succeeded() -> None:
    """A call to Redis worked: after an outage, share this process's screens again (joins during the outage
    were kept here only; a restarted Redis has lost them all)."""
    if _outage.succeeded() and on_revived:
        on_revived()


def listening() -> bool:
    """Whether the listener is subscribed right now (else events of other processes cannot come)."""
    return _listening


def enabled() -> bool:
    return _client is not None


def client() -> redis.Redis:
    assert _client is not None
    return _client


def start() -> None:
    """Subscribe and start the heartbeat, once per process, before this process's first screen is told anything:
    the subscription is in place when `start` returns, so no event published afterwards can be missed."""
    global _started
    if _started or _client is None:
        return
    with _start_lock:
        if _started:
            return
        pubsub = _subscribe()
        beat()
        socketio.start_background_task(_listen, pubsub)
        socketio.start_background_task(_heartbeat)
        for loop in background:
            socketio.start_background_task(loop)
        _started = True


def _subscribe():
    """A subscription on its own connection, without the read timeout of commands: a quiet board is no error.
    Its host channel is how the others see this process alive (the connection closes when the process dies)."""
    global _listening
    listener = redis.Redis.from_url(_url, socket_keepalive=True, health_check_interval=30, **redisopts.options())
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL, _host_channel(host_id))
    pubsub.get_message(timeout=1)  # the confirmation: subscribed at Redis before this process says it is alive
    _listening = True
    return pubsub


def publish(workshop_id: int, items: list[dict]) -> None:
    """Send events (each {"seq", "views"...}) to every process, this one included."""
    start()
    message = json.dumps({"w": workshop_id, "items": items}, separators=(",", ":"))
    redisopts.publish(_client, CHANNEL, message)
    succeeded()


def local(workshop_id: int, items: list[dict]) -> None:
    """This process's own events, which Redis could not carry: through the same hold as the channel's, and the
    events of other processes before them from the log at once (not at the next relay pass)."""
    order.received({"w": workshop_id, "items": items})
    if kept_local:
        kept_local(workshop_id, order.hole(workshop_id))


# --- the listener: seq order per board ----------------------------------------------------------------

def _listen(pubsub) -> None:
    """Deliver what the channel brings, for ever: after an outage, subscribe again every RESUBSCRIBE seconds.
    (A PubSub closed by a failure lists nothing and returns at once: looping on it without a pause froze the
    whole process, every board of it, for the length of a Redis outage.)"""
    global _listening
    lost = False
    while True:
        try:
            if pubsub is None:
                pubsub = _subscribe()
                if lost:
                    log.warning("board events listener: subscribed again")
                    lost = False
            for message in pubsub.listen():
                if message.get("type") == "message":
                    order.received(json.loads(message["data"]))
            raise redis.ConnectionError("subscription ended")
        except Exception as error:  # noqa: BLE001  (the listener must outlive any failure of Redis)
            _listening = False
            if not lost:
                log.warning("board events listener: Redis unreachable (%s)", type(error).__name__)
                lost = True
            if pubsub is not None:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass
            pubsub = None
            socketio.sleep(RESUBSCRIBE)


# --- heartbeat: which processes are alive -----------------------------------------------------------

def beat() -> tuple[bool, set[str]]:
    """Refresh this process's heartbeat key and, while subscribed, its place among the hosts, in one round trip;
    returns (whether it had to be added back to the hosts, every host)."""
    pipe = _client.pipeline(transaction=False)
    pipe.set(PREFIX + "host:" + host_id, "1", px=HOST_TTL_MS)
    if _listening:
        pipe.sadd(PREFIX + "hosts", host_id)
    pipe.smembers(PREFIX + "hosts")
    replies = pipe.execute()
    return bool(_listening and replies[1]), {h.decode() for h in replies[-1]}


def _heartbeat() -> None:
    while True:
        socketio.sleep(HEARTBEAT)
        try:
            added, hosts = beat()
            if added and on_revived:  # buried (starved of CPU, or Redis restarted): come back
                log.warning("presence: this process was taken for dead, sharing its screens again")
                on_revived()
            _bury_dead_hosts(hosts)
        except Exception as error:  # noqa: BLE001  (any failure of Redis: probed again at the next beat)
            failed(error)
        else:
            succeeded()


def alive(hosts: set[str]) -> set[str]:
    hosts = sorted(hosts)
    if not hosts:
        return set()
    flags = _client.mget([PREFIX + "host:" + h for h in hosts])
    return {h for h, flag in zip(hosts, flags, strict=True) if flag is not None}


def _dead(hosts: set[str]) -> set[str]:
    """The hosts whose subscription is gone or whose heartbeat key has expired (one round trip)."""
    hosts = sorted(hosts)
    if not hosts:
        return set()
    pipe = _client.pipeline(transaction=False)
    pipe.mget([PREFIX + "host:" + h for h in hosts])
    pipe.pubsub_numsub(*(_host_channel(h) for h in hosts))
    flags, subscribed = pipe.execute()
    return {h for h, flag, (_channel, n) in zip(hosts, flags, subscribed, strict=True) if flag is None or not n}


def _bury_dead_hosts(hosts: set[str]) -> None:
    """Remove the screens of dead processes; the first survivor to notice tells the boards."""
    for dead in _dead(hosts - {host_id}):
        if not _client.srem(PREFIX + "hosts", dead):
            continue  # another survivor buries it
        boards_key = PREFIX + "host-boards:" + dead
        for raw in _client.smembers(boards_key):
            workshop_id = int(raw)
            _forget(dead, presence_key(workshop_id))
            if _on_host_lost:
                _on_host_lost(workshop_id)
        _client.delete(boards_key)


def _forget(dead: str, key: str) -> None:
    """Remove a dead host's screens from a board, unless it is alive after all (beating and subscribed: its screens
    stay; had it been removed meanwhile, it shares them again when it sees it was taken for dead)."""
    with _client.pipeline() as pipe:
        try:
            pipe.watch(PREFIX + "host:" + dead)
            if pipe.exists(PREFIX + "host:" + dead) and _dead({dead}) == set():
                return
            fields = [f for f in pipe.hkeys(key) if f.decode().startswith(dead + ":")]
            pipe.multi()
            if fields:
                pipe.hdel(key, *fields)
            bump_version(pipe, key)
            pipe.execute()
        except redis.WatchError:
            pass


def bump_version(pipe, key: str) -> None:
    """The next version of a board's presence. Screens keep the newest they saw: a Redis restarted empty must not
    start again from 1 (every later message would be ignored), so a missing counter starts from the clock."""
    pipe.set(key + ":v", int(time.time() * 1000) * 1000, nx=True)
    pipe.incr(key + ":v")


def _host_channel(host: str) -> str:
    return f"{PREFIX}alive:{host}"


def presence_key(workshop_id: int) -> str:
    return f"{PREFIX}presence:{workshop_id}"
