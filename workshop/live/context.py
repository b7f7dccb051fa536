"""What a command runs with (Context), and what the kernel needs to know of boards (Host, Steering)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workshop.live.models import BoardEvent
from workshop.live.visibility import Viewer


class Steering(Protocol):
    """The control state of a board, as the domain that steers boards keeps it: a lock and the current phase
    (a dict with "key", "label", "allows" (actions), "private" (writing), "by_table")."""

    @property
    def locked(self) -> bool: ...

    @property
    def phase(self) -> dict: ...

    def table_of(self, participant: Any, column: str) -> int | None:
        """The table a participant's item in `column` belongs to (world café), or None."""


@dataclass(frozen=True)
class Joined:
    participant: Any
    token: str | None  # the plain token, only when it was (re)issued
    workshop: Any


class Host(Protocol):
    """Boards as the kernel sees them; the boards domain implements it, create_app hands it over."""

    def participant(self, session: Session, participant_id: int) -> Any: ...

    def participants(self, session: Session, ids: Iterable[int]) -> dict[int, Any]:
        """Several participants by id, in one query."""

    def workshop(self, session: Session, workshop_id: int) -> Any: ...

    def board(self, session: Session, workshop_id: int) -> Any:
        """The board with the rows a command's checks read loaded (its columns, its steering): the kernel keeps
        a copy of them across batches (live.kept)."""

    def is_moderator(self, participant: Any) -> bool: ...

    def next_seq(self, session: Session, workshop_id: int) -> tuple[int, bool]:
        """Take the board's next seq under its row lock; (seq, whether the board is open)."""

    def set_seq(self, session: Session, workshop_id: int, seq: int) -> None:
        """Store the board's seq (after `next_seq`, in the same transaction)."""

    def current_seq(self, session: Session, workshop_id: int) -> int: ...

    def steering(self, session: Session, workshop: Any) -> Steering: ...

    def viewer(self, session: Session, workshop: Any, participant: Any | None, *, moderator: bool,
               replay: bool = False) -> Viewer: ...

    def join(self, session: Session, payload: Any, user: Any, person: str | None = None) -> Joined:
        """Seat someone; `person` says who is behind a new seat (the same socket or device)."""

    def state(self, session: Session, workshop: Any, participant: Any, *, page: int | None = None,
              most: int | None = None, seq: int | None = None) -> dict:
        """The whole board for this viewer; with `page`, only its first `page` cards and a `cards_next`
        cursor when more follow; with `seq` (the board's, read before), it may come from what was built for
        other viewers at that seq."""

    def cards_page(self, session: Session, workshop: Any, participant: Any, *, after: int = 0,
                   limit: int | None = None) -> tuple[list[dict], int | None]:
        """The cards after the cursor `after`, at most `limit`, and the next cursor (None at the end)."""

    def participant_dict(self, participant: Any, token: str | None) -> dict: ...


