"""Delivery of board events to screens: one by one to screens that speak the contract's `event`, in frames to
screens that asked for them, with coalescing of high-rate events.

Every delivery costs the server a socket write per screen (~30 µs in the socket library's per-socket path): 200
cards/s to 300 screens one by one would be 60,000 writes a second, more than a core. A screen that joined with
`"frames": true` (the browser's store, the benches) gets `events` messages instead: every event of a board that
comes within WINDOW seconds of the last frame waits for the next frame, so such a screen gets at most 1/WINDOW
frames a second however fast cards come, and a lone event still goes out at once. Each view of an event is
encoded once, and each frame is put together once per audience (moderators, participants) and once per owner's
socket from those encodings, whatever the number of screens.

Screens taking events one by one get them at once, except events whose type is declared `batched` (a dot-vote
storm is ~90 events/s): those wait up to DELAY seconds and go out together as one `events` message, and any other
event first flushes what waits, so every screen still gets seqs in order; a lone event is a plain `event`
(DESIGN.md §4). Framed screens get batched events DELAY seconds after the first one too, unless another event
comes first.

Why two waits, not one: they keep different promises. A framed screen asked for frames, so any of its events
may wait for the next one (WINDOW, a rate cap). A screen without frames was promised the contract's `event`, one
by one and at once: only a type declared `batched` may wait for it, and nothing else ever does (no WINDOW). The
two share Item, _emit and the rule that a non-batched event sends what waits before it, in seq order.

With several processes (REDIS_URL), an event is published once, with its views, and every process delivers it
to its own screens in seq order (order.py: from the Redis channel, or from the event log for what the channel did
not bring); the owner's sockets are found on each process.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from engineio import packet as eio_packet
from socketio import packet

from workshop.extensions import socketio
from workshop.live import cluster, presence, wire

DELAY = 0.25  # seconds a batched event may wait for others
WINDOW = 0.04  # seconds between two frames of one board: at most 25 frames a second per screen
PACE_MARGIN = 0.005  # seconds: see pace()

_lock = threading.Lock()
_emit_locks: dict[int, threading.RLock] = defaultdict(threading.RLock)
_pending: dict[int, list[Item]] = {}
_held: set[int] = set()  # boards whose batch is being broadcast (together)


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
        if cluster.usable():
            try:
                cluster.publish(workshop_id, [published(item, batched=batched)])
                return
            except Exception as error:  # noqa: BLE001  (Redis unreachable: the event is committed all the same)
                cluster.failed(error)
        # this process's screens, in order; the other processes read the log
        cluster.local(workshop_id, [published(item, batched=batched)])
        return
    _queue(workshop_id, item, batched=batched)


def published(item: Item, *, batched: bool) -> dict:
    """An event as the Redis channel carries it to every process (and the relay reads it from the log)."""
    return {"seq": item.moderators["seq"], "m": item.moderators, "p": item.participants, "o": item.owner,
            "om": item.owner_is_moderator, "own": item.own, "b": batched}


def deliver(workshop_id: int, published: list[dict]) -> None:
    """Events in seq order (order.py), from the Redis channel or the event log: to this process's screens, each in
    the view it may see."""
    for p in published:
        sids = presence.sids_of(workshop_id, p["o"]) if p["o"] is not None and p["own"] is not None else []
        _queue(workshop_id, Item(p["m"], p["p"], sids, p["om"], p["own"], p["o"]), batched=p["b"])


@dataclass
class _Frames:
    """A board's events waiting for the next frame, and when it is due."""

    items: list = field(default_factory=list)
    last: float = 0.0  # when the last frame went
    due: float | None = None  # when the next one goes (None: nothing waits)
    wake: threading.Event = field(default_factory=threading.Event)  # the due time came nearer


_frames: dict[int, _Frames] = {}


def idle() -> bool:
    """Nothing waits to be sent (tests wait for this between tests)."""
    with _lock:
        return not _pending and not any(f.items for f in _frames.values())


def pace(workshop_id: int) -> float:
    """Seconds between the starts of two batches of commands on a busy board (groupcommit.py), when every
    screen of the board takes frames (the browsers) and this process alone delivers its events: frames leave no
    faster. A little more than WINDOW, so that a batch's events find the last frame a whole WINDOW old and leave
    at once: at WINDOW exactly, each frame's few ms of lateness added up and the frames lagged the batches (at
    50 cards/s to 300 screens, card-to-screen p50 48 ms against 35 with the margin). 0 when a screen takes
    events one by one (promised at once) or other processes deliver too."""
    if cluster.enabled() or presence.has_unframed(workshop_id):
        return 0.0
    return WINDOW + PACE_MARGIN


def _queue(workshop_id: int, item: Item, *, batched: bool) -> None:
    if presence.has_framed(workshop_id):
        _frame(workshop_id, item, batched=batched)
    if not presence.has_unframed(workshop_id) and workshop_id not in _pending:
        return  # no screen takes events one by one here: nothing to send them so (1.8 % of the CPU per card)
    if batched:
        with _lock:
            first = workshop_id not in _pending
            _pending.setdefault(workshop_id, []).append(item)
        if first:
            socketio.start_background_task(_flush_later, workshop_id)
        return
    with _emit_locks[workshop_id]:
        flush(workshop_id)
        _emit(workshop_id, [item], framed=False)


def flush(workshop_id: int) -> None:
    with _emit_locks[workshop_id]:
        with _lock:
            items = _pending.pop(workshop_id, None)
        if items:
            _emit(workshop_id, items, framed=False)


def _flush_later(workshop_id: int) -> None:
    socketio.sleep(DELAY)
    flush(workshop_id)


