"""Exchange of practice repositories between networks: one JSON file, with provenance and versions.

Import validates each item on its own and reports per item; a practice is known by its UUID, so importing the
same file twice (or a file that came back from the other network) never duplicates anything.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from workshop.accounts.models import User
from workshop.errors import DomainError, Forbidden, ValidationError
from workshop.frameworks import service as frameworks
from workshop.networks.models import Network
from workshop.practices import index
from workshop.practices.cleaning import clean_data
from workshop.practices.models import STATUSES, Practice, PracticeFacet, PracticeVersion, practice_network
from workshop.practices.rights import get_by_uuid
from workshop.practices.sheets import apply_data, facet_rows, now, snapshot
from workshop.writes import Writes

FORMAT = "passerelles.practices"
FORMAT_VERSION = 1
# On SQLite an import's sheets are written in one window that holds every board's cards: ~120 ms of another
# board's worst card delay at 5,000 sheets, ~480 ms at 20,000 (bench/import_flood.py --format practices). A
# bigger repository goes in several files: each is all or nothing, and a sheet already there is skipped.
MAX_ITEMS = 5_000
MAX_VERSIONS = 500
PROVENANCE_MAX = 200_000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _portable(data: dict, slugs: dict[int, str]) -> dict:
    """Content with networks by slug (ids differ from one instance to another)."""
    return {**data, "networks": [slugs[n] for n in data.get("networks") or [] if n in slugs]}


def export_practices(session: Session, viewer: User | None, ids: list[int] | None = None) -> dict:
    """Every sheet this person may export (admins: all; others: published ones), with their versions."""
    query = select(Practice).options(selectinload(Practice.networks)).order_by(Practice.id)
    if not (viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_admin):
        query = query.where(Practice.status == "published")
    if ids is not None:
        query = query.where(Practice.id.in_(ids))
    slugs = dict(session.execute(select(Network.id, Network.slug)).all())
    full = viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_admin
    items = []
    for practice in session.scalars(query):
        history = session.scalars(select(PracticeVersion).where(PracticeVersion.practice_id == practice.id)
                                  .order_by(PracticeVersion.number))
        items.append({
            "uuid": practice.uuid, "status": practice.status, "version": practice.version,
            **_portable(snapshot(practice), slugs),
            "provenance": practice.provenance if full else _public_provenance(practice.provenance),
            "created_at": _iso(practice.created_at),
            "updated_at": _iso(practice.updated_at), "published_at": _iso(practice.published_at),
            "versions": [{"number": v.number, "at": _iso(v.at), "author": v.author_name if full else "",
                          "note": v.note,
                          "data": _portable(v.data, slugs)} for v in history],
        })
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "practices": items}


def _public_provenance(provenance: dict | None) -> dict | None:
    """Without the first names of the people who wrote the cards, nor the language each was written in, which in
    a room with one Arabic-speaking parent names her as surely (public export)."""
    if not provenance:
        return provenance
    return {**provenance, "cards": [{k: v for k, v in c.items() if k != "language"} | {"author": None}
                                    for c in provenance.get("cards", [])]}


@dataclass
class ItemReport:
    index: int
    uuid: str | None
    title: str | None
    outcome: str  # created | skipped | rejected
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


def load(raw: bytes | str) -> dict:
    """Parse an export file; refuse anything that is not one."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationError(_("Ce fichier n'est pas du JSON valide."), field="file") from None
    return check(data)


def check(data: Any) -> dict:
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("practices"), list):
        raise ValidationError(_("Ce fichier n'est pas un export de fiches Passerelles."), field="file")
    if len(data["practices"]) > MAX_ITEMS:
        raise ValidationError(_(
            "Trop de fiches dans un seul fichier (%(n)d au plus) : découpez-le en plusieurs fichiers, les fiches "
            "déjà importées seront reconnues.", n=MAX_ITEMS), field="file")
    return data


