"""Sending as a queued job: the worker (or, with JOBS_IMMEDIATE, the process that committed) sends each message;
a temporary failure asks Huey to run the job again after MAIL_RETRY_SECONDS. A password reset request is a job
too: the request that asks for it does the same work whether the address has an account or not."""

from __future__ import annotations

from flask import current_app
from huey.exceptions import RetryTask

from workshop.extensions import db
from workshop.jobs.queue import job_task
from workshop.mail import recovery
from workshop.mail.sending import deliver


@job_task("mail.send")
def send(message_id: int) -> str | None:
    """Send one message (one commit); retried later on a temporary failure."""
    attempt = deliver(db.session, message_id)
    db.session.commit()
    if attempt is not None and attempt.retry:
        raise RetryTask(delay=current_app.config["MAIL_RETRY_SECONDS"] or None)
    return attempt.status if attempt else None


@job_task("mail.request_reset")
def request_reset(email: str) -> bool:
    """Look the address up and, for an active account, queue its reset link (one commit)."""
    sent = recovery.request_reset(db.session, email)
    db.session.commit()
    return sent
