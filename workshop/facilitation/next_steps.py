"""Next steps of a workshop ("suites à donner"): what the group decided to do after the meeting, by whom and by
when. The facilitator keeps the list, at any time during or after the workshop; the report prints it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.errors import NotFound, ValidationError
from workshop.facilitation.models import NextStep
from workshop.validation import clean_text

TEXT_MAX = 300
OWNER_MAX = 120
STEPS_MAX = 100  # a report page, not a project tracker


def list_steps(session: Session, workshop: Workshop) -> list[NextStep]:
    return list(session.scalars(select(NextStep).where(NextStep.workshop_id == workshop.id)
                                .order_by(NextStep.position, NextStep.id)))


def add_step(session: Session, workshop: Workshop, text: str, owner: str = "", due_on: date | None = None
             ) -> NextStep:
    """Add a step at the end of the list; the text is required, the owner and the date are not."""
    text = clean_text(text, "text", max_len=TEXT_MAX, label=_("Suite à donner"))
    owner = clean_text(owner or "", "owner", min_len=0, max_len=OWNER_MAX, label=_("Qui s'en charge"))
    if due_on is not None and not isinstance(due_on, date):
        raise ValidationError(_("Date invalide."), field="due_on")
    count, last = session.execute(select(func.count(), func.max(NextStep.position))
                                  .where(NextStep.workshop_id == workshop.id)).one()
    if count >= STEPS_MAX:
        raise ValidationError(_("Cet atelier a déjà %(n)d suites à donner.", n=STEPS_MAX), field="text")
    step = NextStep(workshop_id=workshop.id, text=text, owner=owner, due_on=due_on, position=(last or 0) + 1)
    session.add(step)
    session.flush()
    return step


def _step(session: Session, workshop: Workshop, step_id: int) -> NextStep:
    step = session.get(NextStep, step_id)
    if step is None or step.workshop_id != workshop.id:
        raise NotFound(_("Cette suite à donner n'existe plus."))
    return step


def set_done(session: Session, workshop: Workshop, step_id: int, done: bool) -> NextStep:
    step = _step(session, workshop, step_id)
    step.done = bool(done)
    session.flush()
    return step


def delete_step(session: Session, workshop: Workshop, step_id: int) -> None:
    session.delete(_step(session, workshop, step_id))
    session.flush()
