"""Erasing what people wrote on a board: card text, replies and names leave the tables and the board's log.

A card keeps its row as a tombstone (votes, groups and practice links point at it), exactly as `card.delete`
leaves it; a reply is deleted; a participant's seat keeps its row under a pseudonym. Every event that carried the
text is rewritten to the same tombstone a deleted card or reply leaves, so no replay gives it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workshop.boards.cards import CARD, CARD_EVENTS, tombstone
from workshop.boards.models import Card, Participant
from workshop.boards.service import now
from workshop.facilitation.models import NextStep, Reply
from workshop.facilitation.replies import REPLY
from workshop.live.context import erase_logged_items
from workshop.live.visibility import pending_for_author_and_moderators, policy
from workshop.moderation import privacy as reports
from workshop.practices.models import Practice
from workshop.printing.service import forget_cached_pdfs

ERASED_NAME = "Participant·e effacé·e"
REPLY_EVENTS = ("reply.added", "reply.hidden", "reply.shown")
# A pending card (moderated mode) exists for its author and moderators only: its erasure reaches them alone, one
# event per card (`card`: its tombstone, which names its author's seat); everyone else gets the bare seq.
ERASED = policy("card", rules=(pending_for_author_and_moderators,))


@dataclass
class Erased:
    """What one erasure removed on one board (ids), and how many logged events it rewrote."""

    participants: list[int] = field(default_factory=list)
    cards: list[int] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)
    events: int = 0
    waiting: list[dict] = field(default_factory=list)  # tombstones of the pending cards among `cards`

    def __bool__(self) -> bool:
        return bool(self.participants or self.cards or self.replies)

    def event(self) -> dict:
        """The `privacy.erased` event: ids only, so that open screens drop what they show; the pending cards are
        left out (see `pending_events`)."""
        waiting = {gone["id"] for gone in self.waiting}
        return {"participants": self.participants, "cards": [c for c in self.cards if c not in waiting],
                "replies": self.replies}

    def pending_events(self) -> list[dict]:
        """One `privacy.erased` event per pending card, for its author's and moderators' screens (`ERASED`)."""
        return [{"card": gone} for gone in self.waiting]

    def counts(self) -> dict:
        return {"participants": len(self.participants), "cards": len(self.cards), "replies": len(self.replies),
                "events": self.events}


def reply_tombstone(reply: Reply) -> dict:
    """What stays of an erased reply: its place, never its text or author."""
    return {"id": reply.id, "card_id": reply.card_id, "deleted": True}


def _selection(session: Session, workshop_id: int, participant_ids: list[int] | None
               ) -> tuple[list[Card], list[Reply], list[Participant]]:
    """The cards with text, the replies and the named seats of these participants (None: of the whole board)."""
    cards = select(Card).where(Card.workshop_id == workshop_id, or_(Card.text != "", Card.deleted.is_(False)))
    replies = select(Reply).where(Reply.workshop_id == workshop_id)
    seats = select(Participant).where(Participant.workshop_id == workshop_id, Participant.name != ERASED_NAME)
    if participant_ids is not None:
        cards = cards.where(Card.participant_id.in_(participant_ids))
        replies = replies.where(Reply.participant_id.in_(participant_ids))
        seats = seats.where(Participant.id.in_(participant_ids))
    return (list(session.scalars(cards.order_by(Card.id))), list(session.scalars(replies.order_by(Reply.id))),
            list(session.scalars(seats.order_by(Participant.id))))


def pending(session: Session, workshop_id: int, participant_ids: list[int] | None = None) -> Erased:
    """What `erase` would remove, without changing anything (dry runs)."""
    cards, replies, seats = _selection(session, workshop_id, participant_ids)
    return Erased([p.id for p in seats], [c.id for c in cards], [r.id for r in replies])


def erase(session: Session, workshop_id: int, participant_ids: list[int] | None = None) -> Erased:
    """Erase these participants' text and names on one board (None: everyone's, and the names of who owns a
    next step); flushes, never commits."""
    cards, replies, seats = _selection(session, workshop_id, participant_ids)
    stamp = now()
    for card in cards:
        card.deleted, card.text, card.updated_at = True, "", stamp
    for seat in seats:
        seat.name = ERASED_NAME
        seat.profile = seat.structure_id = None  # "je viens de…" goes with the name
    erased = Erased([p.id for p in seats], [c.id for c in cards], [r.id for r in replies],
                    waiting=[tombstone(c) for c in cards if c.pending])
    erased.events = erase_logged_items(session, workshop_id, (*CARD_EVENTS, "cards.revealed"), CARD.keys,
                                       {c.id: tombstone(c) for c in cards})
    erased.events += erase_logged_items(session, workshop_id, REPLY_EVENTS, REPLY.keys,
                                        {r.id: reply_tombstone(r) for r in replies})
    _erase_provenance(session, workshop_id, {c.id for c in cards})
    reports.erase_on_board(session, workshop_id, participant_ids, {c.id for c in cards})
    for reply in replies:
        session.delete(reply)
    if participant_ids is None:
        session.execute(update(NextStep).where(NextStep.workshop_id == workshop_id, NextStep.owner != "")
                        .values(owner=""))
    if erased:
        forget_cached_pdfs(session)  # reports and toolkits rendered before may hold the erased text
    session.flush()
    return erased


def _erase_provenance(session: Session, workshop_id: int, card_ids: set[int]) -> None:
    """Practice sheets made from this board keep a copy of their source cards (text, author): the erased cards
    keep their place there, without text or author. The sheet itself, the programme's work, stays."""
    if not card_ids:
        return
    for practice in session.scalars(select(Practice).where(Practice.source_workshop_id == workshop_id)):
        provenance = practice.provenance or {}
        cards = provenance.get("cards") or []
        if any(isinstance(c, dict) and c.get("id") in card_ids for c in cards):
            practice.provenance = {**provenance, "cards": [
                {**c, "text": "", "author": None} if isinstance(c, dict) and c.get("id") in card_ids else c
                for c in cards]}
