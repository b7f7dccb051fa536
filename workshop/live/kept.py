"""A board's own rows (the board, its columns, its steering), kept from one batch of commands to the next.

Every batch read them again in its new session: three queries, ~0.5 ms of CPU, about a third of a batch of cards
at 200 cards/s. Commands change them rarely (a phase, a lock, a column, closing the board), so the kernel keeps a
detached copy of what a batch read and hands the next batch a copy of it (`Session.merge(load=False)`: no query)
when nothing can have changed them since:
- the batch that read them ran only commands declared `keeps_board` (changing none of these rows), and
  committed; any other command, or a failed batch, drops the copy;
- the next batch took the seq right after the last one that batch committed: a command run by another process
  (or outside this process's batches) takes a seq of the board, so a gap means the rows are read again;
- the copy is younger than KEEP_SECONDS, which bounds what a write taking no seq (none is known today) could
  leave unseen.
The rows are only ever used after the batch took the board's seq, that is under the board's row lock.
"""

from __future__ import annotations

import threading
import time
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

KEEP_SECONDS = 2.0


@dataclass
class _Kept:
    board: Any  # a detached copy of the board's rows as committed
    seq: int  # the board's seq at which those rows are known current
    read: float  # when they were read from the database


class KeptBoards:
    def __init__(self, host: Any):
        self.host = host
        self._boards: dict[int, _Kept] = {}
        self._lock = threading.Lock()

    def board(self, session: Session, workshop_id: int, taken: int | None) -> Any:
        """The board in `session` for a batch that took the board's seq `taken` (None: none yet): a copy of the
        kept rows when they are current, else read (and a copy kept, once the batch took its seq)."""
        with self._lock:
            kept = self._boards.get(workshop_id)
        if kept is not None and taken is not None and kept.seq == taken - 1 \
                and time.monotonic() - kept.read < KEEP_SECONDS:
            present = session.identity_map.get(inspect(kept.board).key)
            return present if present is not None else session.merge(kept.board, load=False)
        board = self.host.board(session, workshop_id)
        if taken is not None:  # read under the board's row lock: the rows as committed at seq `taken - 1`
            try:
                copy = _detached(board)
            except InvalidRequestError:  # changed in this session and not committed (a script's): not kept
                return board
            with self._lock:
                self._boards[workshop_id] = _Kept(copy, taken - 1, time.monotonic())
        return board

    def committed(self, workshop_id: int, taken: int | None, last: int | None) -> None:
        """A batch of `keeps_board` commands that took seqs `taken` to `last` committed: rows current before it
        are current after it."""
        with self._lock:
            kept = self._boards.get(workshop_id)
            if kept is not None and taken is not None and last is not None and kept.seq == taken - 1:
                kept.seq = last

    def drop(self, workshop_id: int) -> None:
        """A batch that may have changed the board's rows (or failed): the next one reads them again."""
        with self._lock:
            self._boards.pop(workshop_id, None)


def _detached(board: Any) -> Any:
    """A copy of the loaded board and of the rows loaded with it, attached to no session; their JSON values
    (settings, spotlight) copied too, so that nothing done to the batch's objects reaches the copy."""
    scratch = Session()
    try:
        copy = scratch.merge(board, load=False)
        for row in scratch.identity_map.values():
            for attribute in inspect(row).mapper.column_attrs:
                value = row.__dict__.get(attribute.key)
                if isinstance(value, (dict, list)):
                    set_committed_value(row, attribute.key, deepcopy(value))
        return copy
    finally:
        scratch.expunge_all()
