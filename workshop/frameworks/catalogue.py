"""The public catalogue of frameworks: each one's texts, who uses it (links, structures, published sheets), its
editing by coordinators, and the "opportunities" of a structure: frameworks used around it that it does not use.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session, aliased

from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.frameworks.models import Framework
from workshop.frameworks.service import can_edit, ensure_defaults, list_frameworks
from workshop.frameworks.texts import FIELDS, TEXTS
from workshop.mapping.models import Link, Structure
from workshop.practices.models import Practice, PracticeFacet
from workshop.practices.text import sanitise
from workshop.validation import clean_name, clean_text

TEXT_MAX = 4000
TEXT_LABELS = {  # the catalogue's texts (FIELDS but the link), named as on the form in a refusal
    "purpose": _l("À quoi il sert"), "purpose_en": _l("À quoi il sert (anglais)"),
    "operators": _l("Qui le porte et le finance"), "operators_en": _l("Qui le porte et le finance (anglais)"),
    "eligibility": _l("Qui peut en bénéficier (QPV, REP...)"),
    "eligibility_en": _l("Qui peut en bénéficier (anglais)"), "contact": _l("Qui contacter"),
}
URL = re.compile(r"https?://[^\s<>\"']{3,290}")
SHOWN = 50  # links, structures and sheets listed on a framework's page
CONTACTS_SHOWN = 3  # structures to talk to, per opportunity


def get_framework(session: Session, key: str) -> Framework:
    found = next((f for f in list_frameworks(session) if f.key == key), None)
    if found is None:
        raise NotFound(_("Dispositif introuvable."))
    return found


def texts(framework: Framework, lang: str) -> dict[str, Markup]:
    """The catalogue texts in the reader's language (French when no English text was written), as safe HTML."""
    shown = {}
    for field in ("purpose", "operators", "eligibility"):
        text = (getattr(framework, f"{field}_en") if lang == "en" else "") or getattr(framework, field) or ""
        shown[field] = Markup(sanitise(text)) if text else Markup("")
    shown["contact"] = Markup(sanitise(framework.contact)) if framework.contact else Markup("")
    return shown


def _uses(column, key: str):
    """A JSON list of keys holding this key (the keys are [a-z0-9_], so the quoted form is unambiguous)."""
    return cast(column, String).like(f'%"{key}"%')


def usage(session: Session, key: str) -> dict[str, Any]:
    """Validated links between published structures that name this framework, those structures, and the
    published sheets filed under it."""
    source, target = aliased(Structure), aliased(Structure)
    rows = session.execute(
        select(Link.id, Link.level, source.id, source.name, target.id, target.name)
        .join(source, Link.source_id == source.id).join(target, Link.target_id == target.id)
        .where(Link.status == "validated", _uses(Link.frameworks, key), source.public.is_(True),
               source.validated.is_(True), target.public.is_(True), target.validated.is_(True))
        .order_by(Link.id.desc())).all()
    structures: dict[int, str] = {}
    for row in rows:
        structures.setdefault(row[2], row[3])
        structures.setdefault(row[4], row[5])
    sheets = session.execute(
        select(Practice.id, Practice.title).join(PracticeFacet, PracticeFacet.practice_id == Practice.id)
        .where(PracticeFacet.facet == "framework", PracticeFacet.value == key, Practice.status == "published")
        .order_by(Practice.title).limit(SHOWN)).all()
    return {"links": [{"id": r[0], "level": r[1], "source": r[3], "target": r[5]} for r in rows[:SHOWN]],
            "link_count": len(rows),
            "structures": sorted(({"id": i, "name": n} for i, n in structures.items()), key=lambda s: s["name"])[
                :SHOWN], "structure_count": len(structures),
            "sheets": [{"id": r[0], "title": r[1]} for r in sheets]}


