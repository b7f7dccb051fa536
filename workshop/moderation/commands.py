"""Board commands of moderation: a participant reports a card; the moderation queue hides it on every screen."""

from __future__ import annotations

from flask_babel import gettext as _

from workshop.boards.cards import CARD, card_dict
from workshop.boards.models import Card
from workshop.boards.service import now
from workshop.errors import NotFound
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.moderation import service
from workshop.validation import clean_id

HIDE_CARD = "moderation.hide_card"


@command("card.report", rate="REPORT_RATE")
def report_card(ctx: Context, payload: dict) -> dict:
    """Report a card one can see, with a reason: it goes to the moderation queue (nothing changes on the board)."""
    card = ctx.session.get(Card, clean_id(payload.get("id")))
    mine = card is not None and card.participant_id == ctx.participant.id
    if card is None or card.workshop_id != ctx.workshop_id or card.deleted or (
            (card.hidden or card.private) and not mine and not ctx.moderator):
        raise NotFound(_("Ce post-it n'existe plus."))
    item = service.report(ctx.session, "card", card.id, payload, participant=ctx.participant,
                          user=ctx.participant.user)
    return {"report": {"id": item.id, "status": item.status}}


@command(HIDE_CARD, system=True, emits=("card.hidden",), visibility=CARD)
def hide_card(ctx: Context, payload: dict) -> None:
    """Hide a reported card (decided in the moderation queue): participants' screens drop its text."""
    card = ctx.session.get(Card, clean_id(payload.get("id")))
    if card is None or card.workshop_id != ctx.workshop_id or card.deleted or card.hidden:
        return
    card.hidden, card.updated_at = True, now()
    ctx.session.flush()
    ctx.emit("card.hidden", {"card": card_dict(card)})
