"""Moderated mode (Klaxoon's controlled mode, Padlet's approval before posting): while a workshop is moderated,
a participant's new card is `pending`; it waits in the facilitator's inbox, seen by its author (marked as
waiting) and by moderators only (the card policy's first rule), until a moderator accepts it, possibly with
new words, or refuses it (deleted as card.delete deletes: its text leaves the board's log).

Turning the mode off leaves the cards already waiting in the inbox: the facilitator still decides on each, since
its author posted it expecting a review before anyone read it.
"""

from __future__ import annotations

from flask_babel import gettext as _

from workshop.boards.cards import CARD, card_text, card_to_change, emit_card_change, erase
from workshop.boards.models import Card
from workshop.errors import ValidationError
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_flag


@command("board.moderate", moderator=True, emits=("board.moderated",))
def set_moderated(ctx: Context, payload: dict) -> dict:
    """Turn moderated mode on or off; every screen learns it (participants' composers say what it means)."""
    moderated = clean_flag(payload, "moderated", True)
    if ctx.workshop.moderated != moderated:
        ctx.workshop.moderated = moderated
        ctx.emit("board.moderated", {"moderated": moderated})
    return {"moderated": moderated}


def _pending_card(ctx: Context, payload: dict) -> Card:
    card = card_to_change(ctx, payload)
    if not card.pending:
        raise ValidationError(_("Ce post-it est déjà sur le tableau."), field="id")
    return card


@command("card.accept", moderator=True, emits=("card.accepted",), visibility=CARD)
def accept_card(ctx: Context, payload: dict) -> dict:
    """Put a waiting card on the board for everyone, with the moderator's words when given (`text`)."""
    card = _pending_card(ctx, payload)
    if payload.get("text") is not None:
        card.text = card_text(payload)
    card.pending = False
    return emit_card_change(ctx, card, "card.accepted")


@command("card.reject", moderator=True, emits=("card.deleted",), visibility=CARD)
def reject_card(ctx: Context, payload: dict) -> dict:
    """Refuse a waiting card: deleted, its text erased from the log; its author's screen drops it."""
    return erase(ctx, _pending_card(ctx, payload), refused=True)
