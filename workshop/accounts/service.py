"""Account rules: creation, authentication, disabling. Shared by views and CLI, which commit what they flush."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from workshop.accounts.models import ROLES, User
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.greenlets import off_loop
from workshop.i18n import STAFF_LANGUAGES
from workshop.validation import clean_name

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1000


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def _hash(password: str) -> str:
    """argon2 costs ~0.3 s of CPU by design: in a thread (off_loop), the live boards of a gevent worker go on."""
    return off_loop(_hasher().hash, password)


def _verify(password_hash: str, password: str) -> bool:
    """See _hash; raises argon2's VerificationError/InvalidHashError on a wrong password or hash."""
    return off_loop(_hasher().verify, password_hash, password)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def clean_email(email: str) -> str:
    """The address normalised, or a field error when it is not an address."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError(_("Adresse e-mail invalide."), field="email")
    return email


def _check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            _("Le mot de passe doit faire au moins %(n)d caractères.", n=MIN_PASSWORD), field="password"
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(_("Mot de passe trop long."), field="password")


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def active_by_email(session: Session, email: str) -> User | None:
    """The active account of an address, whatever the case it was stored in (adding someone to a group,
    accepting an invitation)."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email), User.active.is_(True)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("Compte introuvable."))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(func.lower(User.name))))


def create_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    """Create an account; refuse duplicates, bad roles and weak passwords with a field-level error."""
    name = clean_name(name or "", "name", min_len=0, max_len=10_000, label=_("Nom"))  # length: just below
    email = clean_email(email)
    if not 1 <= len(name) <= 120:
        raise ValidationError(_("Le nom doit faire entre 1 et 120 caractères."), field="name")
    if role not in ROLES:
        raise ValidationError(
            _("Rôle inconnu : %(role)s (admin, facilitator ou member).", role=role), field="role"
        )
    _check_password(password)
    if get_by_email(session, email):
        raise ValidationError(_("Un compte existe déjà avec cette adresse."), field="email")
    user = User(email=email, name=name, role=role, password_hash=_hash(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user whose credentials these are, or raise with a message a person understands."""
    user = get_by_email(session, email)
    if user is None:
        # Hash anyway so that timing does not reveal which addresses have an account.
        _hash(password or "x")
        raise ValidationError(_("Adresse e-mail ou mot de passe incorrect."))
    try:
        _verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError(_("Adresse e-mail ou mot de passe incorrect.")) from None
    if not user.active:
        raise Forbidden(_("Ce compte est désactivé. Adressez-vous à un·e coordinateur·rice."))
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hash(password)
    user.last_login_at = datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; an admin cannot lock themselves out. Disabling ends its sessions."""
    if not actor.is_admin:
        raise Forbidden()
    user = get_user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()
    return user


def update_profile(session: Session, user: User, name: str, language: str) -> None:
    """Change the name shown and the language of the person's pages and e-mails."""
    if language not in STAFF_LANGUAGES:
        raise ValidationError(_("Langue inconnue."), field="language")
    user.name = clean_name(name or "", "name", max_len=120, label=_("Nom"))
    user.language = language
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and end every session of the account (the caller logs this browser in again)."""
    _check_password(password)
    user.password_hash = _hash(password)
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """End every login session of this account, server-side: cookies copied before no longer log anyone in."""
    user.session_version = User.session_version + 1  # in SQL: two logouts at once both count
    session.flush()


def user_of_session(session: Session, session_id: str) -> User | None:
    """The account a login session belongs to (its id is "user_id:session_version", see User.get_id), while
    that session has not been ended and the account is active."""
    user_id, _sep, version = (session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id), options=[undefer(User.session_version)])
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
