"""The public API other domains call:

    notify(session, user, kind, context) -> Notification | None

records what concerns `user` and, by their choices, mails it at once (through `mail.outbox`), leaves it for the
daily digest, or drops it (kind turned off). `context` holds what the message shows: "title", "url" (a path or
absolute link), and optional "detail". Flushes; the caller commits."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.mail import outbox, tokens
from workshop.notifications.models import Notification, NotificationSetting

# kind -> label shown on the account page and in messages.
KINDS: dict[str, Any] = {
    "review_requested": _l("Une fiche pratique attend votre relecture"),
    "review_decided": _l("Décision sur une fiche pratique que vous suivez"),
    "link_to_validate": _l("Un lien entre structures attend votre validation"),
    "membership_claim": _l("Une demande de rattachement à une structure attend votre validation"),
    "next_step_due": _l("Une suite à donner arrive à échéance"),
    "moderation_waiting": _l("Un signalement attend la modération"),
    "trial_to_validate": _l("Un essai de fiche pratique attend votre validation"),
    "trial_decided": _l("Décision sur votre essai d'une fiche pratique"),
}
# A registration's confirmation is not among them: it goes to the address given when registering (meetings.mails),
# account or not, and cannot be turned off here.


def settings_of(session: Session, user_id: int) -> NotificationSetting:
    setting = session.get(NotificationSetting, user_id)
    if setting is None:
        setting = NotificationSetting(user_id=user_id, off=[], digest=False)
        session.add(setting)
        session.flush()
    return setting


def choose(session: Session, user: User, wanted: list[str], digest: bool) -> NotificationSetting:
    """Keep the kinds in `wanted` on (unknown kinds are ignored) and the digest choice."""
    setting = settings_of(session, user.id)
    setting.off = sorted(kind for kind in KINDS if kind not in set(wanted))
    setting.digest = bool(digest)
    session.flush()
    return setting


def turn_off(session: Session, user_id: int, kind: str) -> bool:
    """The unsubscribe link: turn one kind off. False when the user or kind is unknown."""
    if kind not in KINDS or session.get(User, user_id) is None:
        return False
    setting = settings_of(session, user_id)
    if kind not in setting.off:
        setting.off = sorted({*setting.off, kind})
    session.flush()
    return True


def _link(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else current_app.config["PUBLIC_URL"].rstrip("/") + url


def notify(session: Session, user: User, kind: str, context: dict[str, Any], *, ref: str = "",
           attachments: tuple[dict[str, str], ...] = ()) -> Notification | None:
    """Tell `user` about something of `kind` (one of KINDS); None when they turned that kind off or their account
    is disabled. With attachments (an ICS), the message leaves at once even for digest readers."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.active:
        return None
    setting = settings_of(session, user.id)
    if kind in setting.off:
        return None
    context = {**context, "url": _link(str(context.get("url", "/")))}
    note = Notification(user_id=user.id, kind=kind, ref=ref[:80], context=context)
    session.add(note)
    session.flush()
    if not setting.digest or attachments:
        outbox.queue(session, user.email, "notification", {
            "name": user.name, "kind": kind, "label": KINDS[kind], "item": context,
            "unsubscribe": unsubscribe_url(user.id, kind), "account": outbox.absolute_url("mail.account.page"),
        }, user.language, attachments, user_id=user.id)
        note.mailed_at = tokens.now()
        session.flush()
    return note


def notify_all(session: Session, users: list[User], kind: str, context: dict[str, Any], *, ref: str = "",
               skip: User | None = None) -> int:
    """notify() each person once (not `skip`, who did the thing); returns how many were told."""
    seen: set[int] = set()
    told = 0
    for user in users:
        if user.id in seen or (skip is not None and user.id == skip.id):
            continue
        seen.add(user.id)
        told += notify(session, user, kind, context, ref=ref) is not None
    return told


def unsubscribe_url(user_id: int, kind: str) -> str:
    return outbox.absolute_url("notifications.unsubscribe", token=tokens.unsubscribe_token(user_id, kind))


def already_sent(session: Session, user_id: int, kind: str, ref: str) -> bool:
    return session.scalar(select(Notification.id).where(
        Notification.user_id == user_id, Notification.kind == kind, Notification.ref == ref).limit(1)) is not None


def send_digests(session: Session) -> int:
    """One message per person gathering their waiting notifications; returns how many messages were queued."""
    waiting = list(session.scalars(select(Notification).where(Notification.mailed_at.is_(None))
                                   .order_by(Notification.user_id, Notification.id)))
    by_user: dict[int, list[Notification]] = {}
    for note in waiting:
        by_user.setdefault(note.user_id, []).append(note)
    sent = 0
    for user_id, notes in by_user.items():
        user = session.get(User, user_id)
        moment = tokens.now()
        for note in notes:
            note.mailed_at = moment
        if user is None or not user.active:
            continue
        setting = settings_of(session, user.id)
        items = [{"label": KINDS.get(n.kind, n.kind), "item": n.context,
                  "unsubscribe": unsubscribe_url(user.id, n.kind)} for n in notes if n.kind not in setting.off]
        if items:
            outbox.queue(session, user.email, "digest", {
                "name": user.name, "items": items, "account": outbox.absolute_url("mail.account.page"),
            }, user.language, user_id=user.id)
            sent += 1
    session.flush()
    return sent

