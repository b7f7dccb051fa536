"""The outbox, the public API other domains call to send e-mail:

    outbox.queue(session, to, template, context, language, attachments=(), user_id=None) -> MailMessage

renders `templates/mail/<template>.txt` (first line: the subject) and `.html` in the recipient's language, stores
the message (status `queued`) and flushes. Sending is a job (`mail.tasks.send`) queued only once the caller's
transaction commits (a rolled-back request sends nothing); the front that received the request commits as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workshop.accounts.service import clean_email
from workshop.errors import ValidationError
from workshop.extensions import mail
from workshop.i18n import STAFF_LANGUAGES
from workshop.jobs.queue import enqueue
from workshop.mail import tasks
from workshop.mail.models import MailMessage

PENDING = "mail.pending"  # session.info key: ids of messages to send once the transaction commits
ATTACHMENT_MAX = 200_000


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for a message: PUBLIC_URL + the route's path (never the request's Host header; works in the CLI
    and the worker, which have no request)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message in `language`."""
    with force_locale(language):
        text = render_template(f"mail/{template}.txt", lang=language, **context)
        html = render_template(f"mail/{template}.html", lang=language, **context)
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n", html


def queue(session: Session, to: str, template: str, context: dict[str, Any], language: str = "fr",
          attachments: Iterable[dict[str, str]] = (), user_id: int | None = None) -> MailMessage:
    """Render and store a message for `to`; it is sent by a job after the caller commits.
    `attachments`: {"filename", "mimetype", "content"} (text, e.g. an ICS file)."""
    address = clean_email(to)
    language = language if language in STAFF_LANGUAGES else "fr"
    files = [dict(a) for a in attachments]
    if sum(len(a.get("content", "")) for a in files) > ATTACHMENT_MAX:
        raise ValidationError(_("Pièces jointes trop volumineuses."), field="attachments")
    subject, text, html = render(template, context, language)
    message = MailMessage(recipient=address, user_id=user_id, template=template, language=language,
                          subject=subject[:300], body_text=text, body_html=html, attachments=files)
    session.add(message)
    session.flush()
    session.info.setdefault(PENDING, []).append(message.id)
    return message


def failed_messages(session: Session, limit: int = 200) -> list[MailMessage]:
    return list(session.scalars(select(MailMessage).where(MailMessage.status == "failed")
                                .order_by(MailMessage.id.desc()).limit(limit)))


def recent_messages(session: Session, limit: int = 50) -> list[MailMessage]:
    return list(session.scalars(select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)))


def install(app) -> None:
    """Choose the backend (SMTP when MAIL_SERVER is set, else the log) and, once for the process, queue each
    committed message's job after its transaction commits."""
    app.config.setdefault("MAIL_BACKEND", "smtp" if app.config.get("MAIL_SERVER") else
                          "workshop.mail.logbackend.EmailBackend")
    mail.init_app(app)
    if not event.contains(Session, "after_commit", _send_committed):
        event.listen(Session, "after_commit", _send_committed)
        event.listen(Session, "after_soft_rollback", _forget_rolled_back)


def _send_committed(session: Session) -> None:
    ids = session.info.pop(PENDING, None)
    if ids and has_app_context():
        for message_id in ids:
            enqueue(tasks.send, message_id)


def _forget_rolled_back(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)
