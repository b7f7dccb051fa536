"""The seqs a batch of commands takes on one board: one statement for the batch, not one per event.

The first seq is taken in the database (`host.next_seq`: an UPDATE of the board's row, whose lock holds until the
commit, so no other process takes seqs of this board meanwhile); the next ones are counted here, and the last is
written back once, just before the commit. The UPDATE per event was 18 % of the server's CPU at 200 cards/s.
A command undone (its savepoint, or the transaction of a lone command) puts the count back where it found it,
the database's row included when its UPDATE was undone with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


class Seqs:
    def __init__(self, host: Any, session: Session, workshop_id: int):
        self.host, self.session, self.workshop_id = host, session, workshop_id
        self._taken: int | None = None  # the board's last_seq in the database (this transaction's view)
        self._last: int | None = None  # the last seq handed out
        self._opened: int | None = None  # the first seq taken in the database by this transaction

    def take(self) -> tuple[int, bool]:
        """The board's next seq, and whether the board is open (as this transaction sees it)."""
        if self._last is None:
            self._taken, is_open = self.host.next_seq(self.session, self.workshop_id)
            self._last = self._opened = self._taken
            return self._last, is_open
        self._last += 1
        return self._last, self.host.workshop(self.session, self.workshop_id).is_open

    def give_back(self) -> None:
        """Undo the last `take` while keeping the rest of the command (a clean-up that logged nothing)."""
        if self._last is not None:
            self._last -= 1

    @property
    def opened(self) -> int | None:
        """The first seq this transaction took in the database (holding the board's row lock), if any."""
        return self._opened

    @property
    def last(self) -> int | None:
        """The last seq handed out, if any."""
        return self._last

    @property
    def current(self) -> int:
        """The board's seq, the ones this batch took included."""
        return self._last if self._last is not None else self.host.current_seq(self.session, self.workshop_id)

    def mark(self) -> tuple[int | None, int | None]:
        return self._taken, self._last

    def undo(self, mark: tuple[int | None, int | None], *, database: bool = True) -> None:
        """A command was undone: back to what `mark` saw. A database take undone with it (`database`) is
        forgotten; one that stays (a command run without a savepoint) is kept, and the seq before it is
        written back unless the batch takes it again."""
        if database or mark[0] is not None or self._taken is None:
            self._taken, self._last = mark
            if self._taken is None:
                self._opened = None
        else:
            self._last = self._taken - 1

    def write(self) -> None:
        """Store the last seq handed out, before the commit."""
        if self._last is not None and self._last != self._taken:
            self.host.set_seq(self.session, self.workshop_id, self._last)
            self._taken = self._last