def import_practices(session: Session, user: User, data: dict, *, dry_run: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> list[ItemReport]:
    """Create the sheets that are not here yet; each item is checked alone and reported.

    Every item is checked (reads only) before anything is written; the new sheets, their versions, facets and
    index entries are then written together (`workshop.writes`: on SQLite the write lock, which every board's
    cards wait for, is held for a few statements rather than the whole file). A dry run writes nothing; the
    caller commits. `progress` is told `(items done, items)` as it goes (the job page).
    """
    if not (user is not None and user.is_admin):
        raise Forbidden(_("Seul·es les coordinateur·rices importent des fiches."))
    data = check(data)
    networks = dict(session.execute(select(Network.slug, Network.id)).all())
    known = frameworks.labels(session)
    seen: set[str] = set()
    reports, planned = [], []
    for number, item in enumerate(data["practices"], start=1):
        report, plan = _check_one(session, number, item, networks, known, seen)
        reports.append(report)
        if plan is not None and not dry_run:
            planned.append((report.uuid, item, *plan))
        if progress is not None:
            progress(number, len(data["practices"]))
    if planned:
        writes = _queue(session, user, planned, known)
        del planned  # freed before the write window
        writes.apply()
    session.flush()
    return reports


def _check_one(session: Session, index: int, item: Any, networks: dict, frameworks: dict,
               seen: set[str]) -> tuple[ItemReport, tuple | None]:
    """The item's report, and what to write for it (None: nothing)."""
    if not isinstance(item, dict):
        return ItemReport(index, None, None, "rejected", _("L'élément n'est pas un objet JSON.")), None
    title = item.get("title") if isinstance(item.get("title"), str) else None
    try:
        key = str(uuidlib.UUID(str(item.get("uuid"))))
    except ValueError:
        return ItemReport(index, None, title, "rejected", _("UUID manquant ou invalide.")), None
    if key in seen or get_by_uuid(session, key) is not None:
        return ItemReport(index, key, title, "skipped", _("Déjà présente : rien n'a été modifié.")), None
    seen.add(key)
    warnings: list[str] = []
    try:  # everything is checked before anything is written, so a rejected item leaves no trace
        plan = _validate(session, item, networks, frameworks, warnings)
    except DomainError as error:
        where = f" ({error.field})" if error.field else ""
        return ItemReport(index, key, title, "rejected", error.message + where), None
    return ItemReport(index, key, plan[1]["title"], "created", warnings=warnings), plan


def _localise(data: Any, networks: dict, frameworks: dict, warnings: list[str]) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("Le contenu de la fiche n'a pas la bonne forme."))
    data = dict(data)
    slugs = data.get("networks") or []
    if not isinstance(slugs, list):
        raise ValidationError(_("Réseaux invalides."), field="networks")
    unknown = [s for s in slugs if s not in networks]
    if unknown:
        warnings.append(_("Réseaux inconnus ignorés : %(v)s", v=", ".join(map(str, unknown))[:200]))
    data["networks"] = [networks[s] for s in slugs if s in networks]
    keys = data.get("frameworks") or []
    if not isinstance(keys, list):
        raise ValidationError(_("Dispositifs invalides."), field="frameworks")
    dropped = [k for k in keys if k not in frameworks]
    if dropped:
        warnings.append(_("Dispositifs inconnus ignorés : %(v)s", v=", ".join(map(str, dropped))[:200]))
    data["frameworks"] = [k for k in keys if k in frameworks]
    return data