@dataclass
class Batch:
    """What the commands of one batch share: their payloads by command name, so that a command may read what
    the whole batch needs in one query, and what it kept there for the others (`memo`)."""

    payloads: dict[str, list[dict]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    loader: Callable[[], Any] | None = None  # the board, from the rows the kernel keeps (a batch that may keep them)
    _board: Any = None
    _steering: Any = None

    def board(self) -> Any:
        """The batch's board, read once for all its commands (which change none of its rows)."""
        if self._board is None:
            self._board = self.loader()
        return self._board

    def steering(self, host: Host, session: Session) -> Steering:
        """The board's steering, likewise once for all the batch's commands."""
        if self._steering is None:
            self._steering = host.steering(session, self.board())
        return self._steering


@dataclass
class Context:
    """One command's run: the session, who acts (None for the server itself), the board, its control state,
    and the events the command emits (appended to the log under the seq the kernel took)."""

    session: Session
    participant: Any | None
    workshop_id: int
    moderator: bool
    host: Host
    events: list[dict] = field(default_factory=list)
    is_open: bool = True
    after: list[Callable[[], None]] = field(default_factory=list)
    seq: int | None = None  # taken by the kernel for the first event
    emits: tuple[str, ...] = ()
    kernel: Any = None  # the Kernel running this command (typed loosely: the kernel module imports this one)
    refusal: Exception | None = None  # a refusal to answer once what was done anyway is committed
    seat: int | None = None  # the participant's id, when the kernel reads them in the batch (then `participant`)
    seqs: Any = None  # the batch's seq counter (live.seqs.Seqs), set by the kernel
    batch: Batch | None = None  # what the commands of its batch share, set by the kernel
    language: str | None = None  # the sender's language (a batch runs in its leader's request)
    rows: list[dict] | None = None  # the batch's log rows, written in one statement (set for checks_first)

    @cached_property
    def workshop(self) -> Any:
        if self.batch is not None and self.batch.loader is not None:
            return self.batch.board()
        return self.host.workshop(self.session, self.workshop_id)

    @cached_property
    def steering(self) -> Steering:
        if self.batch is not None and self.batch.loader is not None:
            return self.batch.steering(self.host, self.session)
        return self.host.steering(self.session, self.workshop)

    def erase_logged(self, types: tuple[str, ...], keys: tuple[str, ...], item_id: int, tombstone: dict) -> None:
        """Replace, in this board's log, the item `item_id` carried under `keys` by events of `types` with a
        tombstone: what a person erased is not replayed to anyone afterwards."""
        erase_logged_items(self.session, self.workshop_id, types, keys, {item_id: tombstone})

    def rebased(self, session: Session) -> Context:
        """This command's context in another session (the leader's, when commands of a board run together);
        the participant is copied in as loaded, without a query."""
        participant = session.merge(self.participant, load=False) if self.participant is not None else None
        return Context(session, participant, self.workshop_id, self.moderator, self.host, emits=self.emits,
                       kernel=self.kernel, seat=self.seat, language=self.language)

    def current_seq(self) -> int:
        """The board's seq as this command sees it (the events of its batch before it included)."""
        return self.seqs.current if self.seqs is not None else self.host.current_seq(self.session, self.workshop_id)

    def loaded(self) -> list:
        """The participant and the board, when already read (the kernel re-attaches them after waiting)."""
        return [o for o in (self.participant, self.__dict__.get("workshop")) if o is not None]

    def emit(self, type_: str, data: dict) -> dict:
        """Append an event to the board's log (a second one takes a new seq); the kernel broadcasts it."""
        if type_ not in self.emits:
            raise LookupError(f"{type_} is not declared in the command's emits")
        if self.seq is None:
            self.seq, _open = self.seqs.take()
        seq, self.seq = self.seq, None
        row = {"workshop_id": self.workshop_id, "seq": seq, "type": type_, "payload": data,
               "actor_id": self.participant.id if self.participant is not None else None}
        if self.rows is not None:
            self.rows.append(row)
        else:
            self.session.add(BoardEvent(**row))
        event = {"seq": seq, "type": type_, "data": data}
        self.events.append(event)
        return event

    def refuse_after_commit(self, error: Exception) -> None:
        """Keep what the command did (a clean-up) but answer with `error`: return right after calling this."""
        self.refusal = error

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the change is committed and broadcast."""
        self.after.append(action)

    def later(self, delay: float, name: str, payload: dict) -> None:
        """Run the server command `name` on this board in `delay` seconds, once this change is committed."""
        self.after_commit(lambda: self.kernel.later(delay, self.workshop_id, name, payload))


def erase_logged_items(session: Session, workshop_id: int, types: tuple[str, ...], keys: tuple[str, ...],
                       tombstones: Mapping[int, dict]) -> int:
    """Replace, in one board's log, every item whose id is in `tombstones` (carried under `keys` by events of
    `types`) with its tombstone, in one pass over the log; returns how many events changed."""
    if not tombstones:
        return 0
    rows = session.execute(select(BoardEvent.id, BoardEvent.payload).where(
        BoardEvent.workshop_id == workshop_id, BoardEvent.type.in_(types))).all()
    changed = 0
    for row_id, data in rows:
        erased = {key: _erase(data.get(key), tombstones) for key in keys if key in data}
        erased = {key: value for key, value in erased.items() if value is not data.get(key)}
        if erased:
            session.execute(update(BoardEvent).where(BoardEvent.id == row_id).values(payload={**data, **erased}))
            changed += 1
    return changed


def _erase(value: Any, tombstones: Mapping[int, dict]) -> Any:
    """`value` (an item, or a list of items) with the items named in `tombstones` replaced; the same object if
    none is there."""
    def named(v: Any) -> bool:
        return isinstance(v, dict) and isinstance(v.get("id"), int) and v["id"] in tombstones

    if named(value):
        return tombstones[value["id"]]
    if isinstance(value, list) and any(named(v) for v in value):
        return [tombstones[v["id"]] if named(v) else v for v in value]
    return value


_LOG_INSERT = insert(BoardEvent.__table__)


def write_rows(session: Session, rows: list[dict]) -> None:
    """Append the log rows kept for a batch, in one statement (an ORM object and its flush each cost ~0.1 ms)."""
    if rows:
        session.connection().execute(_LOG_INSERT, rows)
        rows.clear()
