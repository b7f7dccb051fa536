"""Jobs: queue one for a person, spool its upload, mark it running and finished, and let its owner follow it.

Plain functions that flush; the task front (`jobs.runner.execute`) owns the transactions.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from workshop.errors import NotFound, ValidationError
from workshop.jobs.models import Job, utcnow

log = logging.getLogger(__name__)
SPOOL_NAME = re.compile(r"^[0-9a-f]{32}\.upload$")
CHUNK = 1024 * 1024


@dataclass
class Outcome:
    """What a job's work came to: its result summary, whether to commit what it wrote, or an error."""

    result: dict[str, Any] = field(default_factory=dict)
    keep: bool = True
    error_code: str | None = None
    error_message: str | None = None


def create_job(session: Session, kind: str, owner_id: int | None, params: dict[str, Any]) -> Job:
    """A queued job (flushed: the caller commits before queuing its task, so the worker finds it)."""
    job = Job(kind=kind, owner_id=owner_id, params=params, state="queued")
    session.add(job)
    session.flush()
    return job


def get_for(session: Session, job_id: int, user) -> Job:
    """The job, for its owner (and for coordinators, jobs nobody started: scheduled ones); else NotFound, so that
    nobody learns which jobs exist."""
    job = session.get(Job, job_id)
    if job is None or not _may_see(job, user):
        raise NotFound(_("Cette tâche n'existe pas (ou plus)."))
    return job


def _may_see(job: Job, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if job.owner_id is None:
        return user.is_admin
    return job.owner_id == user.id


# --- Uploads -------------------------------------------------------------------------------------------------


def spool_dir() -> Path:
    path = Path(current_app.config["JOBS_SPOOL_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def spool_upload(upload: FileStorage, max_bytes: int) -> str:
    """Copy an uploaded file to the spool folder, refusing it past `max_bytes`; returns its spool name."""
    name = f"{secrets.token_hex(16)}.upload"
    path = spool_dir() / name
    size = 0
    with path.open("wb") as out:
        os.chmod(path, 0o600)
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationError(_("Fichier trop volumineux : %(n)d Mo au plus.", n=max_bytes // (1024 * 1024)),
                                      field="file")
            out.write(chunk)
    upload.close()
    return name


def spool_path(name: str) -> Path:
    if not SPOOL_NAME.match(name or ""):
        raise ValueError(f"not a spool file name: {name!r}")
    return spool_dir() / name


# --- Running ---------------------------------------------------------------------------------------------------


def start(session: Session, job_id: int) -> dict | None:
    """Mark a queued job running in this worker (its pid) and return its params; None when there is nothing to run
    (deleted meanwhile, or a second delivery of the same job)."""
    job = session.get(Job, job_id)
    if job is None or job.state != "queued":
        return None
    job.state, job.started_at, job.worker_pid = "running", utcnow(), os.getpid()
    session.flush()
    return dict(job.params)


def finish(session: Session, job_id: int, outcome: Outcome) -> None:
    """Record how a job ended: its result, or its error in French with the error's code."""
    _finish(session.get(Job, job_id), outcome)
    session.flush()


def _finish(job: Job, outcome: Outcome) -> None:
    job.result = outcome.result or None
    job.finished_at = utcnow()
    if outcome.error_code:
        job.state, job.error_code, job.error_message = "failed", outcome.error_code, outcome.error_message
    else:
        job.state = "done"
        job.done = max(job.done, job.total)


# --- Housekeeping ----------------------------------------------------------------------------------------------


STALE_AFTER = timedelta(hours=6)  # a job "running" that long lost its worker (stopped or killed mid-job)


def purge_old_jobs(session: Session, days: int) -> int:
    """Delete jobs created more than `days` days ago and spooled files nobody will read; say that jobs whose
    worker died will not finish (their transaction died with it: nothing was written). Returns jobs deleted."""
    for job in session.scalars(select(Job).where(Job.state == "running", Job.started_at < utcnow() - STALE_AFTER)):
        _finish(job, Outcome(error_code="internal", error_message=_(
            "Le travail a été interrompu (arrêt du serveur de tâches) : rien n'a été enregistré. Relancez-le.")))
    cutoff = utcnow() - timedelta(days=days)
    old = list(session.scalars(select(Job.id).where(Job.created_at < cutoff)))
    if old:
        session.execute(delete(Job).where(Job.id.in_(old)))
    waiting = {params.get("file") for params in session.scalars(select(Job.params)) if params}
    for path in spool_dir().glob("*.upload"):
        if path.name not in waiting and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
    session.flush()
    return len(old)
