"""Who may do what on the map.

Admins coordinate everything; a network coordinator edits the structures of their networks and validates the
links that touch one of them. Declaring a link is for members of one of its two structures (membership is set
by a coordinator, or claimed by the person and validated) and for coordinators.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.errors import Forbidden
from workshop.mapping.models import Link, StructureMember, structure_network
from workshop.networks.service import coordinated_network_ids


def can_coordinate(session: Session, user: Any) -> bool:
    """Admins and network coordinators validate and edit the map."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return bool(coordinated_network_ids(session, user))


def require_coordinator(session: Session, user: Any) -> None:
    if not can_coordinate(session, user):
        raise Forbidden(_("Seul·e un·e coordinateur·rice peut faire cela."))


def can_coordinate_structures(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Admins: every structure; a network coordinator: those that belong to one of their networks."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    networks = coordinated_network_ids(session, user)
    return bool(networks) and session.scalar(
        select(structure_network.c.structure_id).where(structure_network.c.structure_id.in_(structure_ids),
                                                       structure_network.c.network_id.in_(networks)).limit(1)
    ) is not None


def require_structure_coordinator(session: Session, user: Any, structure_ids: list[int]) -> None:
    if not can_coordinate_structures(session, user, structure_ids):
        raise Forbidden(_("Seul·e la coordination d'un réseau de cette structure peut faire cela."))


def can_coordinate_link(session: Session, user: Any, link: Link) -> bool:
    return can_coordinate_structures(session, user, [link.source_id, link.target_id])


def is_member(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Whether this person is a validated member of one of these structures."""
    if not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(select(StructureMember.user_id).where(
        StructureMember.user_id == user.id, StructureMember.structure_id.in_(structure_ids),
        StructureMember.status == "member").limit(1)) is not None


def can_declare(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Members of one of the structures, and coordinators, declare links."""
    return is_member(session, user, structure_ids) or can_coordinate(session, user)
