"""Writing sheets: create, save with optimistic concurrency (a version per save), co-editors, derived data.

Every function flushes and raises; the request, socket handler or CLI command that called it commits.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.accounts.service import get_by_email
from workshop.errors import Conflict, Forbidden, ValidationError
from workshop.frameworks import service as frameworks
from workshop.networks.models import Network
from workshop.practices import index
from workshop.practices.cleaning import RAW_MAX, clean_data
from workshop.practices.models import SECTIONS, Practice, PracticeFacet, PracticeVersion
from workshop.practices.rights import can_create, get_practice, require_edit
from workshop.practices.text import editable_text
from workshop.practices.vocabulary import CONTENT_FIELDS, LIST_FIELDS, field_label

# What co-editors see each other type live (the lists typed as text and the sections).
LIVE_FIELDS = frozenset(("title", "summary", "cities", "qpv", "structures", "themes", *SECTIONS))


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def snapshot(practice: Practice) -> dict:
    """The content of a sheet as saved in a version (and compared for conflicts)."""
    data = {name: getattr(practice, name) for name in CONTENT_FIELDS if name != "networks"}
    data["networks"] = sorted(n.id for n in practice.networks)
    for name in LIST_FIELDS:
        data[name] = list(data[name] or [])
    return data


def apply_data(session: Session, practice: Practice, data: dict) -> None:
    """Copy cleaned content onto a sheet (networks by id)."""
    for name in CONTENT_FIELDS:
        if name == "networks":
            ids = data.get("networks") or []
            practice.networks = list(session.scalars(select(Network).where(Network.id.in_(ids)))) if ids else []
        elif name in data:
            setattr(practice, name, data[name])


def facet_rows(practice: Practice) -> list[dict]:
    pairs = [("theme", v) for v in practice.themes or []] + [("framework", v) for v in practice.frameworks or []]
    pairs += [("audience", v) for v in practice.audiences or []] + [("city", v) for v in practice.cities or []]
    pairs += [("qpv", v) for v in practice.qpv or []] + [("network", str(n.id)) for n in practice.networks]
    pairs += [("kind", practice.kind), ("status", practice.status)]
    return [{"practice_id": practice.id, "facet": f, "value": v[:120]} for f, v in pairs]


def sync_status_facet(session: Session, practice: Practice) -> None:
    """The status facet follows a status change (and search's cached status bitsets are dropped)."""
    session.execute(update(PracticeFacet).where(PracticeFacet.practice_id == practice.id,
                                                PracticeFacet.facet == "status").values(value=practice.status))
    index.touch(session)


def sync_derived(session: Session, practice: Practice) -> None:
    """Rewrite what is derived from a sheet (facets, full-text index), in the same transaction."""
    session.execute(delete(PracticeFacet).where(PracticeFacet.practice_id == practice.id))
    rows = facet_rows(practice)
    if rows:
        session.execute(insert(PracticeFacet), rows)
    index.index_practice(session, practice, frameworks.labels(session))


def add_version(session: Session, practice: Practice, user: User | None, note: str = "") -> None:
    """Record the sheet's current content as its version `practice.version`."""
    session.add(PracticeVersion(practice_id=practice.id, number=practice.version, data=snapshot(practice),
                                author_id=user.id if user else None, author_name=user.name if user else "",
                                note=note[:300], at=now()))


def create_practice(session: Session, user: User, data: Any, *, provenance: dict | None = None,
                    source_workshop_id: int | None = None) -> Practice:
    """Create a draft sheet (version 1) on behalf of any member; its author may invite editors."""
    if not can_create(user):
        raise Forbidden(_("Connectez-vous pour proposer une fiche."))
    cleaned = clean_data(session, data)
    moment = now()
    practice = Practice(uuid=str(uuidlib.uuid4()), status="draft", version=1, created_by_id=user.id,
                        updated_by_id=user.id, created_at=moment, updated_at=moment, provenance=provenance,
                        source_workshop_id=source_workshop_id)
    apply_data(session, practice, cleaned)
    session.add(practice)
    session.flush()
    add_version(session, practice, user, _("Création"))
    sync_derived(session, practice)
    session.flush()
    return practice


@dataclass
class FieldConflict:
    field: str
    label: str
    theirs: Any
    yours: Any


def conflicts(session: Session, practice: Practice, base_version: int, yours: dict) -> list[FieldConflict]:
    """Fields someone else changed since `base_version` and that you changed differently."""
    base = session.scalar(select(PracticeVersion.data).where(PracticeVersion.practice_id == practice.id,
                                                             PracticeVersion.number == base_version)) or {}
    theirs = snapshot(practice)
    found = []
    for name in CONTENT_FIELDS:
        if theirs.get(name) != base.get(name) and yours.get(name) != theirs.get(name):
            found.append(FieldConflict(name, field_label(name), theirs.get(name), yours.get(name)))
    return found


def update_practice(session: Session, user: User, practice_id: int, data: Any, expected_version: Any,
                    *, note: str = "") -> Practice:
    """Save a new version; if someone saved since `expected_version`, raise Conflict and change nothing.

    A save that changes nothing makes no version (the sheet keeps `expected_version`). A published sheet that the
    edit makes name another network goes back to review until that network approves (`reviews.edited`).
    """
    from workshop.practices import reviews  # reviews imports this module

    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    cleaned = clean_data(session, data)
    expected = _version_number(expected_version)
    if practice.version == expected and snapshot(practice) == cleaned:
        return practice
    _claim_version(session, practice, expected, cleaned)
    named_before = reviews.named_networks(session, practice)
    apply_data(session, practice, cleaned)
    practice.version = expected + 1
    practice.updated_by_id, practice.updated_at = user.id, now()
    reviews.edited(session, user, practice, named_before)  # before the version: it records the networks
    add_version(session, practice, user, note)
    sync_derived(session, practice)
    session.flush()
    return practice


def _version_number(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Numéro de version manquant : rechargez la fiche."), field="version") from None
    if number < 1:
        raise ValidationError(_("Numéro de version invalide."), field="version")
    return number


def _claim_version(session: Session, practice: Practice, expected: int, yours: dict) -> None:
    """Compare-and-set on the version number: of two simultaneous saves, exactly one gets through."""
    if practice.version == expected:
        claimed = session.execute(update(Practice).where(Practice.id == practice.id, Practice.version == expected)
                                  .values(version=expected + 1),
                                  execution_options={"synchronize_session": False}).rowcount
        if claimed == 1:
            return
        session.refresh(practice)
    found = conflicts(session, practice, expected, yours)
    raise Conflict(_("Quelqu'un a enregistré cette fiche pendant que vous la modifiiez (version %(n)d). "
                     "Rien n'a été écrasé : comparez les deux textes ci-dessous.", n=practice.version),
                   details={"current_version": practice.version,
                            "fields": [f.__dict__ for f in found]})


def add_editor(session: Session, user: User, practice_id: int, email: str) -> User:
    """Invite someone with an account to co-edit a sheet."""
    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    invited = get_by_email(session, email or "")
    if invited is None or not invited.active:
        raise ValidationError(_("Aucun compte actif avec cette adresse."), field="email")
    if invited.id != practice.created_by_id and all(e.id != invited.id for e in practice.editors):
        practice.editors.append(invited)
    session.flush()
    return invited


def set_toolkit_uses(session: Session, counts: dict[int, int]) -> None:
    """For the toolkits domain: how many toolkits use each practice (sort "use in toolkits")."""
    for practice_id, count in counts.items():
        session.execute(update(Practice).where(Practice.id == practice_id).values(toolkit_uses=max(0, int(count))),
                        execution_options={"synchronize_session": False})
    index.touch(session)  # the "use in toolkits" order changed


# --- Live co-editing -------------------------------------------------------------------------------


def check_typing(field: Any, value: Any) -> None:
    """What a co-editor may relay while typing: a live field, and a text no longer than a section may be."""
    if field not in LIVE_FIELDS:
        raise ValidationError(_("Champ inconnu."), field="field")
    if not isinstance(value, str) or len(value) > RAW_MAX:
        raise ValidationError(_("Texte invalide ou trop long."), field="value")


def live_fields(practice: Practice) -> dict:
    """The saved content co-editors' forms adopt: sections as the text a text area shows."""
    return {name: editable_text(value) if name in SECTIONS else value
            for name, value in snapshot(practice).items() if name in LIVE_FIELDS}