def _clean_provenance(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(json.dumps(value)) > PROVENANCE_MAX:
        raise ValidationError(_("Provenance invalide."), field="provenance")
    cards = value.get("cards") or []
    if not isinstance(cards, list) or not all(isinstance(c, dict) for c in cards):
        raise ValidationError(_("Provenance invalide."), field="provenance")

    def text(v: Any, n: int) -> str | None:
        return v[:n] if isinstance(v, str) else None

    return {
        "workshop_id": value.get("workshop_id") if isinstance(value.get("workshop_id"), int) else None,
        "workshop_title": text(value.get("workshop_title"), 200),
        "workshop_place": text(value.get("workshop_place"), 200),
        "workshop_held_on": text(value.get("workshop_held_on"), 10),
        "cards": [{"id": c.get("id") if isinstance(c.get("id"), int) else None, "column": text(c.get("column"), 40),
                   "text": text(c.get("text"), 500), "author": text(c.get("author"), 60)} for c in cards[:200]],
        "groups": [{"name": text(g.get("name"), 120)} for g in value.get("groups") or [] if isinstance(g, dict)],
        "anonymous": bool(value.get("anonymous")), "at": text(value.get("at"), 32), "imported": True,
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _validate(session: Session, item: dict, networks: dict, frameworks: dict,
              warnings: list[str]) -> tuple[str, dict, list, dict | None]:
    status = item.get("status", "draft")
    if status not in STATUSES:
        raise ValidationError(_("Statut inconnu."), field="status")
    cleaned = clean_data(session, _localise(item, networks, frameworks, warnings))
    history = item.get("versions") or []
    if not isinstance(history, list) or len(history) > MAX_VERSIONS:
        raise ValidationError(_("Historique invalide."), field="versions")
    versions = []
    for entry in history:
        if not isinstance(entry, dict) or isinstance(entry.get("number"), bool) \
                or not isinstance(entry.get("number"), int) or entry["number"] < 1:
            raise ValidationError(_("Version invalide dans l'historique."), field="versions")
        data = clean_data(session, _localise(entry.get("data"), networks, frameworks, []))
        versions.append((entry["number"], data, entry))
    versions.sort(key=lambda v: v[0])
    numbers = [n for n, _d, _e in versions]
    if len(set(numbers)) != len(numbers):
        raise ValidationError(_("Numéros de version en double."), field="versions")
    return status, cleaned, versions, _clean_provenance(item.get("provenance"))


def _queue(session: Session, user: User, planned: list[tuple], labels: dict[str, str]) -> Writes:
    """The rows of the new sheets and of what hangs on them (versions, networks, facets, index entries), which
    point at their sheet by its position until it is written."""
    moment = now()
    practices, versions, links, facets, documents = [], [], [], [], []
    for position, (key, item, status, cleaned, history, provenance) in enumerate(planned):
        numbers = [n for n, _d, _e in history]
        current = max(numbers, default=0) + (0 if history and history[-1][1] == cleaned else 1)
        practice = Practice(uuid=key, status=status, version=current, created_by_id=None, updated_by_id=user.id,
                            created_at=_parse_time(item.get("created_at")) or moment,
                            updated_at=_parse_time(item.get("updated_at")) or moment,
                            published_at=_parse_time(item.get("published_at")), provenance=provenance)
        apply_data(session, practice, cleaned)  # not added to the session: only read into rows
        state = inspect(practice).dict
        practices.append({attr.columns[0].name: state[attr.key] for attr in inspect(Practice).column_attrs
                          if attr.key in state})
        links += [{"practice_id": position, "network_id": network.id} for network in practice.networks]
        versions += [{"practice_id": position, "number": number, "data": data, "author_id": None,
                      "author_name": str(entry.get("author") or "")[:120], "note": str(entry.get("note") or "")[:300],
                      "at": _parse_time(entry.get("at")) or moment} for number, data, entry in history]
        if current not in numbers:
            versions.append({"practice_id": position, "number": current, "data": snapshot(practice),
                             "author_id": user.id, "author_name": user.name, "note": _("Import"), "at": moment})
        facets += [{**row, "practice_id": position} for row in facet_rows(practice)]
        documents.append(index.document(practice, labels))
    writes = Writes(session)
    inserted = writes.insert(Practice, practices)
    for target, rows in ((PracticeVersion, versions), (practice_network, links), (PracticeFacet, facets)):
        writes.insert(target, rows, parent=inserted, parent_key="practice_id")
    index.index_new(writes, inserted, documents)
    return writes
