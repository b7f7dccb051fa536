"""Arranging the board's columns: add (a free one or one the format offers), rename, move, remove."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import BoardColumn, Card, Workshop
from workshop.boards.service import column_dicts, get_workshop
from workshop.errors import ValidationError
from workshop.facilitation.arrange import Op
from workshop.formats.builtin import FORMATS, ColumnSpec
from workshop.validation import clean_int, clean_text, clean_token


def _columns_event(session: Session, workshop: Workshop, key: str) -> dict:
    session.flush()
    session.refresh(workshop, ["columns"])
    return {"column": key, "columns": column_dicts(workshop)}


def _slug(label: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:30] or "colonne"


def _column_spec(workshop: Workshop, args: dict) -> ColumnSpec:
    fmt = FORMATS.get(workshop.format_key)
    offered = {c.key: c for c in (fmt.extra_columns if fmt else ())}
    if isinstance(args.get("key"), str) and args["key"] in offered and not args.get("label"):
        return offered[args["key"]]
    label = clean_text(args.get("label"), "label", max_len=80, label=_("Nom de la colonne"))
    color = args.get("color") or "#fde68a"
    if not isinstance(color, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ValidationError(_("Couleur invalide (#rrggbb)."), field="color")
    prompt = clean_text(args.get("prompt") or "", "prompt", min_len=0, max_len=300, label=_("Consigne"))
    key = args.get("key") if isinstance(args.get("key"), str) else _slug(label)
    clean_token(key, "key", max_len=40)
    label_en = clean_text(args.get("label_en") or label, "label_en", max_len=80, label=_("Nom de la colonne"))
    return ColumnSpec(key, label, label_en, color, prompt)


def add_column(session: Session, workshop_id: int, args: dict) -> Op:
    workshop = get_workshop(session, workshop_id)
    spec = _column_spec(workshop, args)
    keys = [c.key for c in workshop.columns]
    key, n = spec.key, 2
    while key in keys:
        key, n = f"{spec.key}_{n}", n + 1
    position = clean_int(args.get("position", len(keys)), "position", 0, None, _("Position invalide."))
    column = BoardColumn(key=key, label_fr=spec.label_fr, label_en=spec.label_en, color=spec.color,
                         prompt=spec.prompt)
    columns = list(workshop.columns)
    columns.insert(min(position, len(columns)), column)
    workshop.columns = columns
    for i, c in enumerate(columns):
        c.position = i
    return "column.added", _columns_event(session, workshop, key), ("column.remove", {"key": key})


def remove_column(session: Session, workshop_id: int, args: dict) -> Op:
    workshop = get_workshop(session, workshop_id)
    column = next((c for c in workshop.columns if c.key == args.get("key")), None)
    if column is None:
        raise ValidationError(_("Colonne inconnue."), field="key")
    if session.scalar(select(func.count()).select_from(Card).where(
            Card.workshop_id == workshop_id, Card.column_key == column.key, Card.deleted.is_(False))):
        raise ValidationError(_("Cette colonne contient des post-it : déplacez-les d'abord."), field="key")
    if len(workshop.columns) == 1:
        raise ValidationError(_("Le tableau garde au moins une colonne."), field="key")
    inverse = ("column.add", {"key": column.key, "label": column.label_fr, "label_en": column.label_en,
                              "color": column.color, "prompt": column.prompt,
                              "position": workshop.columns.index(column)})
    workshop.columns = [c for c in workshop.columns if c is not column]
    for i, c in enumerate(workshop.columns):
        c.position = i
    return "column.removed", _columns_event(session, workshop, column.key), inverse


def update_column(session: Session, workshop_id: int, args: dict) -> Op:
    """Rename a column (label, prompt) and/or move it to another position."""
    workshop = get_workshop(session, workshop_id)
    column = next((c for c in workshop.columns if c.key == args.get("key")), None)
    if column is None:
        raise ValidationError(_("Colonne inconnue."), field="key")
    columns = list(workshop.columns)
    inverse = ("column.update", {"key": column.key, "label": column.label_fr, "prompt": column.prompt,
                                 "position": columns.index(column)})
    if "label" in args:
        column.label_fr = clean_text(args["label"], "label", max_len=80, label=_("Nom de la colonne"))
    if "prompt" in args:
        column.prompt = clean_text(args["prompt"] or "", "prompt", min_len=0, max_len=300, label=_("Consigne"))
    if "position" in args:
        position = clean_int(args["position"], "position", 0, None, _("Position invalide."))
        columns.remove(column)
        columns.insert(min(position, len(columns)), column)
        for i, c in enumerate(columns):
            c.position = i
    return "column.updated", _columns_event(session, workshop, column.key), inverse
