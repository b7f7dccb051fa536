"""What waits for someone, told once by a periodic job:
- next steps falling due: a workshop's facilitator is reminded once of each open next step due within
  NEXT_STEP_REMINDER_DAYS days (the next step's `owner` is free text, not an account: the facilitator relays);
- reports waiting for moderation: each person who may decide on an open report hears of it once."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards.models import Workshop
from workshop.facilitation.models import NextStep
from workshop.moderation.models import Report
from workshop.moderation.service import REASONS, TARGET_LABELS, may_moderate
from workshop.networks.models import Network
from workshop.networks.service import coordinators_of
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
                   "detail": f"{workshop.title} · {step.owner} · {format_date(step.due_on, 'long')}"}
        told += notify(session, workshop.facilitator, "next_step_due", context, ref=ref) is not None
    return told


def remind_moderation(session: Session) -> int:
    """Tell those who may decide on each open report (moderation.service.may_moderate: coordinators, and a
    reported card's facilitator) that it waits, once each. The message names the kind of item and the reason in
    the person's language, never the reported text nor the reporter: a report is often about personal data."""
    reports = list(session.scalars(select(Report).where(Report.status == "open").order_by(Report.id)))
    coordinators = coordinators_of(session, set(session.scalars(select(Network.id)))) if reports else []
    told = 0
    for report in reports:
        people: dict[int, User] = {person.id: person for person in coordinators}
        workshop = session.get(Workshop, report.workshop_id) if report.workshop_id else None
        if workshop is not None and workshop.facilitator is not None and workshop.facilitator.active:
            people.setdefault(workshop.facilitator_id, workshop.facilitator)
        ref = f"report:{report.id}"
        for person in people.values():
            if already_sent(session, person.id, "moderation_waiting", ref) or not may_moderate(session, person,
                                                                                                  report):
                continue
            with force_locale(person.language):
                context = {"title": str(TARGET_LABELS.get(report.target_kind, report.target_kind)),
                           "detail": str(REASONS.get(report.reason, report.reason)), "url": "/moderation"}
            told += notify(session, person, "moderation_waiting", context, ref=ref) is not None
    return told
