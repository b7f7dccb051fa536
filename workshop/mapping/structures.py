"""Structures: who sees one, what a coordinator may correct by hand, what names it elsewhere.

Public structures are those marked public and validated; the others exist only for coordinators.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import NotFound, ValidationError
from workshop.mapping import geo, vocabulary
from workshop.mapping.imports.parsing import QPV_RE
from workshop.mapping.models import City, Structure
from workshop.mapping.permissions import can_coordinate, require_structure_coordinator
from workshop.practices.models import Practice
from workshop.validation import clean_name, clean_text


def get_structure(session: Session, structure_id: int, *, viewer: Any = None) -> Structure:
    """A structure; unpublished ones exist only for coordinators."""
    structure = session.get(Structure, structure_id)
    if structure is None or (not published(structure) and not can_coordinate(session, viewer)):
        raise NotFound(_("Structure introuvable."))
    return structure


def published(structure: Structure) -> bool:
    """Shown to everyone: marked public and validated."""
    return structure.public and structure.validated


def editable_structure(session: Session, actor: Any, structure_id: int) -> Structure:
    """The structure, if this person coordinates one of its networks (admins: every structure)."""
    structure = get_structure(session, structure_id, viewer=actor)
    require_structure_coordinator(session, actor, [structure.id])
    return structure


def structure_choices(session: Session, exclude: int | None = None) -> list[tuple[int, str]]:
    """(id, "Name — City") of published structures, for the link form."""
    rows = session.execute(
        select(Structure.id, Structure.name, City.name).outerjoin(City)
        .where(Structure.public.is_(True), Structure.validated.is_(True))
        .order_by(City.name, Structure.name)).all()
    return [(sid, f"{name} — {city or '?'}") for sid, name, city in rows if sid != exclude]


def count_structures(session: Session) -> int:
    return session.scalar(select(func.count(Structure.id))) or 0


def _clean_coordinate(value: Any, field_name: str, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise ValidationError(_("Valeur hors plage (%(a)s à %(b)s).", a=int(low), b=int(high)), field=field_name)
    return round(number, 7)


def update_structure(session: Session, actor: User, structure_id: int, data: dict[str, Any]) -> Structure:
    """Edit what a coordinator may correct by hand; a QPV set here is kept over the automatic marking."""
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound(_("Structure introuvable."))
    require_structure_coordinator(session, actor, [structure.id])
    values = _clean_structure(data)
    for key, value in values.items():
        setattr(structure, key, value)
    structure.qpv_manual = bool(values.get("qpv_code"))
    session.flush()
    if not structure.qpv_manual:
        geo.mark_qpv(session, [structure.id])
        session.expire(structure, ["qpv_code"])  # marked by a bulk UPDATE, which leaves loaded objects alone
    return structure


def _clean_structure(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in vocabulary.KINDS:
        raise ValidationError(_("Type de structure inconnu."), field="kind")
    priority = data.get("priority") or None
    if priority not in (None, *vocabulary.PRIORITY):
        raise ValidationError(_("Éducation prioritaire : REP, REP+ ou rien."), field="priority")
    qpv = (data.get("qpv_code") or "").strip().upper() or None
    if qpv and not QPV_RE.match(qpv):
        raise ValidationError(_("Code QPV invalide (ex. QN09301M)."), field="qpv_code")
    lat = _clean_coordinate(data.get("latitude"), "latitude", -90, 90)
    lon = _clean_coordinate(data.get("longitude"), "longitude", -180, 180)
    if (lat is None) != (lon is None):
        raise ValidationError(_("Latitude et longitude vont ensemble."), field="longitude")
    return {"name": clean_name(data.get("name"), "name", max_len=200, label=_("Nom")), "kind": kind,
            "address": clean_text(data.get("address") or "", "address", min_len=0, max_len=300),
            "postcode": clean_text(data.get("postcode") or "", "postcode", min_len=0, max_len=5),
            "latitude": lat, "longitude": lon, "priority": priority, "qpv_code": qpv,
            "public": bool(data.get("public"))}


def practices_naming(session: Session, structure_id: int) -> list[dict[str, Any]]:
    """Published practice sheets that name this structure (none while the repository's table is missing)."""
    if not inspect(session.get_bind()).has_table(Practice.__tablename__):
        return []
    rows = session.execute(select(Practice.id, Practice.title, Practice.structures)
                           .where(Practice.status == "published")).all()
    return [{"id": pid, "title": title} for pid, title, structures in rows
            if any(isinstance(s, dict) and s.get("id") == structure_id for s in structures or [])]
