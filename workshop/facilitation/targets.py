"""What facilitation commands point at on a board: a card or a group of this workshop, still there."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.boards.models import Card
from workshop.errors import NotFound, ValidationError
from workshop.facilitation.models import CardGroup
from workshop.validation import clean_id

KINDS = ("card", "group")


def card(session: Session, workshop_id: int, card_id: Any) -> Card:
    found = session.get(Card, clean_id(card_id, "id"))
    if found is None or found.workshop_id != workshop_id or found.deleted or found.pending:  # not on the board yet
        raise NotFound(_("Ce post-it n'existe plus."))
    return found


def group(session: Session, workshop_id: int, group_id: Any, *, deleted: bool = False) -> CardGroup:
    found = session.get(CardGroup, clean_id(group_id, "group_id"))
    if found is None or found.workshop_id != workshop_id or found.deleted != deleted:
        raise NotFound(_("Ce groupe n'existe plus."))
    return found


def kind_of(payload: dict, default: str | None = "card") -> str:
    kind = payload.get("kind", default)
    if kind not in KINDS:
        raise ValidationError(_("Cible inconnue."), field="kind")
    return kind


def visible_target(session: Session, workshop_id: int, kind: str, target_id: Any) -> Card | CardGroup:
    """A group, or a card everyone may see (neither hidden nor still private)."""
    if kind == "group":
        return group(session, workshop_id, target_id)
    found = card(session, workshop_id, target_id)
    if found.hidden or found.private:
        raise NotFound(_("Ce post-it n'est pas visible de tous."))
    return found