def save_entry(session: Session, user: Any, key: str, data: dict[str, Any]) -> Framework:
    """Edit a framework's label and catalogue texts (coordinators only); texts are sanitised when shown."""
    if not can_edit(user):
        raise Forbidden(_("Seul·es les coordinateur·rices modifient le catalogue des dispositifs."))
    get_framework(session, key)
    ensure_defaults(session)
    framework = session.scalar(select(Framework).where(Framework.key == key))
    framework.label = clean_name(data.get("label"), "label", max_len=120, label=_("Libellé"))
    for field, label in TEXT_LABELS.items():
        setattr(framework, field, clean_text(data.get(field, ""), field, min_len=0, max_len=TEXT_MAX,
                                             label=str(label)))
    url = clean_text(data.get("url", ""), "url", min_len=0, max_len=300, label=_("Lien officiel"))
    if url and not URL.fullmatch(url):
        raise ValidationError(_("Lien officiel : une adresse qui commence par https:// ou http://."), field="url")
    framework.url = url
    session.flush()
    return framework


def seed_texts(session: Session) -> int:
    """Store the catalogue with its first texts, filling only empty fields (idempotent)."""
    ensure_defaults(session)
    filled = 0
    for framework in session.scalars(select(Framework)):
        for field, value in zip(FIELDS, TEXTS.get(framework.key, ()), strict=False):
            if not getattr(framework, field) and value:
                setattr(framework, field, value)
                filled += 1
    session.flush()
    return filled


def opportunities(session: Session, structure: Structure) -> list[dict[str, Any]]:
    """Frameworks used around a structure (same city or QPV, its partners, published sheets of its city) that
    it does not use yet, each with up to three nearby structures using it: whom to talk to."""
    own: set[str] = set()
    partners: set[int] = set()
    for source_id, target_id, keys in session.execute(
            select(Link.source_id, Link.target_id, Link.frameworks)
            .where(Link.status == "validated", or_(Link.source_id == structure.id, Link.target_id == structure.id))):
        own.update(keys or [])
        partners.add(target_id if source_id == structure.id else source_id)
    near = [Structure.id.in_(partners)] if partners else []
    if structure.city_insee:
        near.append(Structure.city_insee == structure.city_insee)
    if structure.qpv_code:
        near.append(Structure.qpv_code == structure.qpv_code)
    users: dict[str, dict[int, str]] = defaultdict(dict)
    nearby = dict(session.execute(select(Structure.id, Structure.name).where(
        or_(*near), Structure.id != structure.id, Structure.public.is_(True), Structure.validated.is_(True)))
        .all()) if near else {}
    if nearby:
        ids = list(nearby)
        for source_id, target_id, keys in session.execute(
                select(Link.source_id, Link.target_id, Link.frameworks)
                .where(Link.status == "validated", or_(Link.source_id.in_(ids), Link.target_id.in_(ids)))):
            for holder in {source_id, target_id} & nearby.keys():  # both ends when both are nearby
                for key in keys or []:
                    users[key].setdefault(holder, nearby[holder])
    sheets: dict[str, int] = defaultdict(int)
    if structure.city is not None:
        city_sheets = select(PracticeFacet.practice_id).join(Practice).where(
            PracticeFacet.facet == "city", PracticeFacet.value == structure.city.name, Practice.status == "published")
        for key in session.scalars(select(PracticeFacet.value).where(
                PracticeFacet.facet == "framework", PracticeFacet.practice_id.in_(city_sheets))):
            sheets[key] += 1
    found = []
    for framework in list_frameworks(session, active_only=True):
        key = framework.key
        if key in own or not (users.get(key) or sheets.get(key)):
            continue
        contacts = sorted(users.get(key, {}).items(), key=lambda item: item[1])
        found.append({"key": key, "label": framework.label, "structure_count": len(contacts),
                      "contacts": [{"id": i, "name": n} for i, n in contacts[:CONTACTS_SHOWN]],
                      "sheets": sheets.get(key, 0)})
    return sorted(found, key=lambda o: (-o["structure_count"] - o["sheets"], o["label"]))
