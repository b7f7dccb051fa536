"""While Redis cannot carry board events between processes, each process forwards them from the event log.

Without this, a Redis outage left every screen with a hole for each event committed on another process, and each
screen asked `resync` for it (one costly read per screen and per hole), then once more when its server told it to
catch up: with a room behind one address (a venue's Wi-Fi), the per-address limits refused most of them and the
holes stayed. Here each process reads the log once per board every RELAY seconds, after the last seq it delivered,
and delivers what it finds through the same ordered path as the channel (order.py), in the views the channel
would have carried (moderators, participants, the owner's own view). It keeps doing so for a few seconds after
Redis answers again. And whatever the state of Redis, once a second it reads each board's last seq: an event that
was already in the log at the previous look and has still not come (another process could not publish it, and
this one saw no outage of its own) is read from the log too, as is a hole in the channel's seqs that stays FILL
seconds (order.py asks).
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy import func, select

from workshop.extensions import db, socketio
from workshop.live import cluster, fanout, order, presence
from workshop.live.models import BoardEvent

log = logging.getLogger(__name__)

RELAY = 0.25  # seconds between two reads of the event log while Redis cannot carry events
GRACE = 3.0  # ...and for this long after it can again (until every process publishes once more)
CHECK = 1.0  # seconds between two looks at the boards' last seqs otherwise
MOST = 500  # events read per board and pass: a long outage is caught up over several passes

_app: Flask | None = None
_kernel = None
_until = 0.0  # relay the log until then (monotonic), even once Redis answers again
_failing = False


def install(app: Flask, kernel) -> None:
    global _app, _kernel
    _app, _kernel = app, kernel
    cluster.kept_local = _kept_local
    order.fill = relay_board
    if _loop not in cluster.background:
        cluster.background.append(_loop)


def _kept_local(workshop_id: int, hole: bool) -> None:
    global _until
    _until = time.monotonic() + GRACE
    if hole:  # another process's events come before it: read them now, not at the next pass
        socketio.start_background_task(relay_board, workshop_id)


def _loop() -> None:
    global _until
    check_at = 0.0
    while True:
        socketio.sleep(RELAY)
        now = time.monotonic()
        if not (cluster.usable() and cluster.listening()):
            _until = now + GRACE
        boards = presence.boards()
        if now <= _until:
            for workshop_id in boards:
                relay_board(workshop_id)
        elif now >= check_at and boards:
            check_at = now + CHECK
            _check(boards)


def _check(boards: list[int]) -> None:
    """Relay the boards on which an event logged before the previous look has still not been delivered here."""
    try:
        logged = latest(boards)
    except Exception:  # noqa: BLE001  (the database is down: nothing new can be logged either)
        return
    for workshop_id in order.behind(logged):
        log.info("board %s: events missed on the channel, read from the log", workshop_id)
        relay_board(workshop_id)


def relay_board(workshop_id: int) -> None:
    """Deliver what the log holds after the last seq this process delivered on this board."""
    global _failing
    after = order.delivered_up_to(workshop_id)
    if after is None:
        return  # nothing delivered here yet: its screens joined with the state
    try:
        items = missed(workshop_id, after)
    except Exception as error:  # noqa: BLE001  (the database is down too: screens ask for holes when it is back)
        if not _failing:
            log.warning("board events relay: cannot read the log (%s)", type(error).__name__)
            _failing = True
        return
    _failing = False
    if items:
        order.take(workshop_id, items)


def latest(boards: list[int]) -> dict[int, int]:
    """Each board's last logged seq (one query for all)."""
    with _app.app_context():
        try:
            return dict(db.session.execute(select(BoardEvent.workshop_id, func.max(BoardEvent.seq))
                                           .where(BoardEvent.workshop_id.in_(boards))
                                           .group_by(BoardEvent.workshop_id)).all())
        finally:
            db.session.remove()


def missed(workshop_id: int, after: int) -> list[dict]:
    """The board's logged events after `after`, as fanout.send publishes them (the kernel's views, replayed)."""
    with _app.app_context():
        try:
            session = db.session
            rows = session.execute(select(BoardEvent.seq, BoardEvent.type, BoardEvent.payload)
                                   .where(BoardEvent.workshop_id == workshop_id, BoardEvent.seq > after)
                                   .order_by(BoardEvent.seq).limit(MOST)).all()
            if not rows:
                return []
            workshop = _kernel.host.workshop(session, workshop_id)
            audiences = _kernel.audiences(session, workshop, replay=True)
            return [fanout.published(_kernel.views(session, workshop, {"seq": seq, "type": type_, "data": data},
                                                   replay=True, audiences=audiences),
                                     batched=_kernel.registry.batched(type_))
                    for seq, type_, data in rows]
        finally:
            db.session.remove()
