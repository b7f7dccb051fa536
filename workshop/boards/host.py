"""Boards as the live kernel sees them: participants, the seq, the join, the state a screen draws from.

create_app builds one BoardHost with what other domains add to a board: the steering (phase, lock, tables) and
the parts of the state a late arriver needs (groups, votes, pinned sheets...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workshop.boards import service
from workshop.boards.cards import CARD, card_dict
from workshop.boards.models import Card, Participant, Workshop
from workshop.extensions import socketio
from workshop.formats.builtin import FREE_PHASE
from workshop.live.context import Joined, Steering
from workshop.live.visibility import Viewer

CHUNK = 100  # cards built at a time: no state or page of a big board holds the server in one piece
StatePart = Callable[[Session, Workshop, Participant], dict]
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


class BoardHost:
    def __init__(self, steering: Callable[[Session, Workshop], Steering] | None = None,
                 state_parts: Sequence[StatePart] = (), hidden_parts: Sequence[HiddenPart] = (),
                 admissions: Sequence[service.Admission] = ()):
        self._steering = steering
        self.state_parts = tuple(state_parts)
        self.hidden_parts = tuple(hidden_parts)
        self.admissions = tuple(admissions)  # a domain's rule of who may sit at some of its boards

    participant = staticmethod(service.get_participant)
    participants = staticmethod(service.participants_by_id)
    workshop = staticmethod(service.get_workshop)
    is_moderator = staticmethod(service.is_moderator)
    next_seq = staticmethod(service.next_seq)
    current_seq = staticmethod(service.current_seq)
    give_back_seq = staticmethod(service.give_back_seq)
    participant_dict = staticmethod(service.participant_dict)

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
              most: int | None = None) -> dict:
        """Everything a screen needs to draw the board, as this viewer may see it; with `page`, the first `page`
        cards only and `cards_next`, the cursor of the rest (a late joiner draws at once, then fetches). Without,
        the whole state, or its first `most` cards and `cards_next` on a bigger board, whatever the client asked:
        a 6,000-card state was 2 MB, ~1.5 s to build and 200 ms of JSON in one piece, asked again and again."""
        cards, after = self.cards_page(session, workshop, viewer, limit=page or most or None)
        state = {
            "workshop": service.workshop_dict(workshop),
            "columns": service.column_dicts(workshop),
            "cards": cards,
        }
        if after is not None:
            state["cards_next"] = after
        for part in self.state_parts:
            state.update(part(session, workshop, viewer))
        return state

    def cards_page(self, session: Session, workshop: Workshop, viewer: Participant, *, after: int = 0,
                   limit: int | None = None) -> tuple[list[dict], int | None]:
        """Cards by id after `after` (hidden ones for moderators only), at most `limit`; the next cursor. Built
        CHUNK cards at a time, letting the other boards run between (a page of 300 was one ~70 ms stretch)."""
        cards: list[dict] = []
        while True:
            want = min(CHUNK, limit - len(cards)) if limit else CHUNK
            piece, after = self._cards_piece(session, workshop, viewer, after=after, limit=want)
            cards += piece
            if after is None or (limit and len(cards) >= limit):
                return cards, after
            socketio.sleep(0)

    def _cards_piece(self, session: Session, workshop: Workshop, viewer: Participant, *, after: int,
                     limit: int) -> tuple[list[dict], int | None]:
        moderator = service.is_moderator(viewer)
        query = (select(Card).where(Card.workshop_id == workshop.id, Card.deleted.is_(False), Card.id > after)
                 .options(selectinload(Card.participant)).order_by(Card.id))
        if not moderator:  # a pending card is its author's alone (the policy withholds it from others too)
            query = query.where(Card.hidden.is_(False), Card.pending.is_(False) | (Card.participant_id == viewer.id))
        rows = list(session.scalars(query.limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit] if more else rows
        seen = self.viewer(session, workshop, viewer, moderator=moderator)
        return CARD.items((card_dict(c) for c in rows), seen), (rows[-1].id if more else None)