def _frame(workshop_id: int, item: Item, *, batched: bool) -> None:
    """Add an event to the board's next frame: sent now when the last frame is older than WINDOW, else when
    WINDOW has passed since it (DELAY after the first, when only batched events wait)."""
    now = time.monotonic()
    with _lock:
        frames = _frames.setdefault(workshop_id, _Frames())
        frames.items.append(item)
        due = max(now, frames.last + WINDOW, now + DELAY if batched else now)
        if frames.due is not None:  # a frame is on its way: bring it nearer if this event may not wait
            if due < frames.due:
                frames.due = due
                frames.wake.set()
            return
        if due > now:
            frames.due = due
            frames.wake.clear()
        held = workshop_id in _held
    if due > now:
        socketio.start_background_task(_frame_later, workshop_id, frames)
    elif not held:
        _send_frame(workshop_id)


@contextmanager
def together(workshop_id: int) -> Iterator[None]:
    """The events of one batch as one frame: a frame due at once leaves after the last of them. Sent with the
    first, it left the others a whole WINDOW behind it (seen: each batch of two cards made two frames, 40 ms
    apart)."""
    with _lock:
        _held.add(workshop_id)
    try:
        yield
    finally:
        with _lock:
            _held.discard(workshop_id)
            frames = _frames.get(workshop_id)
            due_now = frames is not None and bool(frames.items) and frames.due is None
        if due_now:
            _send_frame(workshop_id)


def _frame_later(workshop_id: int, frames: _Frames) -> None:
    while True:
        with _lock:
            wait = frames.due - time.monotonic() if frames.due is not None else 0.0
            frames.wake.clear()
        if wait <= 0:
            break
        frames.wake.wait(wait)
    _send_frame(workshop_id)


def _send_frame(workshop_id: int) -> None:
    with _emit_locks[workshop_id]:
        with _lock:
            frames = _frames[workshop_id]
            items, frames.items = frames.items, []
            frames.due, frames.last = None, time.monotonic()
        if items:
            _emit(workshop_id, items, framed=True)


def _emit(workshop_id: int, items: list[Item], *, framed: bool) -> None:
    """Send events to this process's screens of one kind (framed or one by one), each in the view it may see:
    one encoding per audience, and one per socket of an event's owner (their own view)."""
    name = "event" if len(items) == 1 and not framed else "events"
    owners: dict[str, bool] = {}  # the owners' sockets of this kind, and whether each is a moderator
    for item in items:
        for sid in item.owner_sids:
            if presence.framed(workshop_id, sid) == framed:
                owners[sid] = item.owner_is_moderator
    texts: dict[int, str] = {}  # each view's JSON, made once for every frame it goes in (the owners' too)
    for moderators in (True, False):
        _send(presence.room(workshop_id, moderators=moderators, framed=framed), name,
              [i.moderators if moderators else i.participants for i in items], framed=framed, texts=texts,
              skip=owners)
    for sid, moderator in owners.items():
        _send(sid, name, [i.own if sid in i.owner_sids else (i.moderators if moderator else i.participants)
                          for i in items], framed=framed, texts=texts)


def _send(to: str, name: str, views: list[dict], *, framed: bool, texts: dict[int, str],
          skip: dict[str, bool] | None = None) -> None:
    """One message to a room (or a socket), but to `skip`: frames by the direct path when there is one (an owner's
    frames too, or they could overtake the room's), else through the socket library to this process's screens
    only (ignore_queue: the others deliver from the channel)."""
    if framed and wire.enabled:
        _write(to, name, views, skip or {}, texts)
        return
    socketio.server.emit(name, views if name == "events" else views[0], to=to, skip_sid=list(skip or ()) or None,
                         namespace=presence.NAMESPACE, ignore_queue=True)


def _write(room: str, name: str, data: list, skip: dict[str, bool], texts: dict[int, str]) -> None:
    """A frame to a room's screens (or one socket, `room` being its sid): its WebSocket frame built once, its
    bytes written to each (wire.py); a screen without a direct path gets it through engine.io, encoded once as
    well. Every frame of a screen takes the same path, so none overtakes another."""
    server = socketio.server
    try:
        text = _event_packet(name, data, texts)
    except TypeError:  # binary data: never in board events, but engine.io knows how to send it
        server.emit(name, data, to=room, skip_sid=list(skip), namespace=presence.NAMESPACE, ignore_queue=True)
        return
    bytes_, queued = None, None
    sockets = server.eio.sockets
    for sid, eio_sid in server.manager.get_participants(presence.NAMESPACE, room):
        if sid in skip:
            continue
        path = wire.wire_of(sockets.get(eio_sid))
        if path is not None:
            bytes_ = bytes_ or wire.frame("4" + text)  # Engine.IO's MESSAGE, then the WebSocket frame
            if path.write(bytes_):
                continue
        queued = queued or eio_packet.Packet(eio_packet.MESSAGE, text)
        server._send_eio_packet(eio_sid, queued)


def _event_packet(name: str, views: list, texts: dict[int, str]) -> str:
    """The Socket.IO EVENT packet `[name, views]` as python-socketio encodes it, with each view's JSON taken
    from `texts` (made there once): an owner's frame repeats most of its room's events, and 20 posters' frames
    encoded whole were 9 % of the server's CPU at 200 cards/s."""
    parts = []
    for view in views:
        text = texts.get(id(view))
        if text is None:
            text = texts[id(view)] = json.dumps(view, separators=(",", ":"))
        parts.append(text)
    return f"{packet.EVENT}{presence.NAMESPACE},[{json.dumps(name)},[{','.join(parts)}]]"
