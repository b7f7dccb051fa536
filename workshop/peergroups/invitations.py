"""Invitations to a peer group by e-mail: its facilitator invites people (with or without an account) to the
group and its next session; the e-mail gives the session's date, hours, place and board link with a calendar
file; the person answers from the link: coming, declining, or never to be invited again.

Personal data: the address is asked to send this invitation and to tell the facilitator the answer, nothing
else; it is exported and erased with the person's data (workshop/privacy). An opt-out keeps only a hash.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.accounts.service import active_by_email, clean_email, normalise_email
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.i18n import STAFF_LANGUAGES
from workshop.mail import outbox, tokens
from workshop.mail.models import MailMessage
from workshop.peergroups import service
from workshop.peergroups.models import GroupInvitation, InvitationOptOut, PeerGroup, PeerGroupMember, PeerGroupSession

TEMPLATE = "group_invitation"
AT_ONCE_MAX = 30  # addresses in one invitation form
ANSWERS = ("accepted", "declined")
NEVER = "never"  # the third answer: never invited again, by any group (the address is erased)
STATUSES = {"pending": _l("en attente"), "accepted": _l("vient"), "declined": _l("a décliné")}  # facilitator's list
ANSWERED = {  # what the invited person's page says of their answer
    "pending": _l("Votre réponse est attendue."),
    "accepted": _l("Vous avez répondu : je viens."),
    "declined": _l("Vous avez décliné : ce groupe ne vous invitera plus."),
}


def email_hash(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def opted_out(session: Session, email: str) -> bool:
    return session.get(InvitationOptOut, email_hash(email)) is not None


def next_session(session: Session, group: PeerGroup) -> PeerGroupSession | None:
    """The group's latest session if it is still to come (today or later): the one the invitation is for."""
    last = session.scalar(select(PeerGroupSession).where(PeerGroupSession.group_id == group.id)
                          .order_by(PeerGroupSession.number.desc()).limit(1))
    if last is None or last.workshop.held_on is None or last.workshop.held_on < date.today():
        return None
    return last


def split_addresses(text: Any) -> list[str]:
    """Addresses typed one a line or separated by commas or semicolons, each checked, duplicates once."""
    if not isinstance(text, str):
        raise ValidationError(_("Adresse e-mail invalide."), field="emails")
    found = [part for part in re.split(r"[\s,;]+", text) if part]
    if not found:
        raise ValidationError(_("Indiquez au moins une adresse e-mail."), field="emails")
    if len(found) > AT_ONCE_MAX:
        raise ValidationError(_("%(n)d adresses au plus à la fois.", n=AT_ONCE_MAX), field="emails")
    addresses = []
    for part in found:
        try:
            address = clean_email(part)
        except ValidationError:
            raise ValidationError(_("Adresse e-mail invalide : %(a)s", a=part[:80]), field="emails") from None
        if address not in addresses:
            addresses.append(address)
    return addresses


def _hours(starts: time | None, ends: time | None) -> None:
    if starts and ends and ends <= starts:
        raise ValidationError(_("L'heure de fin doit suivre l'heure de début."), field="ends_at")


def invite(session: Session, actor: User, group: PeerGroup, emails: Any, *, starts_at: time | None = None,
           ends_at: time | None = None, language: str = "fr") -> dict[str, list[str]]:
    """Invite addresses to the group (and its next session, whose hours are set here when given). Returns the
    addresses `sent` (a pending invitation is sent again with a new link) and those `skipped`: already members,
    who declined this group, or who asked never to be invited."""
    if not service.can_run(actor, group):
        raise Forbidden(_("Seul·es les animateur·rices du groupe invitent."))
    addresses = split_addresses(emails)
    _hours(starts_at, ends_at)
    upcoming = next_session(session, group)
    if upcoming is not None and (starts_at or ends_at):
        upcoming.starts_at, upcoming.ends_at = starts_at, ends_at
    members = {e.lower() for e in session.scalars(select(User.email).join(PeerGroupMember).where(
        PeerGroupMember.group_id == group.id))}
    sent, skipped = [], []
    for address in addresses:
        invitation = session.scalar(select(GroupInvitation).where(GroupInvitation.group_id == group.id,
                                                                  GroupInvitation.email == address))
        if address in members or opted_out(session, address) or (invitation and invitation.status == "declined"):
            skipped.append(address)
            continue
        if invitation is None:
            invitation = GroupInvitation(group_id=group.id, email=address, token_hash="",
                                         language=language if language in STAFF_LANGUAGES else "fr")
            session.add(invitation)
        invitation.invited_by_id = actor.id
        invitation.status = "pending"
        token, invitation.token_hash = tokens.new_token()
        session.flush()
        _send(session, invitation, group, upcoming, token, actor)
        sent.append(address)
    return {"sent": sent, "skipped": skipped}


