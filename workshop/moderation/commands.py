"""Moderation on the board: a participant reports a card; the moderation queue hides it on every screen through
the board's own `card.hide` (the facilitator's command), run by the server."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.boards.models import Card
from workshop.errors import NotFound
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.live.kernel import current_kernel
from workshop.moderation import service
from workshop.moderation.models import Report
from workshop.validation import clean_id


@command("card.report", rate="REPORT_RATE")
def report_card(ctx: Context, payload: dict) -> dict:
    """Report a card one can see, with a reason: it goes to the moderation queue (nothing changes on the board)."""
    card = ctx.session.get(Card, clean_id(payload.get("id")))
    mine = card is not None and card.participant_id == ctx.participant.id
    if card is None or card.workshop_id != ctx.workshop_id or card.deleted or (
            (card.hidden or card.private or card.pending) and not mine and not ctx.moderator):
        raise NotFound(_("Ce post-it n'existe plus."))
    item = service.report(ctx.session, "card", card.id, payload, participant=ctx.participant,
                          user=ctx.participant.user)
    return {"report": {"id": item.id, "status": item.status}}


def hide_on_board(session: Session, item: Report) -> None:
    """Hide a reported card that is still shown, as the facilitator's `card.hide` does (the kernel's lock, log,
    commit and broadcast: every screen drops its text). Run before `service.decide`, which the front commits."""
    card = session.get(Card, item.target_id)
    if card is not None and not card.deleted and not card.hidden:
        current_kernel().perform_system(session, card.workshop_id, "card.hide", {"id": card.id})
