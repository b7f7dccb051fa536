"""Arranging cards: moves, groups and merges. Each operation returns its event and its inverse (for undo)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.boards.models import Card
from workshop.boards.service import column_keys, now
from workshop.errors import ValidationError
from workshop.facilitation import targets
from workshop.facilitation.models import CardGroup, CardPlacement
from workshop.validation import clean_int, clean_name

GROUP_NAME_MAX = 120
Op = tuple[str, dict, tuple[str, dict]]  # (event type, event data, (inverse command, its payload))


def _placement(session: Session, card: Card) -> CardPlacement | None:
    return session.get(CardPlacement, card.id)


def container(session: Session, workshop_id: int, column: str, group_id: int | None) -> list[int]:
    """Card ids of one column (loose cards) or one group, in their order."""
    rows = session.execute(
        select(Card.id, CardPlacement.position, CardPlacement.group_id)
        .outerjoin(CardPlacement, CardPlacement.card_id == Card.id)
        .where(Card.workshop_id == workshop_id, Card.deleted.is_(False),
               *([Card.column_key == column] if group_id is None else []))
    ).all()
    inside = [r for r in rows if r.group_id == group_id]
    return [r.id for r in sorted(inside, key=lambda r: (r.position if r.position is not None else 10**9, r.id))]


def place(session: Session, workshop_id: int, order: list[int], group_id: int | None) -> None:
    for position, card_id in enumerate(order):
        row = session.get(CardPlacement, card_id)
        if row is None:
            session.add(CardPlacement(card_id=card_id, workshop_id=workshop_id, group_id=group_id,
                                      position=position))
        else:
            row.group_id, row.position = group_id, position
    session.flush()


def group_dict(session: Session, group: CardGroup) -> dict:
    return {"id": group.id, "column": group.column_key, "name": group.name, "kind": group.kind,
            "card_ids": container(session, group.workshop_id, group.column_key, group.id)}


def move(session: Session, workshop_id: int, args: dict) -> Op:
    card = targets.card(session, workshop_id, args.get("id"))
    column = args.get("column", card.column_key)
    if column not in column_keys(session, workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    group_id = args.get("group_id")
    if group_id is not None:
        group = targets.group(session, workshop_id, group_id)
        column = group.column_key
    position = clean_int(args.get("position", 10**6), "position", 0, None, _("Position invalide."))
    old = _placement(session, card)
    old_group = old.group_id if old else None
    old_order = container(session, workshop_id, card.column_key, old_group)
    inverse = ("card.move", {"id": card.id, "column": card.column_key, "group_id": old_group,
                             "position": old_order.index(card.id)})
    place(session, workshop_id, [i for i in old_order if i != card.id], old_group)
    card.column_key = column
    session.flush()
    order = [i for i in container(session, workshop_id, column, group_id) if i != card.id]
    order.insert(min(position, len(order)), card.id)
    place(session, workshop_id, order, group_id)
    card.updated_at = now()
    data = {"card_id": card.id, "column": column, "group_id": group_id, "order": order}
    if old_group is not None and old_group != group_id:
        data["from_group"] = group_dict(session, session.get(CardGroup, old_group))
    return "card.moved", data, inverse


def create_group(session: Session, workshop_id: int, args: dict) -> Op:
    kind = args.get("kind", "group")
    if kind not in ("group", "merge"):
        raise ValidationError(_("Type de groupe inconnu."), field="kind")
    ids = args.get("card_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 200 or len(set(map(str, ids))) != len(ids):
        raise ValidationError(_("Choisissez les post-it à regrouper."), field="card_ids")
    if kind == "merge" and len(ids) < 2:
        raise ValidationError(_("Fusionner demande au moins deux post-it."), field="card_ids")
    # Silent writing may be grouped before the reveal (the facilitator pre-reads it): the event carries ids only.
    cards = [targets.card(session, workshop_id, i) for i in ids]
    name = group_name(args.get("name", ""))
    column = args.get("column") or cards[0].column_key
    if column not in column_keys(session, workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    group = CardGroup(workshop_id=workshop_id, column_key=column, name=name, kind=kind, deleted=False)
    session.add(group)
    session.flush()
    for card in cards:
        card.column_key = column
    place(session, workshop_id, [c.id for c in cards], group.id)
    return "group.created", {"group": group_dict(session, group)}, ("group.delete", {"id": group.id})


def delete_group(session: Session, workshop_id: int, args: dict) -> Op:
    """Ungroup (or unmerge): the cards go back loose in the column; the group is kept for undo."""
    group = targets.group(session, workshop_id, args.get("id"))
    card_ids = container(session, workshop_id, group.column_key, group.id)
    loose = container(session, workshop_id, group.column_key, None)
    place(session, workshop_id, loose + card_ids, None)
    group.deleted = True
    data = {"group_id": group.id, "column": group.column_key, "card_ids": card_ids}
    return "group.deleted", data, ("group.restore", {"id": group.id, "card_ids": card_ids})


def restore_group(session: Session, workshop_id: int, args: dict) -> Op:
    group = targets.group(session, workshop_id, args.get("id"), deleted=True)
    group.deleted = False
    ids = [c.id for c in (session.get(Card, i) for i in args.get("card_ids", [])) if c and not c.deleted]
    for card_id in ids:
        session.get(Card, card_id).column_key = group.column_key
    place(session, workshop_id, ids, group.id)
    return "group.created", {"group": group_dict(session, group)}, ("group.delete", {"id": group.id})


def group_name(value: Any) -> str:
    return clean_name(value if value is not None else "", "name", min_len=0, max_len=GROUP_NAME_MAX,
                      label=_("Nom du groupe"))


def rename_group(session: Session, workshop_id: int, args: dict) -> Op:
    group = targets.group(session, workshop_id, args.get("id"))
    old, group.name = group.name, group_name(args.get("name"))
    return ("group.renamed", {"group": group_dict(session, group)},
            ("group.rename", {"id": group.id, "name": old}))


def groups_state(session: Session, workshop_id: int, placements: list) -> list[dict]:
    """Every live group with its cards in order, from the board's placements (card_id, group_id, position,
    deleted): one query whatever the number of groups."""
    groups = session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop_id,
                                                     CardGroup.deleted.is_(False)).order_by(CardGroup.id))
    cards: dict[int, list[tuple[int, int]]] = {}
    for card_id, group_id, position, deleted in placements:
        if group_id is not None and not deleted:
            cards.setdefault(group_id, []).append((position, card_id))
    return [{"id": g.id, "column": g.column_key, "name": g.name, "kind": g.kind,
             "card_ids": [card_id for _position, card_id in sorted(cards.get(g.id, []))]} for g in groups]
