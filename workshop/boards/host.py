"""Boards as the live kernel sees them: participants, the seq, the join, the state a screen draws from.

create_app builds one BoardHost with what other domains add to a board: the steering (phase, lock, tables) and
the parts of the state a late arriver needs (groups, votes, pinned sheets...).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.boards import service
from workshop.boards.cards import CARD, CARD_COLUMNS, card_fields
from workshop.boards.models import Card, Participant, Workshop
from workshop.boards.statecache import Entry, StateCache
from workshop.extensions import socketio
from workshop.formats.builtin import FREE_PHASE
from workshop.live.context import Joined, Steering
from workshop.live.packets import encode_once
from workshop.live.visibility import Viewer

CHUNK = 100  # cards built at a time: no state or page of a big board holds the server in one piece
StatePart = Callable[[Session, Workshop, Participant], dict]  # built per viewer
HiddenPart = Callable[[Session, int], dict[str, frozenset[int]]]  # ids of hidden items by kind, for replays


@dataclass(frozen=True)
class FreeBoard:
    """The steering of a board nobody steers: unlocked, every action allowed, no tables."""

    locked: bool = False
    phase: dict = field(default_factory=lambda: FREE_PHASE)

    def table_of(self, participant: Any, column: str) -> int | None:
        return None


def anonymous(workshop: Workshop) -> bool:
    return bool((workshop.settings or {}).get("anonymous"))


@dataclass(frozen=True)
class SharedPart:
    """A state part mostly alike for every participant who owns nothing on the board: `shared` builds that once
    per board version and returns it with the seats whose own view of it differs (authors of its items); `own`
    turns it into one viewer's part (their own bits, what moves with the clock); `whole` builds the part for one
    viewer afresh (moderators, authors, callers without a seq)."""

    shared: Callable[[Session, Workshop], tuple[Any, frozenset[int]]]
    own: Callable[[Session, Workshop, Participant, Any], dict]
    whole: StatePart


class BoardHost:
    def __init__(self, steering: Callable[[Session, Workshop], Steering] | None = None,
                 state_parts: Sequence[StatePart | SharedPart] = (), hidden_parts: Sequence[HiddenPart] = (),
                 admissions: Sequence[service.Admission] = ()):
        self._steering = steering
        self.state_parts = tuple(state_parts)
        self.hidden_parts = tuple(hidden_parts)
        self.admissions = tuple(admissions)  # a domain's rule of who may sit at some of its boards
        self.shared_states = StateCache()

    participant = staticmethod(service.get_participant)
    participants = staticmethod(service.participants_by_id)
    workshop = staticmethod(service.get_workshop)
    is_moderator = staticmethod(service.is_moderator)
    next_seq = staticmethod(service.next_seq)
    current_seq = staticmethod(service.current_seq)
    set_seq = staticmethod(service.set_seq)
    participant_dict = staticmethod(service.participant_dict)

    def board(self, session: Session, workshop_id: int) -> Workshop:
        """The board with its columns and its steering's rows loaded: what a command's checks read, which the
        kernel keeps from one batch to the next (live.kept)."""
        workshop = service.get_workshop(session, workshop_id)
        workshop.columns  # noqa: B018  (loaded now, to be kept with the board)
        self.steering(session, workshop).locked  # noqa: B018  (likewise: the steering reads its rows)
        return workshop

    def join(self, session: Session, payload: Any, user: Any, person: str | None = None) -> Joined:
        return service.join(session, payload, user, person=person, admit=self._admit)

    def _admit(self, session: Session, workshop: Workshop, user: Any) -> None:
        for check in self.admissions:
            check(session, workshop, user)

    def steering(self, session: Session, workshop: Workshop) -> Steering:
        return self._steering(session, workshop) if self._steering else FreeBoard()

    def viewer(self, session: Session, workshop: Workshop, participant: Participant | None, *, moderator: bool,
               replay: bool = False) -> Viewer:
        """Who sees; a replay to a participant also hides what was hidden since its events were logged."""
        hidden: dict[str, frozenset[int]] = {}
        if replay and not moderator:
            hidden["card"] = frozenset(session.scalars(select(Card.id).where(Card.workshop_id == workshop.id,
                                                                             Card.hidden.is_(True))))
            for part in self.hidden_parts:
                hidden.update(part(session, workshop.id))
        return Viewer(participant.id if participant is not None else None, moderator, anonymous(workshop), hidden)

    def state(self, session: Session, workshop: Workshop, viewer: Participant, *, page: int | None = None,
              most: int | None = None, seq: int | None = None) -> dict:
        """Everything a screen needs to draw the board, as this viewer may see it; with `page`, the first `page`
        cards only and `cards_next`, the cursor of the rest (a late joiner draws at once, then fetches). Without,
        the whole state, or its first `most` cards and `cards_next` on a bigger board, whatever the client asked:
        a 6,000-card state was 2 MB, ~1.5 s to build and 200 ms of JSON in one piece, asked again and again.
        With `seq` (the board's, read before), a participant who owns nothing on the board gets the state built
        once for all such participants at that seq (boards.statecache), with their own bits added."""
        limit = page or most or None
        if seq is not None and not service.is_moderator(viewer):
            entry = self.shared_states.get(self.shared_states.key(workshop, seq, limit),
                                           lambda: self._shared(session, workshop, limit))
            if viewer.id not in entry.authors:
                state = dict(entry.state)
                for part, built in zip(self.state_parts, entry.parts, strict=True):
                    state.update(part.own(session, workshop, viewer, built) if isinstance(part, SharedPart)
                                 else part(session, workshop, viewer))
                return state
        cards, after = self.cards_page(session, workshop, viewer, limit=limit)
        state = self._frame(workshop, cards, after)
        for part in self.state_parts:
            state.update(part.whole(session, workshop, viewer) if isinstance(part, SharedPart)
                         else part(session, workshop, viewer))
        return state

    def _shared(self, session: Session, workshop: Workshop, limit: int | None) -> Entry:
        """The state as a participant who owns nothing sees it, and who would see it otherwise: authors whose own
        items show them more, read after the items (a card posted in between makes one more, never one less)."""
        seen = Viewer(None, False, anonymous(workshop))
        cards, after = self._cards(session, workshop, seen, None, limit=limit)
        state = self._frame(workshop, encode_once(cards), after)  # its JSON too is made once
        parts, authors = [], set()
        for part in self.state_parts:
            built, owners = part.shared(session, workshop) if isinstance(part, SharedPart) else (None, ())
            parts.append(built)
            authors.update(owners)
        authors.update(session.scalars(self._own_card_authors(workshop)))
        return Entry(state, tuple(parts), frozenset(authors), time.monotonic())

    @staticmethod
    def _own_card_authors(workshop: Workshop):
        """Who sees some card of the board otherwise than other participants (see CARD): the author of a pending
        card (theirs alone) or of a private one (its text), and on an anonymous board any author (their name)."""
        query = select(Card.participant_id).where(Card.workshop_id == workshop.id, Card.participant_id.is_not(None))
        if not anonymous(workshop):
            query = query.where(Card.pending.is_(True) | Card.private.is_(True))
        return query.distinct()

    @staticmethod
    def _frame(workshop: Workshop, cards: list[dict], after: int | None) -> dict:
        state = {"workshop": service.workshop_dict(workshop), "columns": service.column_dicts(workshop),
                 "cards": cards}
        if after is not None:
            state["cards_next"] = after
        return state

    def cards_page(self, session: Session, workshop: Workshop, viewer: Participant, *, after: int = 0,
                   limit: int | None = None) -> tuple[list[dict], int | None]:
        """Cards by id after `after` (hidden ones for moderators only), at most `limit`; the next cursor."""
        moderator = service.is_moderator(viewer)
        return self._cards(session, workshop, self.viewer(session, workshop, viewer, moderator=moderator),
                           viewer.id, after=after, limit=limit)

    def _cards(self, session: Session, workshop: Workshop, seen: Viewer, own: int | None, *, after: int = 0,
               limit: int | None = None) -> tuple[list[dict], int | None]:
        """Cards after `after` as `seen` sees them (`own`: the viewer's seat, whose pending cards they get).
        Built CHUNK cards at a time, letting the other boards run between (a page of 300 was one ~70 ms
        stretch)."""
        cards: list[dict] = []
        while True:
            want = min(CHUNK, limit - len(cards)) if limit else CHUNK
            piece, after = self._cards_piece(session, workshop, seen, own, after=after, limit=want)
            cards += piece
            if after is None or (limit and len(cards) >= limit):
                return cards, after
            socketio.sleep(0)

    @staticmethod
    def _cards_piece(session: Session, workshop: Workshop, seen: Viewer, own: int | None, *, after: int,
                     limit: int) -> tuple[list[dict], int | None]:
        query = (select(*CARD_COLUMNS).outerjoin(Participant, Participant.id == Card.participant_id)
                 .where(Card.workshop_id == workshop.id, Card.deleted.is_(False), Card.id > after).order_by(Card.id))
        if not seen.moderator:  # a pending card is its author's alone (the policy withholds it from others too)
            mine = Card.pending.is_(False) if own is None else Card.pending.is_(False) | (Card.participant_id == own)
            query = query.where(Card.hidden.is_(False), mine)
        rows = session.execute(query.limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit] if more else rows
        return CARD.items((card_fields(row, row.author) for row in rows), seen), (rows[-1].id if more else None)
