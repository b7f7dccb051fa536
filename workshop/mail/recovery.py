"""Password reset and e-mail change: single-use, expiring links for an existing account.

A reset request gives the same answer whether the address has an account or not (the caller shows one message);
setting the new password ends every other session of the account."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import ValidationError
from workshop.mail import outbox, tokens
from workshop.mail.models import AccountToken
from workshop.mail.tokens import LinkExpired


def _issue(session: Session, user: User, purpose: str, minutes: int, new_email: str = "") -> str:
    """A new link for this purpose; earlier unused ones of the same purpose stop working."""
    session.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                               AccountToken.used_at.is_(None)).values(used_at=tokens.now()))
    token, hashed = tokens.new_token()
    session.add(AccountToken(purpose=purpose, user_id=user.id, token_hash=hashed, new_email=new_email,
                             expires_at=tokens.expiry(minutes)))
    session.flush()
    return token


def request_reset(session: Session, email: str) -> bool:
    """Queue a reset link when an active account has this address; True if one was sent (never shown)."""
    user = accounts.get_by_email(session, email)
    if user is None or not user.active:
        return False
    minutes = current_app.config["RESET_MINUTES"]
    token = _issue(session, user, "reset", minutes)
    outbox.queue(session, user.email, "reset", {
        "name": user.name, "minutes": minutes, "link": outbox.absolute_url("mail.reset_password", token=token),
    }, user.language, user_id=user.id)
    return True


def _valid(session: Session, token: object, purpose: str) -> AccountToken:
    found = None
    if tokens.well_formed(token):
        found = session.scalar(select(AccountToken).where(AccountToken.token_hash == tokens.digest(token),
                                                          AccountToken.purpose == purpose))
    if found is None or found.used_at is not None or found.expires_at < tokens.now():
        raise LinkExpired(_("Ce lien a expiré ou a déjà servi."))
    return found


def check_reset(session: Session, token: object) -> None:
    _valid(session, token, "reset")


def reset_password(session: Session, token: object, password: str) -> User:
    """Set the new password, use the link up and end every session of the account (the caller logs in)."""
    found = _valid(session, token, "reset")
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        raise LinkExpired(_("Ce lien a expiré ou a déjà servi."))
    accounts.set_password(session, user, password)
    found.used_at = tokens.now()
    session.flush()
    return user


def request_email_change(session: Session, user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the account keeps the old one until it is followed."""
    address = accounts.clean_email(new_email)
    if address == user.email:
        raise ValidationError(_("C'est déjà votre adresse."), field="email")
    if accounts.get_by_email(session, address):
        raise ValidationError(_("Un compte existe déjà avec cette adresse."), field="email")
    hours = current_app.config["EMAIL_CHANGE_HOURS"]
    token = _issue(session, user, "email", hours * 60, new_email=address)
    outbox.queue(session, address, "email_change", {
        "name": user.name, "hours": hours, "link": outbox.absolute_url("mail.account.confirm_email", token=token),
    }, user.language, user_id=user.id)


def confirm_email(session: Session, token: object) -> User:
    found = _valid(session, token, "email")
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        raise LinkExpired(_("Ce lien a expiré ou a déjà servi."))
    if accounts.get_by_email(session, found.new_email):
        raise ValidationError(_("Un compte existe déjà avec cette adresse."), field="email")
    user.email = found.new_email
    found.used_at = tokens.now()
    session.flush()
    return user
