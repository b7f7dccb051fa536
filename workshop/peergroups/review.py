""""Où en est-on ?": the next steps an earlier session left open, reviewed live at the start of the next one.

The facilitator marks each step done, ongoing (carried again to the following session) or dropped; every screen
of the board sees the mark at once (`review.marked`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.host import SharedPart
from workshop.boards.models import Participant, Workshop
from workshop.errors import NotFound, ValidationError
from workshop.facilitation.control import phases_of
from workshop.facilitation.models import NextStep
from workshop.formats.builtin import REACT, WRITE
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.peergroups.models import CarriedStep, PeerGroupSession
from workshop.validation import clean_id

STATUSES = ("open", "done", "ongoing", "dropped")
REVIEW_PHASE = {"key": "ou-en-est-on", "label": "Où en est-on ?", "label_en": "Where are we?",
                "instructions": "Les suites à donner des séances précédentes : faites, en cours ou abandonnées ?",
                "minutes": 10, "allows": [WRITE, REACT], "private": False, "by_table": False}


def open_with_review(workshop: Workshop) -> None:
    """Put the review phase first in the workshop's phases (the board opens on it)."""
    phases = [p for p in phases_of(workshop) if p["key"] != REVIEW_PHASE["key"]]
    workshop.settings = {**(workshop.settings or {}), "phases": [REVIEW_PHASE, *phases]}


def dropped_steps(session: Session, step_ids: list[int]) -> set[int]:
    """Among these steps, those whose latest review dropped them."""
    if not step_ids:
        return set()
    latest = (select(CarriedStep.step_id, func.max(CarriedStep.id).label("last"))
              .where(CarriedStep.step_id.in_(step_ids)).group_by(CarriedStep.step_id).subquery())
    return set(session.scalars(select(CarriedStep.step_id).join(latest, latest.c.last == CarriedStep.id)
                               .where(CarriedStep.status == "dropped")))


def carried(session: Session, workshop_id: int) -> list[tuple[CarriedStep, NextStep, int | None]]:
    """The steps this session reviews, with the number of the session they come from."""
    return list(session.execute(
        select(CarriedStep, NextStep, PeerGroupSession.number)
        .join(NextStep, NextStep.id == CarriedStep.step_id)
        .outerjoin(PeerGroupSession, PeerGroupSession.workshop_id == NextStep.workshop_id)
        .where(CarriedStep.workshop_id == workshop_id).order_by(CarriedStep.position, CarriedStep.id)).all())


def step_dict(item: CarriedStep, step: NextStep, number: int | None) -> dict:
    return {"id": item.id, "text": step.text, "owner": step.owner,
            "due_on": step.due_on.isoformat() if step.due_on else None, "session": number,
            "status": item.status}


def review_state(session: Session, workshop: Workshop, _viewer: Participant | None) -> dict:
    """A part of the board's state: the steps under review, when this session has any."""
    rows = carried(session, workshop.id)
    return {"review": [step_dict(*row) for row in rows]} if rows else {}


REVIEW = SharedPart(shared=lambda session, workshop: (review_state(session, workshop, None), frozenset()),
                    own=lambda _session, _workshop, _viewer, built: built, whole=review_state)  # alike for all


def set_status(session: Session, workshop_id: int, item_id: object, status: object) -> dict:
    """Mark a carried step done, ongoing, dropped (or open again); done also closes the step itself."""
    item_id = clean_id(item_id)
    if not isinstance(status, str) or status not in STATUSES:
        raise ValidationError(_("Statut inconnu : fait, en cours ou abandonné."), field="status")
    item = session.get(CarriedStep, item_id)
    if item is None or item.workshop_id != workshop_id:
        raise NotFound(_("Cette suite à donner n'est pas à l'ordre du jour de cette séance."))
    step = session.get(NextStep, item.step_id)
    item.status = status
    step.done = status == "done"
    session.flush()
    number = session.scalar(select(PeerGroupSession.number).where(PeerGroupSession.workshop_id == step.workshop_id))
    return step_dict(item, step, number)


@command("review.mark", moderator=True, emits=("review.marked",))
def mark_step(ctx: Context, payload: dict) -> None:
    """The facilitator marks a step under review; every screen of the board sees it."""
    ctx.emit("review.marked", {"step": set_status(ctx.session, ctx.workshop_id, payload.get("id"),
                                                  payload.get("status"))})
