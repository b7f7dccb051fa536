"""The board state as a participant who owns nothing on the board sees it, built once per board version and
shared by everyone joining (or resyncing from scratch) at that version: a join storm builds it once, not once
per person (building it was most of a join: 16 ms of CPU per join on a 50-card board, 28 ms on 300 cards).

What one viewer sees differs from it only through what is theirs (a pending or private card, a reply or a card of
an anonymous board, their dots and reactions, their table); the host serves an entry only to a participant who is
not the author of such a card or reply, and adds the rest per viewer (boards.host). Moderators never use it.

An entry is keyed by the board's seq, which every live change takes. Writes outside the kernel (an account's or a
retention erasure renaming seats and blanking cards, a session's carried steps) take no seq: the commit of one
in this process drops the board's entries (or all entries when a bulk statement names no board), and entries
live SHARED_SECONDS at most, which bounds what another process's such write leaves stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from workshop.boards.models import Participant, Workshop

SHARED_SECONDS = 2.0
MAX_ENTRIES = 32  # boards at once; the oldest goes first
WAIT_SECONDS = 5.0  # how long a joiner waits for another's build of the same entry before building it itself
# Tables whose writes outside the kernel may change a board's state without a seq: every table with a
# `workshop_id` column, found when the listeners are installed, so that a table added later is watched without
# anyone remembering to list it (watching one the state does not read only drops entries early). Left out: the
# workshop table (the kernel's seq counter is a bulk update of it) and the event log, which only the kernel
# writes (with a seq) and whose bulk updates (a card's text erased from it) name no board: each would drop every
# board's entries.
UNWATCHED = frozenset({"board_event"})
_watched: frozenset[str] = frozenset()
# Rows shown in the state of another board than theirs (a next step and its session's number, in the review of
# the following session): a change drops every board's entries.
OTHER_BOARDS = frozenset({"next_step", "peer_group_session"})
_NO_BOARD = -1  # a change whose boards are unknown: every board's entries go

_versions: dict[int, int] = {}  # per board id; _NO_BOARD counts the changes of unknown boards
_versions_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    state: dict  # the parts built by the host (workshop, columns, cards, cards_next)
    parts: tuple  # per state part, what it built once (None for parts built per viewer)
    authors: frozenset[int]  # seats whose own view of these items differs from the shared one
    built: float


class StateCache:
    def __init__(self, seconds: float = SHARED_SECONDS, size: int = MAX_ENTRIES):
        self.seconds = seconds
        self.size = size
        self._entries: dict[Hashable, Entry] = {}
        self._building: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def key(self, workshop: Workshop, seq: int, *rest: Hashable) -> tuple:
        """A board's entry at this seq. The code is there because a board id can be taken again (SQLite
        reuses the rowid of an erased workshop); the versions, because of writes that take no seq."""
        with _versions_lock:
            versions = (_versions.get(workshop.id, 0), _versions.get(_NO_BOARD, 0))
        return (workshop.id, workshop.code, seq, versions, *rest)

    def get(self, key: Hashable, build: Callable[[], Entry]) -> Entry:
        """The entry under `key`, built by `build` if none is fresh; concurrent joiners of one board wait for
        the first one's build instead of each building the same state."""
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and time.monotonic() - entry.built < self.seconds:
                    return entry
                building = self._building.get(key)
                if building is None:
                    building = self._building[key] = threading.Event()
                    break
            if not building.wait(WAIT_SECONDS):
                return build()  # the builder is stuck (a slow database): do not queue behind it
        try:
            entry = build()
            with self._lock:
                self._entries[key] = entry
                self._trim()
            return entry
        finally:
            with self._lock:
                self._building.pop(key, None)
            building.set()

    def _trim(self) -> None:
        now = time.monotonic()
        for key in [k for k, e in self._entries.items() if now - e.built >= self.seconds]:
            del self._entries[key]
        while len(self._entries) > self.size:
            del self._entries[min(self._entries, key=lambda k: self._entries[k].built)]


def changed(workshop_id: int | None) -> None:
    """A board's state changed outside the kernel (None: boards unknown): drop what was built before."""
    board = _NO_BOARD if workshop_id is None else workshop_id
    with _versions_lock:
        _versions[board] = _versions.get(board, 0) + 1


# --- Noticing writes that take no seq --------------------------------------------------------------------
# Boards touched by a flush are noted on the session and dropped at its commit: an entry built between the
# flush and the commit reads the old rows, and would otherwise be kept under the new version.

_TOUCHED = "statecache.touched"


def _boards(instances: Any, touched: set) -> None:
    for instance in instances:
        table = getattr(getattr(instance, "__table__", None), "name", None)
        if isinstance(instance, Workshop):
            touched.add(instance.id)
        elif table in OTHER_BOARDS:
            touched.add(None)
        elif table in _watched:
            touched.add(instance.workshop_id)


def install() -> None:
    """Listen to every session's flushes and commits (create_app calls this once every model is imported:
    importing listens to nothing)."""
    global _watched
    _watched = frozenset(name for name, table in Workshop.metadata.tables.items() if "workshop_id" in table.c
                         and name not in UNWATCHED)
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _bulk), ("after_commit", _after_commit),
                           ("after_soft_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _after_flush(session: Session, _context: Any) -> None:
    touched: set = session.info.setdefault(_TOUCHED, set())
    _boards((i for i in session.new if not isinstance(i, Participant)), touched)  # a new seat: in no state
    _boards((i for i in session.dirty if not isinstance(i, Participant)
             or inspect(i).attrs.name.history.has_changes()), touched)  # seen again, new token: in no state
    _boards(session.deleted, touched)


def _bulk(state: Any) -> None:
    if (state.is_update or state.is_delete) and getattr(state.statement.table, "name", None) in _watched:
        state.session.info.setdefault(_TOUCHED, set()).add(None)


def _after_commit(session: Session) -> None:
    for board in session.info.pop(_TOUCHED, ()):
        changed(board)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_TOUCHED, None)
