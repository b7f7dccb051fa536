"""The retention schedule, run by the task worker: every night, names and card texts of workshops closed more
than RETENTION_MONTHS ago are erased (`flask purge-personal-data` does the same by hand)."""

from __future__ import annotations

from datetime import UTC, datetime

from huey import crontab

from workshop.extensions import db
from workshop.jobs.queue import job_task
from workshop.mail import personal as mail_personal
from workshop.privacy.retention import purge_expired


@job_task("privacy.purge_expired", periodic=crontab(minute="37", hour="3"))
def purge_personal_data() -> dict:
    """Every night at 03:37: erase what the retention period no longer allows to keep (one commit)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    counts = purge_expired(db.session, now)
    counts.update(mail_personal.purge_old(db.session, now))
    db.session.commit()
    return counts
