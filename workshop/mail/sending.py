"""Handing a stored message to the mail server (flask-mailman), and what a failure means: a temporary one (4xx,
connection refused or cut) is tried again later, a permanent one (5xx) is recorded and shown to coordinators."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.orm import Session

from workshop.extensions import mail
from workshop.mail.models import MailMessage
from workshop.mail.tokens import now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What one try gave: `retry` when a temporary failure leaves tries."""

    status: str
    retry: bool = False


def build(message: MailMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[message.recipient])
    email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments or []:
        email.attach(item["filename"], item["content"], item.get("mimetype") or "application/octet-stream")
    return email


def smtp_code(error: Exception) -> int | None:
    """The SMTP reply code of a refusal (the worst one when several recipients were refused), else None."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def is_temporary(error: Exception) -> bool:
    code = smtp_code(error)
    if code is not None:
        return 400 <= code < 500
    return isinstance(error, (OSError, smtplib.SMTPServerDisconnected))


def deliver(session: Session, message_id: int) -> Attempt | None:
    """One try at sending a queued message; flushes its new state (the task commits)."""
    message = session.get(MailMessage, message_id)
    if message is None or message.status != "queued":
        return None
    message.attempts += 1
    try:
        # The connection as a context manager: flask-mailman's send() leaves the socket open when the server
        # refuses a message.
        with mail.get_connection(fail_silently=False) as connection:
            connection.send_messages([build(message)])
    except (smtplib.SMTPException, OSError) as error:
        message.error = f"{smtp_code(error) or type(error).__name__}: {error}"[:500]
        if is_temporary(error) and message.attempts < current_app.config["MAIL_MAX_ATTEMPTS"]:
            session.flush()
            return Attempt("queued", retry=True)
        message.status = "failed"
    except Exception as error:  # a message the library cannot build or send: no retry would help
        log.exception("mail %s could not be sent", message.id)
        message.error = f"{type(error).__name__}: {error}"[:500]
        message.status = "failed"
    else:
        message.status = "sent" if current_app.config["MAIL_SERVER"] else "logged"
        message.sent_at = now()
        message.error = ""
    session.flush()
    return Attempt(message.status)
