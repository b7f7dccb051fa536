"""Validating what people send for a sheet: every list bounded, every key known, unsafe HTML stripped."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workshop.errors import ValidationError
from workshop.frameworks import service as frameworks
from workshop.mapping.models import Structure
from workshop.networks.models import Network
from workshop.practices.models import KINDS, SECTIONS
from workshop.practices.text import sanitise
from workshop.practices.vocabulary import AUDIENCES, SECTION_LABELS
from workshop.validation import clean_name, clean_text

TITLE_MAX = 200
SUMMARY_MAX = 600
SECTION_MAX = 20_000
RAW_MAX = 60_000
COMMENT_MAX = 5_000
LIST_LIMITS = {"cities": (30, 80), "qpv": (30, 120), "themes": (20, 60)}
STRUCTURES_MAX = 40
CARDS_MAX = 100


def _as_list(value: Any, field: str) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\n,;]", value) if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise ValidationError(_("Le champ « %(f)s » doit être une liste.", f=field), field=field)


def _clean_strings(value: Any, field: str, label: str) -> list[str]:
    count, length = LIST_LIMITS[field]
    items: list[str] = []
    seen: set[str] = set()
    for raw in _as_list(value, field):
        item = re.sub(r"\s+", " ", clean_text(raw, field, max_len=length, label=label))
        if item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    if len(items) > count:
        raise ValidationError(_("« %(f)s » : %(n)d éléments au plus.", f=label, n=count), field=field)
    return items


def _clean_structures(value: Any) -> list[dict]:
    """[{"id": int|None, "name": str}]: the id refers to the cartography's structure when it is known."""
    items = []
    for raw in _as_list(value, "structures"):
        if isinstance(raw, str):
            raw = {"id": None, "name": raw}
        if not isinstance(raw, dict):
            raise ValidationError(_("Structure invalide."), field="structures")
        sid = raw.get("id")
        if sid is not None and (isinstance(sid, bool) or not isinstance(sid, int) or sid < 1):
            raise ValidationError(_("Identifiant de structure invalide."), field="structures")
        name = clean_name(raw.get("name"), "structures", max_len=200, label=_("Structures"))
        if all(i["name"].casefold() != name.casefold() for i in items):
            items.append({"id": sid, "name": name})
    if len(items) > STRUCTURES_MAX:
        raise ValidationError(_("%(n)d structures au plus.", n=STRUCTURES_MAX), field="structures")
    return items


def _clean_keys(value: Any, field: str, allowed: set[str], label: str) -> list[str]:
    keys = []
    for raw in _as_list(value, field):
        if not isinstance(raw, str) or raw.strip() not in allowed:
            raise ValidationError(_("« %(f)s » : valeur inconnue (%(v)s).", f=label, v=str(raw)[:40]), field=field)
        if raw.strip() not in keys:
            keys.append(raw.strip())
    return keys


def _clean_networks(session: Session, value: Any) -> list[int]:
    ids = []
    for raw in _as_list(value, "networks"):
        try:
            nid = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Réseau inconnu."), field="networks") from None
        if nid not in ids:
            ids.append(nid)
    known = set(session.scalars(select(Network.id).where(Network.id.in_(ids)))) if ids else set()
    if set(ids) - known:
        raise ValidationError(_("Réseau inconnu."), field="networks")
    return sorted(ids)


def clean_section(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Le champ « %(f)s » doit être un texte.", f=SECTION_LABELS[field]), field=field)
    if len(value) > RAW_MAX:
        raise ValidationError(_("« %(f)s » est trop long.", f=SECTION_LABELS[field]), field=field)
    cleaned = sanitise(value.replace("\r\n", "\n"))
    if len(cleaned) > SECTION_MAX:
        raise ValidationError(_("« %(f)s » est trop long (%(n)d caractères au plus).", f=SECTION_LABELS[field],
                                n=SECTION_MAX), field=field)
    return cleaned


def resolve_structures(session: Session, items: list[dict]) -> list[dict]:
    """Point each named structure at the map: an id kept only while it is a structure on the public map; a name
    without id takes the id (and the map's spelling) of the one public structure of that exact name, case aside.
    Without it, a sheet and the structure page could never link each other (names were typed, ids never set)."""
    if not items:
        return items
    names = {i["name"] for i in items} | {i["name"].lower() for i in items}
    ids = {i["id"] for i in items if i["id"] is not None}
    rows = session.execute(select(Structure.id, Structure.name).where(
        Structure.public.is_(True), Structure.validated.is_(True),
        or_(Structure.id.in_(ids), Structure.name.in_(names), func.lower(Structure.name).in_(names)))).all()
    on_map = {sid for sid, _name in rows}
    by_name: dict[str, list[tuple[int, str]]] = {}
    for sid, name in rows:
        by_name.setdefault(name.casefold(), []).append((sid, name))
    resolved = []
    for item in items:
        if item["id"] in on_map:
            resolved.append(item)
            continue
        found = by_name.get(item["name"].casefold(), [])
        resolved.append({"id": found[0][0], "name": found[0][1]} if len(found) == 1 else {**item, "id": None})
    return resolved


def clean_data(session: Session, data: Any) -> dict:
    """Validate and normalise a whole sheet; unsafe HTML is stripped, every list bounded."""
    if not isinstance(data, dict):
        raise ValidationError(_("Le contenu de la fiche n'a pas la bonne forme."))
    kind = data.get("kind") or "practice"
    if kind not in KINDS:
        raise ValidationError(_("Type de fiche inconnu."), field="kind")
    cleaned = {
        "title": clean_name(data.get("title"), "title", max_len=TITLE_MAX, label=_("Titre")),
        "summary": clean_text(data.get("summary") or "", "summary", min_len=0, max_len=SUMMARY_MAX,
                              label=_("Résumé")),
        "kind": kind,
        "cities": _clean_strings(data.get("cities"), "cities", _("Villes")),
        "qpv": _clean_strings(data.get("qpv"), "qpv", _("Quartiers prioritaires (QPV)")),
        "themes": _clean_strings(data.get("themes"), "themes", _("Thèmes")),
        "structures": resolve_structures(session, _clean_structures(data.get("structures"))),
        "frameworks": _clean_keys(data.get("frameworks"), "frameworks", set(frameworks.labels(session)),
                                  _("Dispositifs")),
        "audiences": _clean_keys(data.get("audiences"), "audiences", set(AUDIENCES), _("Publics")),
        "networks": _clean_networks(session, data.get("networks")),
    }
    for section in SECTIONS:
        cleaned[section] = clean_section(data.get(section), section)
    return cleaned
