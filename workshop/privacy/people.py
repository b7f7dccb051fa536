"""Finding whose data is asked for: a participant by their board token, a seat of a workshop, an account; and
de-identifying an account, whose contributions the programme keeps."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Participant, Workshop
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.mail import personal as mail_personal
from workshop.meetings import privacy as meetings_privacy
from workshop.moderation import privacy as reports
from workshop.peergroups import invitations as group_invitations
from workshop.practices.models import PracticeComment, PracticeVersion
from workshop.printing.service import forget_cached_pdfs
from workshop.privacy.erasure import ERASED_NAME
from workshop.programme.models import TimeEntry
from workshop.trials import privacy as trials_privacy
from workshop.validation import clean_id

ERASED_ACCOUNT = "Compte effacé"
CODE_MAX = 20
TOKEN_MAX = 100


def participant_by_token(session: Session, code: object, token: object) -> Participant:
    """The seat this board token opens on the workshop of this code; a token of another seat, of another
    workshop or of an account's seat opens nothing here."""
    if not isinstance(code, str) or not code.strip() or len(code) > CODE_MAX:
        raise ValidationError(_("Code d'atelier invalide."), field="code")
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise ValidationError(_("Jeton invalide."), field="token")
    workshop = boards.get_by_code(session, code)
    seat = boards.find_by_token(session, workshop.id, token)
    if seat is None or seat.user_id is not None:
        raise Forbidden(_("Ce jeton ne correspond à aucune participation à cet atelier."))
    return seat


def workshop_of(session: Session, workshop_id: object) -> Workshop:
    return boards.get_workshop(session, clean_id(workshop_id, "workshop"))


def seat_of(session: Session, workshop: Workshop, participant_id: object) -> Participant:
    """A participant of this workshop (a participant of another workshop is not found here)."""
    seat = session.get(Participant, clean_id(participant_id, "participant"))
    if seat is None or seat.workshop_id != workshop.id:
        raise NotFound(_("Participant·e introuvable dans cet atelier."))
    return seat


def account(session: Session, user_id: object) -> User:
    user = session.get(User, clean_id(user_id, "account"))
    if user is None:
        raise NotFound(_("Compte introuvable."))
    return user


def account_by_email(session: Session, email: object) -> User:
    if not isinstance(email, str) or not email.strip() or len(email) > 254:
        raise ValidationError(_("Adresse e-mail invalide."), field="email")
    user = accounts.get_by_email(session, email.strip())
    if user is None:
        raise NotFound(_("Aucun compte pour cette adresse."))
    return user


def erase_account(session: Session, user: User, actor: User | None = None) -> dict:
    """De-identify an account: its name, e-mail and password go, it is disabled and its sessions end; the
    workshops it ran and the sheets it wrote stay (the programme needs them), under "Compte effacé"; its seats on
    boards lose their name."""
    if actor is not None and actor.id == user.id:
        raise ValidationError(_("Vous ne pouvez pas effacer votre propre compte."))
    mail_personal.erase_for(session, user)  # while its e-mail still finds its messages
    group_invitations.erase_for(session, user.email)
    for registration in meetings_privacy.by_email(session, user.email):
        meetings_privacy.erase(session, registration)
    session.execute(update(TimeEntry).where(TimeEntry.recorded_by_id == user.id, TimeEntry.person == user.name)
                    .values(person=ERASED_ACCOUNT))  # time they recorded under their own name
    user.name = ERASED_ACCOUNT
    user.email = f"compte-efface-{user.id}@invalid"
    user.password_hash = "!" + secrets.token_hex(16)  # no password hashes to this
    user.active = False
    accounts.end_sessions(session, user)  # a browser still logged in as this account is logged out at once
    seats = session.execute(update(Participant).where(Participant.user_id == user.id)
                            .values(name=ERASED_NAME)).rowcount
    reports.erase_account(session, user.id)
    trials_privacy.erase_account(session, user.id, ERASED_ACCOUNT)
    for model in (PracticeVersion, PracticeComment):
        session.execute(update(model).where(model.author_id == user.id).values(author_name=ERASED_ACCOUNT))
    forget_cached_pdfs(session)  # reports and sheets rendered before print the account's name
    session.flush()
    return {"account": user.id, "seats": seats}
