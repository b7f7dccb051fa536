"""Periodic notification work for the worker: reminders of next steps falling due, then the daily digests; every
hour, the reports waiting for moderation."""

from __future__ import annotations

from datetime import UTC, datetime

from huey import crontab

from workshop.extensions import db
from workshop.jobs.queue import job_task
from workshop.notifications.reminders import remind_moderation, remind_next_steps
from workshop.notifications.service import send_digests


@job_task("notifications.remind_next_steps", periodic=crontab(minute="0", hour="7"))
def remind() -> int:
    """Every morning at 07:00: remind facilitators of next steps falling due (one commit)."""
    told = remind_next_steps(db.session, datetime.now(UTC).date())
    db.session.commit()
    return told


@job_task("notifications.digest", periodic=crontab(minute="30", hour="7"))
def digest() -> int:
    """Every morning at 07:30: one message per person gathering what waits for them (one commit)."""
    sent = send_digests(db.session)
    db.session.commit()
    return sent


@job_task("notifications.remind_moderation", periodic=crontab(minute="15"))
def moderation() -> int:
    """Every hour: tell who may moderate of the reports that arrived (one commit)."""
    told = remind_moderation(db.session)
    db.session.commit()
    return told
