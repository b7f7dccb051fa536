"""The structures represented at a workshop: said by its facilitator, shown on each structure's page."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards.models import Workshop
from workshop.boards.service import can_moderate, get_workshop
from workshop.errors import Forbidden, ValidationError
from workshop.mapping.models import Structure, workshop_structure


def workshop_structure_ids(session: Session, workshop_id: int) -> list[int]:
    return list(session.scalars(select(workshop_structure.c.structure_id).where(
        workshop_structure.c.workshop_id == workshop_id)))


def moderated_workshop(session: Session, actor: Any, workshop_id: int) -> Workshop:
    """The workshop, if this person runs it (its facilitator, admins)."""
    workshop = get_workshop(session, workshop_id)
    if not can_moderate(actor, workshop):
        raise Forbidden(_("Seul·e l'animateur·rice de l'atelier peut faire cela."))
    return workshop


def set_workshop_structures(session: Session, actor: User, workshop_id: int, structure_ids: list[int]) -> None:
    """The facilitator (or an admin) says which published structures were represented at the workshop."""
    workshop = moderated_workshop(session, actor, workshop_id)
    wanted = set(structure_ids)
    published = set(session.scalars(select(Structure.id).where(
        Structure.id.in_(wanted), Structure.public.is_(True), Structure.validated.is_(True)))) if wanted else set()
    if wanted - published:
        raise ValidationError(_("Structure inconnue ou non publiée."), field="structures")
    current = set(workshop_structure_ids(session, workshop.id))
    if current - wanted:
        session.execute(workshop_structure.delete().where(workshop_structure.c.workshop_id == workshop.id,
                                                          workshop_structure.c.structure_id.in_(current - wanted)))
    if wanted - current:
        session.execute(workshop_structure.insert(), [{"workshop_id": workshop.id, "structure_id": sid}
                                                      for sid in sorted(wanted - current)])
    session.flush()


def workshops_of(session: Session, structure_id: int, *, viewer: Any = None) -> list[dict[str, Any]]:
    """Workshops where this structure was represented, latest first; the board's code only for those who run it
    (its facilitator, admins)."""
    workshops = session.scalars(
        select(Workshop).join(workshop_structure, workshop_structure.c.workshop_id == Workshop.id)
        .where(workshop_structure.c.structure_id == structure_id)
        .order_by(Workshop.held_on.desc().nulls_last(), Workshop.id.desc())).all()
    return [{"id": w.id, "title": w.title, "held_on": w.held_on, "place": w.place,
             "code": w.code if can_moderate(viewer, w) else None} for w in workshops]
