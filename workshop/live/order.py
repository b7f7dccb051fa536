"""Seq order per board, on each process: what the Redis channel (cluster.py) and the event log (relay.py) bring is
handed to this process's screens in seq order.

Two processes committing seqs 7 and 8 one after the other may publish 8 first, so an event that comes early waits
here for the ones before it. Every seq before a delivered one was committed first, so a hole the channel has not
filled after FILL seconds (its process could not publish, or died between its commit and its publish) is read from
the event log (`fill`, relay.py); only a hole the log cannot fill either (the database down) is given up on after
HOLD seconds: what follows it is delivered, and the browsers fill the hole with a `since` replay.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

from workshop.extensions import socketio

log = logging.getLogger(__name__)

HOLD = 0.5  # seconds an early event waits on the server for the ones before it
FILL = 0.15  # seconds a hole waits for the channel before this process reads it from the event log
SKIPPED_MAX = 10_000  # seqs of holes given up on that are still handed on if they come late, per board (_skip)

deliver: Callable[[int, list[dict]], None] | None = None  # fanout's local delivery, in seq order (cluster.configure)
fill: Callable[[int], None] | None = None  # relay.py: read a board's log after the last seq delivered here


class _Board:
    __slots__ = ("next", "waiting", "watched", "since", "skipped", "logged")

    def __init__(self) -> None:
        self.next: int | None = None  # the seq this process delivers next
        self.waiting: list[tuple[int, int, dict]] = []  # heap of (seq, arrival, item) come early
        self.watched = False  # a watcher (_watch) runs for this board's holes
        self.since: float | None = None  # when the present hole opened (monotonic); None: no hole
        self.skipped: set[int] = set()  # holes given up on: delivered late if they come (else already delivered)
        self.logged = 0  # the last seq of the log at the previous look (CHECK)


_boards: dict[int, _Board] = {}
_order_lock = threading.Lock()
_delivery = threading.RLock()  # one deliverer at a time: what leaves in seq order reaches the screens so
_arrivals = 0


def take(workshop_id: int, items: list[dict]) -> None:
    """Events read from the log (relay.py): through the hold, as the channel's; those delivered already are
    dropped there."""
    received({"w": workshop_id, "items": items})


def delivered_up_to(workshop_id: int) -> int | None:
    """The last seq delivered in order on this board (None: nothing yet, its screens joined with the state)."""
    with _order_lock:
        board = _boards.get(workshop_id)
        return None if board is None or board.next is None else board.next - 1


def behind(logged: dict[int, int]) -> list[int]:
    """The boards whose log, at the previous look, held a seq not delivered here yet; `logged` is the new look."""
    late = []
    with _order_lock:
        for workshop_id, seq in logged.items():
            board = _boards.get(workshop_id)
            if board is not None and board.next is not None:
                if board.next <= board.logged:
                    late.append(workshop_id)
                board.logged = seq
    return late


def received(message: dict) -> None:
    """A message of the channel ({"w": board, "items": [{"seq"...}]}): what is next goes out, what is early waits,
    what was delivered already is dropped."""
    global _arrivals
    workshop_id, ready = message["w"], []
    with _delivery:
        with _order_lock:
            board = _boards.setdefault(workshop_id, _Board())
            for item in message["items"]:
                seq = item["seq"]
                if board.next is None:
                    board.next = seq
                if seq < board.next:
                    if seq in board.skipped:  # late (its hole was given up on): the browsers sort it out
                        board.skipped.discard(seq)
                        ready.append(item)
                    continue  # else delivered already (from the log, or twice on the channel)
                _arrivals += 1
                heapq.heappush(board.waiting, (seq, _arrivals, item))
            ready += _release(board, time.monotonic())
            watch = bool(board.waiting) and not board.watched
            board.watched = board.watched or watch
        if ready:
            deliver(workshop_id, ready)
    if watch:
        socketio.start_background_task(_watch, workshop_id, board)


def _release(board: _Board, now: float) -> list[dict]:
    """What is next, in seq order; a hole left behind is a new one (its FILL and HOLD count from now)."""
    ready, before = [], board.next
    while board.waiting and board.waiting[0][0] <= board.next:
        seq, _n, item = heapq.heappop(board.waiting)
        if seq == board.next:
            board.next += 1
            ready.append(item)
    if not board.waiting:
        board.since = None
    elif board.since is None or board.next != before:
        board.since = now
    return ready


def _watch(workshop_id: int, board: _Board) -> None:
    """While events of the board wait, each hole gets its own time: the channel fills it within milliseconds as a
    rule; after FILL seconds it is read from the log (one query, in a task of its own: a slow database never holds
    the deadline); still there after HOLD seconds, it is given up on: what follows it is delivered, and the browsers
    ask for the missing seqs. (Without the log, a process that had not yet seen Redis back kept its events local for
    up to a second, and the others gave them up and handed them on after the events that followed them.)"""
    read_for = None  # the hole (its opening time) whose log read has been started
    try:
        while True:
            with _delivery:
                with _order_lock:
                    now, ready = time.monotonic(), []
                    if not board.waiting:
                        board.watched = False
                        return
                    age = now - board.since
                    if age >= HOLD:
                        _skip(workshop_id, board, board.waiting[0][0])
                        board.next = board.waiting[0][0]
                        ready = _release(board, now)
                        pause = FILL
                    elif age >= FILL and read_for != board.since:
                        read_for = board.since
                        if fill is not None:
                            socketio.start_background_task(_read_log, workshop_id)
                        pause = HOLD - age
                    else:
                        pause = (FILL if read_for != board.since else HOLD) - age
                if ready:
                    deliver(workshop_id, ready)
            socketio.sleep(max(pause, 0.01))
    except Exception:  # noqa: BLE001  (a board whose watcher died would hold its holes for good)
        log.exception("board %s: the watcher of its holes failed", workshop_id)
        with _order_lock:
            board.watched = False


def _read_log(workshop_id: int) -> None:
    try:
        fill(workshop_id)
    except Exception:  # noqa: BLE001  (the hole is given up on at HOLD all the same)
        log.exception("board %s: reading a hole from the event log failed", workshop_id)


def hole(workshop_id: int) -> bool:
    """Whether an event of this board waits here for the ones before it."""
    with _order_lock:
        board = _boards.get(workshop_id)
        return board is not None and bool(board.waiting) and board.waiting[0][0] > board.next


def _skip(workshop_id: int, board: _Board, up_to: int) -> None:
    """Remember a hole given up on (board.next to up_to - 1), to hand its seqs on if they come late; only the
    SKIPPED_MAX newest: a late event comes a publish's delay late or never (its process died), so old holes are
    the least likely to fill. A forgotten seq that comes is dropped (the screens asked for it with `since`)."""
    board.skipped.update(range(max(board.next, up_to - SKIPPED_MAX), up_to))
    forgotten, over = max(0, up_to - SKIPPED_MAX - board.next), len(board.skipped) - SKIPPED_MAX
    if over > 0:  # rare (holes beyond the bound): sorting SKIPPED_MAX seqs then is a few milliseconds
        board.skipped.difference_update(sorted(board.skipped)[:over])
        forgotten += over
    if forgotten:
        log.warning("board %s: %d seqs given up on are forgotten (more than %d); if they come, they are dropped",
                    workshop_id, forgotten, SKIPPED_MAX)
