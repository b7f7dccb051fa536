"""Periodic clean-up run by the worker's scheduler: jobs are kept JOBS_RETENTION_DAYS days, then deleted."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from workshop.extensions import db
from workshop.jobs.queue import job_task
from workshop.jobs.service import purge_old_jobs


@job_task("jobs.purge_old_jobs", periodic=crontab(minute="17", hour="3"))
def purge_jobs() -> int:
    """Every night: delete old jobs and their leftover files (one commit)."""
    deleted = purge_old_jobs(db.session, current_app.config["JOBS_RETENTION_DAYS"])
    db.session.commit()
    return deleted
