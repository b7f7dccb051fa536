"""Invitations: a coordinator invites a person by e-mail (name, role, network, structure); the link, single-use
and valid INVITATION_DAYS days, lets them set a password, which creates their account."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import ROLES, User
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.i18n import STAFF_LANGUAGES
from workshop.mail import outbox, tokens
from workshop.mail.models import Invitation
from workshop.mapping import membership
from workshop.mapping.models import Structure
from workshop.networks import service as networks
from workshop.networks.models import Network
from workshop.validation import clean_name


class LinkExpired(ValidationError):
    """A link that was used, revoked or is too old: the page says so and offers a new one."""

    code = "expired"
    status = 410


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise Forbidden(_("Seul·es les coordinateur·rices invitent."))


def _clean(session: Session, email: str, name: str, role: str, language: str, network_id: int | None,
           structure_id: int | None) -> dict:
    email = accounts.normalise_email(email)
    if not accounts.EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError(_("Adresse e-mail invalide."), field="email")
    name = clean_name(name or "", "name", min_len=1, max_len=120, label=_("Nom"))
    if role not in ROLES:
        raise ValidationError(_("Rôle inconnu : %(role)s (admin, facilitator ou member).", role=role),
                              field="role")
    if accounts.get_by_email(session, email):
        raise ValidationError(_("Un compte existe déjà avec cette adresse."), field="email")
    if network_id is not None and session.get(Network, network_id) is None:
        raise ValidationError(_("Réseau introuvable."), field="network")
    if structure_id is not None and session.get(Structure, structure_id) is None:
        raise ValidationError(_("Structure introuvable."), field="structure")
    return {"email": email, "name": name, "role": role, "language": language if language in STAFF_LANGUAGES else "fr",
            "network_id": network_id, "structure_id": structure_id}


def invite(session: Session, actor: User | None, email: str, name: str, role: str, *, language: str = "fr",
           network_id: int | None = None, structure_id: int | None = None) -> Invitation:
    """Record an invitation and queue its e-mail (`actor` None: the CLI). A pending invitation to the same
    address is replaced (its link stops working)."""
    _require_admin(actor)
    data = _clean(session, email, name, role, language, network_id, structure_id)
    for previous in pending_for(session, data["email"]):
        previous.revoked_at = tokens.now()
    invitation = Invitation(**data, invited_by_id=actor.id if actor else None, token_hash="", expires_at=tokens.now())
    session.add(invitation)
    _send(session, invitation, actor)
    return invitation


def _send(session: Session, invitation: Invitation, actor: User | None) -> None:
    """A new link (the previous one stops working) and its message."""
    token, invitation.token_hash = tokens.new_token()
    invitation.expires_at = tokens.now() + timedelta(days=current_app.config["INVITATION_DAYS"])
    session.flush()
    network = session.get(Network, invitation.network_id) if invitation.network_id else None
    outbox.queue(session, invitation.email, "invitation", {
        "name": invitation.name, "inviter": actor.name if actor else "", "role": invitation.role,
        "network": network.name if network else "", "days": current_app.config["INVITATION_DAYS"],
        "link": outbox.absolute_url("mail.accept_invitation", token=token),
    }, invitation.language)


def pending_for(session: Session, email: str) -> list[Invitation]:
    return list(session.scalars(select(Invitation).where(
        Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))))


def get_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_("Invitation introuvable."))
    return invitation


def _pending(session: Session, actor: User, invitation_id: int) -> Invitation:
    _require_admin(actor)
    invitation = get_invitation(session, invitation_id)
    if invitation.state != "pending":
        raise ValidationError(_("Cette invitation n'est plus en attente."))
    return invitation


def resend(session: Session, actor: User, invitation_id: int) -> Invitation:
    """Send a new link (valid again INVITATION_DAYS days); the previous one stops working."""
    invitation = _pending(session, actor, invitation_id)
    if accounts.get_by_email(session, invitation.email):
        raise ValidationError(_("Un compte existe déjà avec cette adresse."), field="email")
    _send(session, invitation, actor)
    return invitation


def revoke(session: Session, actor: User, invitation_id: int) -> Invitation:
    invitation = _pending(session, actor, invitation_id)
    invitation.revoked_at = tokens.now()
    session.flush()
    return invitation


def list_invitations(session: Session, limit: int = 200) -> list[Invitation]:
    return list(session.scalars(select(Invitation).order_by(Invitation.id.desc()).limit(limit)))


def by_token(session: Session, token: object) -> Invitation:
    """The pending invitation of a link, or LinkExpired (unknown, used, revoked or too old: the same answer)."""
    invitation = None
    if tokens.well_formed(token):
        invitation = session.scalar(select(Invitation).where(Invitation.token_hash == tokens.digest(token)))
    if invitation is None or invitation.state != "pending" or invitation.expires_at < tokens.now():
        raise LinkExpired(_("Ce lien d'invitation a expiré ou a déjà servi."))
    return invitation


def accept(session: Session, token: object, password: str) -> User:
    """Create the account with the chosen password, in the invitation's network and structure; the link is
    used up."""
    invitation = by_token(session, token)
    user = accounts.create_user(session, invitation.email, invitation.name, invitation.role, password)
    user.language = invitation.language
    if invitation.network_id and (network := session.get(Network, invitation.network_id)):
        networks.add_member(session, network, user)
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    if invitation.structure_id and inviter is not None and inviter.is_admin:
        membership.add_member(session, inviter, invitation.structure_id, user.email)
    invitation.accepted_at = tokens.now()
    invitation.user_id = user.id
    session.flush()
    return user
