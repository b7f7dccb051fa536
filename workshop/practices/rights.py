"""Who may read, edit, review and follow the history of a sheet; which sheets a search shows to whom."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Forbidden, NotFound
from workshop.networks.service import coordinated_network_ids
from workshop.practices.models import Practice, practice_editor, practice_network


def get_practice(session: Session, practice_id: int) -> Practice:
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound(_("Cette fiche pratique n'existe pas."))
    return practice


def get_by_uuid(session: Session, value: str) -> Practice | None:
    return session.scalar(select(Practice).where(Practice.uuid == value))


def authenticated(user: User | None) -> bool:
    """A logged-in person (anonymous visitors are an AnonymousUserMixin or None)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def reviewer_networks(session: Session, user: User | None, practice: Practice) -> set[int]:
    """The practice's networks this person reviews for (admins: all of them)."""
    if not authenticated(user):
        return set()
    own = {n.id for n in practice.networks}
    if user.is_admin:
        return own
    return own & coordinated_network_ids(session, user)


def is_reviewer(session: Session, user: User | None, practice: Practice) -> bool:
    """Coordinators of one of the practice's networks, and admins, review and publish it."""
    return authenticated(user) and (user.is_admin or bool(reviewer_networks(session, user, practice)))


def is_contributor(session: Session, user: User | None, practice: Practice) -> bool:
    if not authenticated(user):
        return False
    return practice.created_by_id == user.id or any(e.id == user.id for e in practice.editors)


def is_involved(session: Session, user: User | None, practice: Practice) -> bool:
    """Authors, editors and reviewers: they see the review log, comment and follow the history."""
    return is_contributor(session, user, practice) or is_reviewer(session, user, practice)


def can_view(session: Session, user: User | None, practice: Practice) -> bool:
    if practice.status == "published":
        return True
    return is_involved(session, user, practice)


def can_edit(session: Session, user: User | None, practice: Practice) -> bool:
    """Authors and invited editors edit unpublished sheets; only reviewers touch published ones."""
    if practice.status == "archived":
        return False
    if practice.status == "published":
        return is_reviewer(session, user, practice)
    return is_involved(session, user, practice)


def require_view(session: Session, user: User | None, practice_id: int) -> Practice:
    practice = get_practice(session, practice_id)
    if not can_view(session, user, practice):
        raise Forbidden(_("Cette fiche n'est pas encore publiée."))
    return practice


def require_edit(session: Session, user: User | None, practice: Practice) -> None:
    if not can_edit(session, user, practice):
        if practice.status == "archived":
            raise Forbidden(_("Cette fiche est archivée : rouvrez-la avant de la modifier."))
        raise Forbidden(_("Vous ne pouvez pas modifier cette fiche."))


def require_history(session: Session, user: User | None, practice_id: int) -> Practice:
    """The versions of a sheet are for its authors, editors and reviewers (drafts of it may be sensitive)."""
    practice = require_view(session, user, practice_id)
    if not is_involved(session, user, practice):
        raise Forbidden(_("L'historique est réservé aux auteur·rices et relecteur·rices de la fiche."))
    return practice


def can_create(user: User | None) -> bool:
    return authenticated(user) and user.is_active


def visible_clause(session: Session, viewer: User | None):
    """Who sees what: published sheets for everyone; drafts for their authors, editors and reviewers."""
    published = Practice.status == "published"
    if not authenticated(viewer):
        return published
    if viewer.is_admin:
        return True
    clauses = [published, Practice.created_by_id == viewer.id,
               exists().where(practice_editor.c.practice_id == Practice.id, practice_editor.c.user_id == viewer.id)]
    networks = coordinated_network_ids(session, viewer)
    if networks:
        clauses.append(exists().where(practice_network.c.practice_id == Practice.id,
                                      practice_network.c.network_id.in_(networks)))
    return or_(*clauses)
