"""What the mail domain keeps about a person, for the privacy domain: export, erasure and retention of the mail
log, invitations, account links and notifications. Flush only."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.mail.models import AccountToken, Invitation, MailMessage
from workshop.notifications.models import Notification, NotificationSetting

# Messages, used or dead invitations and used links are kept this long (enough to answer "did you send it?").
KEEP_DAYS = 90


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_for(session: Session, user: User) -> dict:
    messages = session.scalars(select(MailMessage).where(
        or_(MailMessage.user_id == user.id, MailMessage.recipient == user.email)).order_by(MailMessage.id))
    invitations = session.scalars(select(Invitation).where(
        or_(Invitation.user_id == user.id, Invitation.email == user.email)).order_by(Invitation.id))
    notes = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    setting = session.get(NotificationSetting, user.id)
    return {
        "language": user.language,
        "mail_messages": [{"to": m.recipient, "subject": m.subject, "status": m.status,
                           "created_at": _at(m.created_at), "sent_at": _at(m.sent_at)} for m in messages],
        "invitations": [{"email": i.email, "name": i.name, "role": i.role, "state": i.state,
                         "created_at": _at(i.created_at)} for i in invitations],
        "notifications": [{"kind": n.kind, "context": n.context, "created_at": _at(n.created_at),
                           "mailed_at": _at(n.mailed_at)} for n in notes],
        "notification_choices": {"off": setting.off, "digest": setting.digest} if setting else None,
    }


def erase_for(session: Session, user: User) -> None:
    """Before the account's e-mail is replaced: its messages, invitations, links and notifications go."""
    session.execute(delete(MailMessage).where(or_(MailMessage.user_id == user.id,
                                                  MailMessage.recipient == user.email)))
    session.execute(delete(Invitation).where(or_(Invitation.user_id == user.id, Invitation.email == user.email)))
    for model in (AccountToken, Notification, NotificationSetting):
        session.execute(delete(model).where(model.user_id == user.id))
    session.flush()


def purge_old(session: Session, now: datetime) -> dict:
    """Retention: mail log entries, finished invitations, used or expired links and mailed notifications older
    than KEEP_DAYS."""
    cutoff = now - timedelta(days=KEEP_DAYS)
    counts = {
        "mail_messages": session.execute(delete(MailMessage).where(MailMessage.created_at < cutoff,
                                                                   MailMessage.status != "queued")).rowcount,
        "invitations": session.execute(delete(Invitation).where(Invitation.expires_at < cutoff)).rowcount,
        "account_tokens": session.execute(delete(AccountToken).where(AccountToken.expires_at < cutoff)).rowcount,
        "notifications": session.execute(delete(Notification).where(Notification.mailed_at < cutoff)).rowcount,
    }
    session.flush()
    return counts
