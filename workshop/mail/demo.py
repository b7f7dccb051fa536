"""Demo data of the mail domain: a pending invitation and a few notifications waiting for the coordinator's daily
digest (idempotent; without MAIL_SERVER the messages go to the log)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.mail import invitations
from workshop.mail.models import Invitation
from workshop.notifications import service as notifications
from workshop.notifications.models import Notification

DEMO_INVITEE = ("karim.haddad@passerelles.demo", "Karim Haddad", "facilitator")
DEMO_NOTES = (
    ("review_requested", "demo:review", {"title": "Café des parents au collège Jean-Macé", "url": "/fiches"}),
    ("link_to_validate", "demo:link", {"title": "École Jules-Ferry — Centre social des Tilleuls",
                                       "url": "/carte/a-valider"}),
    ("membership_claim", "demo:claim", {"title": "Samia Animatrice — Centre social des Tilleuls",
                                        "url": "/carte"}),
)


def seed_mail(session: Session, coordinator_email: str) -> dict:
    """The invitation of a facilitator not yet arrived; three notifications for the coordinator's digest."""
    coordinator = accounts.get_by_email(session, coordinator_email)
    added = {"invitations": 0, "notifications": 0}
    if coordinator is None:
        return added
    email, name, role = DEMO_INVITEE
    known = session.scalar(select(Invitation.id).where(Invitation.email == email))
    if known is None and accounts.get_by_email(session, email) is None:
        invitations.invite(session, coordinator, email, name, role)
        added["invitations"] = 1
    setting = notifications.settings_of(session, coordinator.id)
    setting.digest = True
    for kind, ref, context in DEMO_NOTES:
        if session.scalar(select(Notification.id).where(Notification.ref == ref)) is None:
            notifications.notify(session, coordinator, kind, context, ref=ref)
            added["notifications"] += 1
    session.flush()
    return added
