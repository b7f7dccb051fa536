"""Members of a structure: a person claims "I work here", a coordinator of the structure validates or attaches
an account by its e-mail; anyone may leave. Validated members declare the structure's links."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import Conflict, NotFound, ValidationError
from workshop.mapping.models import StructureMember
from workshop.mapping.permissions import require_structure_coordinator
from workshop.mapping.structures import get_structure


def membership(session: Session, user: Any, structure_id: int) -> StructureMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return session.get(StructureMember, (structure_id, user.id))


def members_of(session: Session, structure_id: int) -> list[StructureMember]:
    """Members and pending claims of a structure (claims first: they wait for an answer)."""
    return list(session.scalars(select(StructureMember).join(User, StructureMember.user_id == User.id)
                                .where(StructureMember.structure_id == structure_id)
                                .order_by(StructureMember.status, User.name)))


def claim_membership(session: Session, actor: User, structure_id: int) -> StructureMember:
    """"I work here": the claim waits for a coordinator of the structure's networks (or an admin)."""
    structure = get_structure(session, structure_id, viewer=actor)
    if membership(session, actor, structure.id) is not None:
        raise Conflict(_("Vous êtes déjà membre de cette structure ou votre demande est en attente."))
    member = StructureMember(structure_id=structure.id, user_id=actor.id, status="claimed")
    session.add(member)
    session.flush()
    return member


def add_member(session: Session, actor: User, structure_id: int, email: str) -> StructureMember:
    """A coordinator attaches an account (found by its e-mail) to a structure, or accepts its pending claim."""
    structure = get_structure(session, structure_id, viewer=actor)
    require_structure_coordinator(session, actor, [structure.id])
    user = accounts.get_by_email(session, email) if (email or "").strip() else None
    if user is None:
        raise ValidationError(_("Aucun compte avec cette adresse e-mail."), field="email")
    member = session.get(StructureMember, (structure.id, user.id))
    if member is not None and member.status == "member":
        raise Conflict(_("%(name)s est déjà membre de cette structure.", name=user.name))
    if member is None:
        member = StructureMember(structure_id=structure.id, user_id=user.id)
        session.add(member)
    member.status, member.validated_by_id = "member", actor.id
    session.flush()
    return member


def validate_member(session: Session, actor: User, structure_id: int, user_id: int) -> StructureMember:
    """Accept a pending claim (coordinators of the structure)."""
    require_structure_coordinator(session, actor, [structure_id])
    member = session.get(StructureMember, (structure_id, user_id))
    if member is None:
        raise NotFound(_("Aucune demande de cette personne pour cette structure."))
    member.status, member.validated_by_id = "member", actor.id
    session.flush()
    return member


def remove_member(session: Session, actor: User, structure_id: int, user_id: int) -> None:
    """Refuse a claim or detach a member (coordinators); anyone may leave, or withdraw their own claim."""
    if actor.id != user_id:
        require_structure_coordinator(session, actor, [structure_id])
    member = session.get(StructureMember, (structure_id, user_id))
    if member is None:
        raise NotFound(_("Cette personne n'est pas rattachée à cette structure."))
    session.delete(member)
    session.flush()
