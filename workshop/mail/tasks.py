"""Sending as a queued job: the worker (or, with JOBS_IMMEDIATE, the process that committed) sends each message;
a temporary failure asks Huey to run the job again after MAIL_RETRY_SECONDS."""

from __future__ import annotations

from flask import current_app
from huey.exceptions import RetryTask

from workshop.extensions import db
from workshop.jobs.queue import job_task
from workshop.mail.sending import deliver


@job_task("mail.send")
def send(message_id: int) -> str | None:
    """Send one message (one commit); retried later on a temporary failure."""
    attempt = deliver(db.session, message_id)
    db.session.commit()
    if attempt is not None and attempt.retry:
        raise RetryTask(delay=current_app.config["MAIL_RETRY_SECONDS"] or None)
    return attempt.status if attempt else None
