"""Delivery of board events to screens, with coalescing of high-rate events.

A dot-vote storm is ~90 events/s; sending each one to 300 screens is 27,000 socket messages a second. Events
whose type is declared `batched` wait up to DELAY seconds and go out together as one `events` message (a list, in seq
order) per screen; any other event first flushes what waits, so every screen still gets seqs in order. A lone
event always goes out as a plain `event` message (DESIGN.md §4).

With several processes (REDIS_URL), an event is published once, with its views, and every process delivers it
to its own screens from the Redis channel in seq order (cluster.py); the owner's sockets are found on each process.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from workshop.extensions import socketio
from workshop.live import cluster, presence

DELAY = 0.25

_lock = threading.Lock()
_emit_locks: dict[int, threading.RLock] = defaultdict(threading.RLock)
_pending: dict[int, list[Item]] = {}


@dataclass
class Item:
    """One event as each kind of screen may see it: moderators, participants, and its owner's sockets."""

    moderators: dict
    participants: dict
    owner_sids: list[str] = field(default_factory=list)
    owner_is_moderator: bool = False
    own: dict | None = None
    owner: int | None = None  # the owner's participant id: their sockets may be on any process


def send(workshop_id: int, item: Item, *, batched: bool) -> None:
    if cluster.enabled():
        published = {"seq": item.moderators["seq"], "m": item.moderators, "p": item.participants, "o": item.owner,
                     "om": item.owner_is_moderator, "own": item.own, "b": batched}
        if cluster.usable():
            try:
                cluster.publish(workshop_id, [published])
                return
            except Exception as error:  # noqa: BLE001  (Redis unreachable: the event is committed all the same)
                cluster.failed(error)
        deliver(workshop_id, [published])  # this process's screens get it at least; the others catch up later
        cluster.delivered_here(workshop_id, published["seq"])
        return
    _queue(workshop_id, item, batched=batched)


def deliver(workshop_id: int, published: list[dict]) -> None:
    """Events from the Redis channel, in seq order: to this process's screens, each in the view it may see."""
    for p in published:
        sids = presence.sids_of(workshop_id, p["o"]) if p["o"] is not None and p["own"] is not None else []
        _queue(workshop_id, Item(p["m"], p["p"], sids, p["om"], p["own"], p["o"]), batched=p["b"])


def _queue(workshop_id: int, item: Item, *, batched: bool) -> None:
    if batched:
        with _lock:
            first = workshop_id not in _pending
            _pending.setdefault(workshop_id, []).append(item)
        if first:
            socketio.start_background_task(_flush_later, workshop_id)
        return
    with _emit_locks[workshop_id]:
        flush(workshop_id)
        _emit(workshop_id, [item])


def flush(workshop_id: int) -> None:
    with _emit_locks[workshop_id]:
        with _lock:
            items = _pending.pop(workshop_id, None)
        if items:
            _emit(workshop_id, items)


def _flush_later(workshop_id: int) -> None:
    socketio.sleep(DELAY)
    flush(workshop_id)


def _emit(workshop_id: int, items: list[Item]) -> None:
    name = "event" if len(items) == 1 else "events"
    pack = (lambda views: views[0]) if len(items) == 1 else (lambda views: views)
    skipped: dict[str, bool] = {}
    for item in items:
        skipped.update(dict.fromkeys(item.owner_sids, item.owner_is_moderator))
    skip = list(skipped) or None
    emit = socketio.server.emit  # this process's screens only (ignore_queue): others deliver from the channel
    emit(name, pack([i.moderators for i in items]), to=presence.moderators_room(workshop_id), skip_sid=skip,
         namespace=presence.NAMESPACE, ignore_queue=True)
    emit(name, pack([i.participants for i in items]), to=presence.room(workshop_id), skip_sid=skip,
         namespace=presence.NAMESPACE, ignore_queue=True)
    for sid, moderator in skipped.items():
        views = [i.own if sid in i.owner_sids else (i.moderators if moderator else i.participants) for i in items]
        emit(name, pack(views), to=sid, namespace=presence.NAMESPACE, ignore_queue=True)