def _send(session: Session, invitation: GroupInvitation, group: PeerGroup, upcoming: PeerGroupSession | None,
          token: str, actor: User) -> None:
    context = {"group": group.name, "purpose": group.purpose, "inviter": actor.name, "when": "", "place": "",
               "board_url": "", "link": outbox.absolute_url("peergroups.invitation", token=token)}
    attachments = []
    if upcoming is not None:
        workshop = upcoming.workshop
        when = format_date(workshop.held_on, "full")
        if upcoming.starts_at:
            when += ", " + format_time(upcoming.starts_at, "short")
            if upcoming.ends_at:
                when += " – " + format_time(upcoming.ends_at, "short")
        context.update(when=when, place=workshop.place or group.place,
                       board_url=outbox.absolute_url("boards.board", code=workshop.code))
        attachments.append({"filename": f"groupe-{group.id}-seance-{upcoming.number}.ics",
                            "mimetype": "text/calendar", "content": session_ics(group, upcoming, context)})
    outbox.queue(session, invitation.email, TEMPLATE, context, invitation.language, attachments=attachments)


def session_ics(group: PeerGroup, sitting: PeerGroupSession, context: dict[str, str]) -> str:
    """The session as a calendar event: timed when its hours are known, else the whole day."""
    from zoneinfo import ZoneInfo

    from workshop.meetings.ics import event_ics
    from workshop.meetings.service import TIMEZONE

    day = sitting.workshop.held_on
    starts, ends = day, day + timedelta(days=1)
    if sitting.starts_at:
        zone = ZoneInfo(TIMEZONE)
        starts = datetime.combine(day, sitting.starts_at, zone)
        ends = datetime.combine(day, sitting.ends_at, zone) if sitting.ends_at else starts + timedelta(hours=2)
    return event_ics(prodid="-//Passerelles//groupes de pairs//FR",
                     uid=f"peer-group-{group.id}-session-{sitting.number}@passerelles",
                     summary=sitting.workshop.title, starts=starts, ends=ends, stamp=tokens.now(),
                     place=context["place"], url=context["board_url"],
                     description="\n".join(p for p in (group.purpose, context["board_url"]) if p)).decode()


def by_token(session: Session, token: Any) -> GroupInvitation:
    invitation = None
    if tokens.well_formed(token):
        invitation = session.scalar(select(GroupInvitation).where(GroupInvitation.token_hash == tokens.digest(token)))
    if invitation is None:
        raise NotFound(_("Ce lien d'invitation n'est pas (ou plus) valable."))
    return invitation


def answer(session: Session, invitation: GroupInvitation, status: str) -> None:
    """Coming (an account with this address joins the group as a member) or declining (not invited to this
    group again)."""
    if status not in ANSWERS:
        raise ValidationError(_("Réponse inconnue."), field="answer")
    invitation.status, invitation.answered_at = status, tokens.now()
    if status == "accepted":
        user = active_by_email(session, invitation.email)
        group = invitation.group
        if user is not None and all(m.user_id != user.id for m in group.members):
            group.members.append(PeerGroupMember(user_id=user.id, role="member"))
    session.flush()


def respond(session: Session, invitation: GroupInvitation, reply: Any) -> bool:
    """The answer given on the invitation's page; True when it was never again (the invitation is gone)."""
    if reply == NEVER:
        opt_out(session, invitation)
        return True
    answer(session, invitation, reply)
    return False


def opt_out(session: Session, invitation: GroupInvitation) -> None:
    """Never to be invited again, by any group: every invitation to the address goes (declined ones would keep
    the address for nothing) and only its hash stays."""
    if not opted_out(session, invitation.email):
        session.add(InvitationOptOut(email_hash=email_hash(invitation.email)))
    erase_for(session, invitation.email)


def for_group(session: Session, group: PeerGroup) -> list[GroupInvitation]:
    return list(session.scalars(select(GroupInvitation).where(GroupInvitation.group_id == group.id)
                                .order_by(GroupInvitation.id)))


# --- Personal data -------------------------------------------------------------------------------------------


def export_for(session: Session, email: str) -> dict[str, Any]:
    rows = session.execute(select(GroupInvitation, PeerGroup.name).join(PeerGroup)
                           .where(GroupInvitation.email == normalise_email(email)).order_by(GroupInvitation.id)).all()
    return {"invitations": [{"group": name, "status": i.status, "invited_at": _at(i.invited_at),
                             "answered_at": _at(i.answered_at)} for i, name in rows],
            "never_invite": opted_out(session, email)}


def erase_for(session: Session, email: str) -> int:
    """Delete the invitations to an address and the copies of their e-mails in the mail log (the opt-out, a
    hash, stays: it is what the person asked)."""
    email = normalise_email(email)
    session.execute(delete(MailMessage).where(MailMessage.recipient == email, MailMessage.template == TEMPLATE))
    result = session.execute(delete(GroupInvitation).where(GroupInvitation.email == email))
    session.flush()
    return result.rowcount or 0


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
