"""Next steps falling due: a workshop's facilitator is reminded once of each open next step due within
NEXT_STEP_REMINDER_DAYS days (the next step's `owner` is free text, not an account: the facilitator relays)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.facilitation.models import NextStep
from workshop.notifications.service import already_sent, notify


def remind_next_steps(session: Session, today: date) -> int:
    horizon = today + timedelta(days=current_app.config["NEXT_STEP_REMINDER_DAYS"])
    steps = session.execute(select(NextStep, Workshop).join(Workshop, Workshop.id == NextStep.workshop_id).where(
        NextStep.done.is_(False), NextStep.due_on.is_not(None), NextStep.due_on <= horizon,
        NextStep.due_on >= today - timedelta(days=1)).order_by(NextStep.due_on, NextStep.id)).all()
    told = 0
    for step, workshop in steps:
        ref = f"next_step:{step.id}"
        if workshop.facilitator is None or already_sent(session, workshop.facilitator_id, "next_step_due", ref):
            continue
        context = {"title": step.text, "url": f"/ateliers/{workshop.id}/suites",
                   "detail": f"{workshop.title} · {step.owner} · {step.due_on.isoformat()}"}
        told += notify(session, workshop.facilitator, "next_step_due", context, ref=ref) is not None
    return told
