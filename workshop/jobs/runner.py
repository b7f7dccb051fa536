"""The worker's front: a queued task is to the worker what a view is to the web process, and owns its
transactions. The job is marked running (with the worker's pid) in a short transaction; the work flushes into
the session and says whether to keep what it wrote; its writes and the job's result are then committed together
(all or nothing), or the writes are rolled back and the outcome alone recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.errors import DomainError
from workshop.extensions import db
from workshop.jobs import service
from workshop.jobs.progress import Progress
from workshop.jobs.service import Outcome

log = logging.getLogger(__name__)


def execute(job_id: int, work: Callable[[Session, dict, Progress], Outcome]) -> None:
    """Run a queued job's work in this (worker) process: commit its writes with its result, or none of them."""
    session = db.session
    params = service.start(session, job_id)
    if params is None:
        return
    session.commit()
    progress = Progress(db.engine, job_id)
    try:
        outcome = work(session, params, progress)
    except DomainError as error:
        outcome = Outcome(keep=False, error_code=error.code, error_message=error.message)
    except Exception:
        log.exception("job %s (%s) failed", job_id, params.get("format", ""))
        outcome = Outcome(keep=False, error_code="internal",
                          error_message=_("Une erreur est survenue de notre côté : rien n'a été enregistré. "
                                          "Réessayez ; si cela recommence, prévenez la coordination."))
    finally:
        progress.close()
        if params.get("file"):
            service.spool_path(params["file"]).unlink(missing_ok=True)
    if not outcome.keep:
        session.rollback()
    service.finish(session, job_id, outcome)
    session.commit()
