"""Delivery of board events to screens, with coalescing of high-rate events.

A dot-vote storm is ~90 events/s; sending each one to 300 screens is 27,000 socket messages a second. Events
whose type is declared `batched` wait up to DELAY seconds and go out together as one `events` message (a list, in seq
order) per screen; any other event first flushes what waits, so every screen still gets seqs in order. A lone
event always goes out as a plain `event` message (DESIGN.md §4).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from workshop.extensions import socketio
from workshop.live import presence

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


def send(workshop_id: int, item: Item, *, batched: bool) -> None:
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
    socketio.emit(name, pack([i.moderators for i in items]), to=presence.moderators_room(workshop_id),
                  skip_sid=skip, namespace=presence.NAMESPACE)
    socketio.emit(name, pack([i.participants for i in items]), to=presence.room(workshop_id), skip_sid=skip,
                  namespace=presence.NAMESPACE)
    for sid, moderator in skipped.items():
        views = [i.own if sid in i.owner_sids else (i.moderators if moderator else i.participants) for i in items]
        socketio.emit(name, pack(views), to=sid, namespace=presence.NAMESPACE)
