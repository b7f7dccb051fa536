"""Toolkit rules: who builds, what a toolkit may hold, versions of included practices, publication.

Plain functions taking a session first; used by the builder pages, the CLI and the exports. They flush and raise;
the view or command that called them commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nh3
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.networks.models import Network
from workshop.networks.service import coordinated_network_ids, networks_of
from workshop.practices import search
from workshop.practices.models import Practice
from workshop.practices.sheets import set_toolkit_uses
from workshop.practices.text import sanitise as practice_sanitise
from workshop.toolkits.models import Toolkit, ToolkitEntry, ToolkitSection
from workshop.validation import ID_MAX, clean_name, clean_text

TITLE_MAX = 200
SUBTITLE_MAX = 300
RICH_MAX = 20_000
SECTIONS_MAX = 40
ENTRIES_MAX = 400
RICH_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a", "h3"}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def sanitise(value: Any, field: str, label: str) -> str:
    """The editors' introduction and contacts: a small safe subset of HTML (nh3)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Le champ « %(f)s » doit être un texte.", f=label), field=field)
    if "<" not in value:  # plain text typed in a textarea: paragraphs on blank lines
        return practice_sanitise(value)
    cleaned = nh3.clean(value, tags=RICH_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer nofollow").strip()
    if len(cleaned) > RICH_MAX:
        raise ValidationError(_("« %(f)s » est trop long (%(n)d caractères au plus).", f=label, n=RICH_MAX),
                              field=field)
    return cleaned


# --- Rights --------------------------------------------------------------------------------------------


def can_build(session: Session, user: User | None) -> bool:
    """Coordinators (admins, or coordinators of a network) assemble toolkits."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return bool(coordinated_network_ids(session, user))


def require_builder(session: Session, user: User | None) -> None:
    if not can_build(session, user):
        raise Forbidden(_("Seul·es les coordinateur·rices de réseau composent des boîtes à outils."))


def can_edit(session: Session, user: User | None, toolkit: Toolkit) -> bool:
    """Admins edit every toolkit; a coordinator edits, publishes and deletes the toolkits of the networks they
    coordinate, never another network's."""
    if not can_build(session, user):
        return False
    return user.is_admin or bool({n.id for n in toolkit.networks} & coordinated_network_ids(session, user))


def require_editor(session: Session, user: User | None, toolkit_id: int) -> Toolkit:
    require_builder(session, user)
    toolkit = get_toolkit(session, toolkit_id)
    if not can_edit(session, user, toolkit):
        raise Forbidden(_("Cette boîte à outils appartient à un autre réseau : seul·es ses coordinateur·rices "
                          "la modifient."))
    return toolkit


def can_view(session: Session, user: User | None, toolkit: Toolkit) -> bool:
    return toolkit.is_published or can_build(session, user)


# --- Reading -------------------------------------------------------------------------------------------


def get_toolkit(session: Session, toolkit_id: int) -> Toolkit:
    toolkit = session.scalar(select(Toolkit).where(Toolkit.id == toolkit_id).options(
        selectinload(Toolkit.sections).selectinload(ToolkitSection.entries)))
    if toolkit is None:
        raise NotFound(_("Cette boîte à outils n'existe pas."))
    return toolkit


def require_view(session: Session, user: User | None, toolkit_id: int) -> Toolkit:
    toolkit = get_toolkit(session, toolkit_id)
    if not can_view(session, user, toolkit):
        raise Forbidden(_("Cette boîte à outils n'est pas encore publiée."))
    return toolkit


def get_public(session: Session, token: str) -> Toolkit:
    toolkit = session.scalar(select(Toolkit).where(Toolkit.public_token == token)) if token else None
    if toolkit is None or not toolkit.is_published:
        raise NotFound(_("Cette boîte à outils n'existe pas ou n'est plus publiée."))
    return get_toolkit(session, toolkit.id)


def list_toolkits(session: Session, user: User | None) -> list[Toolkit]:
    query = select(Toolkit).order_by(Toolkit.updated_at.desc(), Toolkit.id.desc())
    if not can_build(session, user):
        query = query.where(Toolkit.status == "published")
    return list(session.scalars(query))


def containing(session: Session, user: User | None, practice_id: int) -> list[Toolkit]:
    """The toolkits that include a sheet, for its page: published ones for everyone, drafts for who builds them."""
    query = (select(Toolkit).where(Toolkit.id.in_(select(ToolkitEntry.toolkit_id)
                                                  .where(ToolkitEntry.practice_id == practice_id)))
             .order_by(Toolkit.title, Toolkit.id))
    if not can_build(session, user):
        query = query.where(Toolkit.status == "published")
    return list(session.scalars(query))


def entry_counts(session: Session, toolkit_ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(ToolkitEntry.toolkit_id, func.count()).where(
        ToolkitEntry.toolkit_id.in_(toolkit_ids)).group_by(ToolkitEntry.toolkit_id))
    return dict(rows.all())


@dataclass
class Outdated:
    """An included practice that has a newer version than the one in the toolkit."""

    practice_id: int
    title: str
    included: int
    current: int


def outdated(session: Session, toolkit: Toolkit) -> list[Outdated]:
    ids = {e.practice_id: e.practice_version for s in toolkit.sections for e in s.entries}
    if not ids:
        return []
    rows = session.execute(select(Practice.id, Practice.title, Practice.version).where(Practice.id.in_(ids)))
    return [Outdated(pid, title, ids[pid], version) for pid, title, version in rows if version > ids[pid]]


def structure(session: Session, toolkit: Toolkit) -> list[dict]:
    """Sections and entries as the builder page edits them."""
    ids = [e.practice_id for s in toolkit.sections for e in s.entries]
    practices = {p.id: p for p in session.scalars(select(Practice).where(Practice.id.in_(ids)))} if ids else {}
    return [
        {"title": s.title, "entries": [
            {"practice_id": e.practice_id, "version": e.practice_version,
             "title": practices[e.practice_id].title if e.practice_id in practices else "",
             "current": practices[e.practice_id].version if e.practice_id in practices else e.practice_version,
             "status": practices[e.practice_id].status if e.practice_id in practices else ""}
            for e in s.entries]}
        for s in toolkit.sections
    ]


# --- Writing -------------------------------------------------------------------------------------------


def create_toolkit(session: Session, user: User, title: Any) -> Toolkit:
    require_builder(session, user)
    toolkit = Toolkit(title=clean_name(title, "title", max_len=TITLE_MAX, label=_("Titre")),
                      created_by_id=user.id, created_at=now(), updated_at=now())
    toolkit.sections = [ToolkitSection(title=_("Fiches pratiques"), position=0)]
    # The networks it belongs to: those its creator coordinates (an admin: the networks they are a member of).
    toolkit.networks = networks_of(session, user) if user.is_admin else list(session.scalars(
        select(Network).where(Network.id.in_(coordinated_network_ids(session, user)))))
    session.add(toolkit)
    session.flush()
    return toolkit


def _clean_structure(value: Any) -> list[tuple[str, list[int]]]:
    if not isinstance(value, list) or len(value) > SECTIONS_MAX:
        raise ValidationError(_("Les sections envoyées n'ont pas la bonne forme (%(n)d au plus).",
                                n=SECTIONS_MAX), field="sections")
    sections, seen = [], set()
    for raw in value:
        if not isinstance(raw, dict) or not isinstance(raw.get("entries", []), list):
            raise ValidationError(_("Les sections envoyées n'ont pas la bonne forme."), field="sections")
        title = clean_text(raw.get("title"), "sections", max_len=TITLE_MAX, label=_("Titre de section"))
        ids = []
        for item in raw.get("entries", []):
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise ValidationError(_("Identifiant de fiche invalide."), field="sections")
            if item in seen:
                raise ValidationError(_("Une fiche ne peut figurer qu'une fois dans la boîte à outils."),
                                      field="sections")
            seen.add(item)
            ids.append(item)
        sections.append((title, ids))
    if len(seen) > ENTRIES_MAX:
        raise ValidationError(_("Trop de fiches (%(n)d au plus).", n=ENTRIES_MAX), field="sections")
    return sections


def save_toolkit(session: Session, user: User, toolkit_id: int, data: Any, expected_revision: Any) -> Toolkit:
    """Save title, texts and the ordered sections; included practices keep their recorded version."""
    toolkit = require_editor(session, user, toolkit_id)
    if not isinstance(data, dict):
        raise ValidationError(_("Le contenu envoyé n'a pas la bonne forme."))
    if isinstance(expected_revision, bool) or not isinstance(expected_revision, int):
        raise ValidationError(_("Numéro de révision invalide."), field="revision")
    if expected_revision != toolkit.revision:
        raise Conflict(_("Quelqu'un a enregistré cette boîte à outils entre-temps : rechargez la page "
                         "(vos changements ne sont pas enregistrés)."))
    title = clean_name(data.get("title"), "title", max_len=TITLE_MAX, label=_("Titre"))
    subtitle = clean_text(data.get("subtitle") or "", "subtitle", min_len=0, max_len=SUBTITLE_MAX,
                          label=_("Sous-titre"))
    editors_line = clean_text(data.get("editors_line") or "", "editors_line", min_len=0, max_len=300,
                              label=_("Signature"))
    introduction = sanitise(data.get("introduction"), "introduction", _("Introduction"))
    contacts = sanitise(data.get("contacts"), "contacts", _("Contacts"))
    sections = _clean_structure(data.get("sections", []))
    recorded = {e.practice_id: e.practice_version for s in toolkit.sections for e in s.entries}
    wanted = [pid for _t, ids in sections for pid in ids]
    found = {p.id: p for p in session.scalars(select(Practice).where(Practice.id.in_(wanted)))} if wanted else {}
    missing = [str(pid) for pid in wanted if pid not in found]
    if missing:
        raise ValidationError(_("Fiches introuvables : %(ids)s.", ids=", ".join(missing)), field="sections")
    unpublished = [found[pid].title for pid in wanted if pid not in recorded and found[pid].status != "published"]
    if unpublished:
        raise ValidationError(_("Seules les fiches publiées entrent dans une boîte à outils : %(t)s.",
                                t=" ; ".join(unpublished)), field="sections")
    toolkit.title, toolkit.subtitle, toolkit.editors_line = title, subtitle, editors_line
    toolkit.introduction, toolkit.contacts = introduction, contacts
    toolkit.sections.clear()
    session.flush()
    for position, (section_title, ids) in enumerate(sections):
        section = ToolkitSection(title=section_title, position=position)
        section.entries = [ToolkitEntry(toolkit_id=toolkit.id, practice_id=pid, position=i,
                                        practice_version=recorded.get(pid, found[pid].version))
                           for i, pid in enumerate(ids)]
        toolkit.sections.append(section)
    _touch(toolkit)
    session.flush()
    _refresh_uses(session, set(recorded) | set(wanted))
    return toolkit


def _touch(toolkit: Toolkit) -> None:
    toolkit.updated_at = now()
    toolkit.revision = (toolkit.revision or 0) + 1


def _refresh_uses(session: Session, practice_ids: set[int]) -> None:
    """Keep Practice.toolkit_uses (sort "use in toolkits") equal to the number of toolkits including it."""
    if not practice_ids:
        return
    counts = dict(session.execute(select(ToolkitEntry.practice_id, func.count(func.distinct(ToolkitEntry.toolkit_id)))
                                  .where(ToolkitEntry.practice_id.in_(practice_ids))
                                  .group_by(ToolkitEntry.practice_id)).all())
    set_toolkit_uses(session, {pid: counts.get(pid, 0) for pid in practice_ids})


def update_entry(session: Session, user: User, toolkit_id: int, practice_id: int) -> ToolkitEntry:
    """Take the current version of an included practice (the editors decided to)."""
    toolkit = require_editor(session, user, toolkit_id)
    entry = next((e for s in toolkit.sections for e in s.entries if e.practice_id == practice_id), None)
    if entry is None:
        raise NotFound(_("Cette fiche n'est pas dans la boîte à outils."))
    if entry.practice.status != "published":
        raise ValidationError(_("La fiche n'est plus publiée : retirez-la ou attendez sa republication."))
    entry.practice_version = entry.practice.version
    _touch(toolkit)
    session.flush()
    return entry


def publish(session: Session, user: User, toolkit_id: int) -> Toolkit:
    toolkit = require_editor(session, user, toolkit_id)
    if not any(s.entries for s in toolkit.sections):
        raise ValidationError(_("Ajoutez au moins une fiche avant de publier."))
    toolkit.status = "published"
    toolkit.public_token = toolkit.public_token or secrets.token_urlsafe(12)
    toolkit.published_at = now()
    _touch(toolkit)
    session.flush()
    return toolkit


def unpublish(session: Session, user: User, toolkit_id: int) -> Toolkit:
    toolkit = require_editor(session, user, toolkit_id)
    toolkit.status = "draft"
    _touch(toolkit)
    session.flush()
    return toolkit


def delete_toolkit(session: Session, user: User, toolkit_id: int) -> None:
    toolkit = require_editor(session, user, toolkit_id)
    ids = {e.practice_id for s in toolkit.sections for e in s.entries}
    session.delete(toolkit)
    session.flush()
    _refresh_uses(session, ids)


# --- Picking practices ------------------------------------------------------------------------------


PICK_FACETS = ("theme", "framework", "city", "audience", "kind", "network")


def pick(session: Session, text: Any, filters: dict[str, list[str]], page: int = 1) -> dict:
    """Published practices for the builder, from the repository's one search function, with facets."""
    text = text if isinstance(text, str) else ""
    clean_filters = {k: [v[:120] for v in values[:10] if isinstance(v, str)]
                     for k, values in filters.items() if k in PICK_FACETS}
    clean_filters["status"] = ["published"]
    results = search.search(session, search.Query(text=text[:200], filters=clean_filters, page=max(1, page),
                                                  per_page=20, sort="relevance" if text.strip() else "recent"))
    return {
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "hits": [{"id": h.practice.id, "title": h.practice.title, "summary": h.practice.summary,
                  "cities": h.practice.cities, "themes": h.practice.themes, "version": h.practice.version,
                  "excerpt": str(h.excerpt)} for h in results.hits],
        "facets": {k: v[:12] for k, v in results.facets.items() if k in PICK_FACETS},
    }


def practices_for_export(session: Session, spec: str) -> list:
    """`all` (every published practice) or comma-separated ids (each must exist and be published: a draft or a
    sheet under review never leaves the repository this way): for the CLI."""
    spec = (spec or "").strip()
    if spec == "all":
        practices = list(session.scalars(select(Practice).where(Practice.status == "published")
                                         .order_by(Practice.title, Practice.id)))
        if not practices:
            raise ValidationError(_("Aucune fiche publiée : rien à exporter."), field="practices")
        return practices
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise ValidationError(_("Indiquez « all » ou des identifiants de fiches séparés par des virgules."),
                              field="practices")
    bad = [p for p in parts if not re.fullmatch(r"[0-9]{1,10}", p) or not 1 <= int(p) <= ID_MAX]
    if bad:
        raise ValidationError(_("Identifiants invalides : %(ids)s (attendu : des nombres, ex. 3,8,12).",
                                ids=", ".join(bad)), field="practices")
    ids = list(dict.fromkeys(int(p) for p in parts))
    found = {p.id: p for p in session.scalars(select(Practice).where(Practice.id.in_(ids)))}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationError(_("Fiches introuvables : %(ids)s.", ids=", ".join(unknown)), field="practices")
    drafts = [str(i) for i in ids if found[i].status != "published"]
    if drafts:
        raise ValidationError(_("Fiches non publiées, exclues des exports : %(ids)s.", ids=", ".join(drafts)),
                              field="practices")
    return [found[i] for i in ids]
