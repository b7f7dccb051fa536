"""Retention: names and card texts of workshops closed more than RETENTION_MONTHS ago are erased, and the
names on time entries of programmes ended as long ago.

`purge_expired(session, now)` is self-contained (it reads the setting from the current app, or takes `months`)
so that a periodic task can call it; it flushes, and its caller commits once.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.live.models import BoardEvent
from workshop.meetings import privacy as meetings_privacy
from workshop.moderation import privacy as reports
from workshop.privacy import erasure
from workshop.programme.models import Programme, TimeEntry


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def expired_workshops(session: Session, cutoff: datetime) -> list[int]:
    """Closed workshops whose closing (their last `workshop.closed` event; their creation when none was logged)
    is older than `cutoff`."""
    closed_at = (select(BoardEvent.workshop_id, func.max(BoardEvent.at).label("at"))
                 .where(BoardEvent.type == "workshop.closed").group_by(BoardEvent.workshop_id).subquery())
    when = func.coalesce(closed_at.c.at, Workshop.created_at)
    return list(session.scalars(select(Workshop.id).outerjoin(closed_at, closed_at.c.workshop_id == Workshop.id)
                                .where(Workshop.status == "closed", when < cutoff).order_by(Workshop.id)))


def purge_expired(session: Session, now: datetime, *, months: int | None = None, dry_run: bool = False) -> dict:
    """Erase the names and texts of every workshop closed more than `months` (default: the RETENTION_MONTHS
    setting) before `now` (naive UTC); returns counts. With `dry_run`, counts what would go and changes nothing."""
    months = current_app.config["RETENTION_MONTHS"] if months is None else months
    cutoff = months_before(now, months)
    totals = {"workshops": 0, "participants": 0, "cards": 0, "replies": 0, "events": 0,
              "time_entries": _expired_time_names(session, cutoff, dry_run)}
    # Registrations to meetings held before the cutoff lose their names, e-mails and needs.
    totals["registrations"] = meetings_privacy.purge_registrations(session, cutoff, dry_run=dry_run)
    totals["reports"] = reports.purge_decided(session, cutoff, dry_run=dry_run)
    for workshop_id in expired_workshops(session, cutoff):
        done = erasure.pending(session, workshop_id) if dry_run else erasure.erase(session, workshop_id)
        if done:
            totals["workshops"] += 1
            for key, count in done.counts().items():
                totals[key] += count
    return totals


def _expired_time_names(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Who worked, on time entries of programmes ended before `cutoff`: the hours stay, the names go."""
    ended = select(Programme.id).where(Programme.ends_on < cutoff.date())
    which = (TimeEntry.programme_id.in_(ended), TimeEntry.person != "")
    if dry_run:
        return session.scalar(select(func.count(TimeEntry.id)).where(*which)) or 0
    return session.execute(update(TimeEntry).where(*which).values(person="")).rowcount
