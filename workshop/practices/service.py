"""Practice rules: writing sheets (sanitised, versioned, conflict-safe), review workflow, rights, from the board.

Plain functions taking a session first; used by views, socket handlers, CLI and import alike.
"""

from __future__ import annotations

import difflib
import html
import re
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nh3
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.networks.models import Network
from workshop.practices import search
from workshop.practices.models import (
    KINDS,
    SECTIONS,
    STATUSES,
    Framework,
    Practice,
    PracticeApproval,
    PracticeComment,
    PracticeFacet,
    PracticeVersion,
    practice_editor,
)
from workshop.validation import clean_text

TITLE_MAX = 200
SUMMARY_MAX = 600
SECTION_MAX = 20_000
RAW_MAX = 60_000
COMMENT_MAX = 5_000
LIST_LIMITS = {"cities": (30, 80), "qpv": (30, 120), "themes": (20, 60)}
STRUCTURES_MAX = 40
CARDS_MAX = 100

KIND_LABELS = {"experience": _l("Expérience"), "practice": _l("Pratique"), "tool": _l("Outil")}
STATUS_LABELS = {"draft": _l("Brouillon"), "submitted": _l("Soumise à relecture"), "published": _l("Publiée"),
                 "archived": _l("Archivée")}
SECTION_LABELS = {
    "context": _l("Contexte"), "objectives": _l("Objectifs"), "public": _l("Public concerné"),
    "actors": _l("Acteurs et rôles"), "steps": _l("Étapes et calendrier"), "means": _l("Moyens et ressources"),
    "obstacles": _l("Freins rencontrés"), "levers": _l("Leviers et conditions de réussite"),
    "vigilance": _l("Points de vigilance"), "evaluation": _l("Effets et évaluation"),
    "transferability": _l("Transférabilité"), "contacts": _l("Contacts"),
}
AUDIENCES = {
    "parents": _l("Parents"), "eleves_primaire": _l("Élèves du primaire"), "collegiens": _l("Collégien·nes"),
    "lyceens": _l("Lycéen·nes"), "petite_enfance": _l("Petite enfance"), "enseignants": _l("Enseignant·es"),
    "animateurs": _l("Animateur·rices"), "familles_allophones": _l("Familles allophones"),
    "professionnels": _l("Professionnel·les"),
}
DEFAULT_FRAMEWORKS = (
    ("clas", "CLAS"), ("reaap", "REAAP"), ("oepre", "OEPRE"), ("pre", "PRE"), ("cite_educative", "Cité éducative"),
    ("rep", "REP / REP+"), ("pedt", "PEDT"), ("contrat_de_ville", "Contrat de ville"), ("ctg", "CTG"),
    ("espace_parents", "Espace parents"), ("mallette", "Mallette des parents"), ("devoirs_faits", "Devoirs faits"),
    ("convention", "Convention de partenariat"),
)
# Which board column feeds which section of a sheet made from cards.
COLUMN_SECTIONS = {"obstacle": "obstacles", "lever": "levers", "method": "steps", "resource": "means",
                   "opportunity": "context"}
LIST_FIELDS = ("cities", "qpv", "structures", "frameworks", "themes", "audiences", "networks")
CONTENT_FIELDS = ("title", "summary", "kind", *LIST_FIELDS, *SECTIONS)
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a"}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- Sanitising ----------------------------------------------------------------------------------


def sanitise(value: str) -> str:
    """Keep paragraphs, lists, bold, italics and links; plain text typed with dashes becomes a list."""
    if not _HTML_TAG.search(value):  # "x < y" or "<parents>" typed as text stays text
        value = _plain_to_html(value)
    cleaned = nh3.clean(value, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                        strip_comments=True)
    return cleaned.strip()


_BULLET = re.compile(r"^[-*•]\s+")
# Markup that makes a text HTML (kept tags, or dangerous ones to strip); "<parents>" or "a < b" stay text.
_HTML_TAG = re.compile(
    r"</?(?:p|br|ul|ol|li|strong|b|em|i|a|script|style|iframe|img|svg|object|embed|form|input|div|span|table)\b",
    re.I,
)


def _plain_to_html(value: str) -> str:
    blocks = []
    for block in re.split(r"\n\s*\n", value.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{html.escape(_BULLET.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append("<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "".join(blocks)


_BLOCK = re.compile(r"<p>(.*?)</p>|<ul>(.*?)</ul>", re.S)
_PLAIN_TAGS = {"p", "br", "ul", "li"}


def editable_text(value: str) -> str:
    """What a text area shows for a stored section: the plain text `sanitise` turns back into the very same HTML
    when the section holds only paragraphs, line breaks and lists (what typing produces); otherwise the HTML,
    so that bold, italics and links are never lost by editing."""
    tags = {t.lower() for t in re.findall(r"</?\s*([a-zA-Z0-9]+)", value or "")}
    if not value or not tags <= _PLAIN_TAGS or _BLOCK.sub("", value).strip():
        return value or ""
    blocks = []
    for paragraph, items in _BLOCK.findall(value):
        if paragraph:
            blocks.append(html.unescape(re.sub(r"<br\s*/?>", "\n", paragraph)))
        else:
            blocks.append("\n".join("- " + html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", items, re.S)))
    text = "\n\n".join(blocks)
    return text if sanitise(text) == value else value


def html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else ""


# --- Reading -------------------------------------------------------------------------------------


def get_practice(session: Session, practice_id: int) -> Practice:
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound(_("Cette fiche pratique n'existe pas."))
    return practice


def get_by_uuid(session: Session, value: str) -> Practice | None:
    return session.scalar(select(Practice).where(Practice.uuid == value))


def list_frameworks(session: Session, *, active_only: bool = False) -> list[Framework]:
    ensure_frameworks(session)
    query = select(Framework).order_by(Framework.position, Framework.label)
    if active_only:
        query = query.where(Framework.active.is_(True))
    return list(session.scalars(query))


def ensure_frameworks(session: Session) -> None:
    """Fill the frameworks list with DESIGN.md's defaults the first time it is needed."""
    if session.scalar(select(Framework.id).limit(1)) is None:
        session.add_all(Framework(key=k, label=label, position=i) for i, (k, label) in enumerate(DEFAULT_FRAMEWORKS))
        session.commit()


def framework_labels(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Framework.key, Framework.label)).all())


def network_labels(session: Session) -> dict[str, str]:
    return {str(i): name for i, name in session.execute(select(Network.id, Network.short_name)).all()}


# --- Rights --------------------------------------------------------------------------------------


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def reviewer_networks(session: Session, user: User | None, practice: Practice) -> set[int]:
    """The practice's networks this person reviews for (admins: all of them)."""
    if not _authenticated(user):
        return set()
    from workshop.networks.service import coordinated_network_ids

    own = {n.id for n in practice.networks}
    if user.is_admin:
        return own
    return own & coordinated_network_ids(session, user)


def is_reviewer(session: Session, user: User | None, practice: Practice) -> bool:
    """Coordinators of one of the practice's networks, and admins, review and publish it."""
    return _authenticated(user) and (user.is_admin or bool(reviewer_networks(session, user, practice)))


def is_contributor(session: Session, user: User | None, practice: Practice) -> bool:
    if not _authenticated(user):
        return False
    return practice.created_by_id == user.id or any(e.id == user.id for e in practice.editors)


def can_view(session: Session, user: User | None, practice: Practice) -> bool:
    if practice.status == "published":
        return True
    return is_contributor(session, user, practice) or is_reviewer(session, user, practice)


def can_edit(session: Session, user: User | None, practice: Practice) -> bool:
    """Authors and invited editors edit unpublished sheets; only reviewers touch published ones."""
    if practice.status == "archived":
        return False
    if practice.status == "published":
        return is_reviewer(session, user, practice)
    return is_contributor(session, user, practice) or is_reviewer(session, user, practice)


def require_view(session: Session, user: User | None, practice_id: int) -> Practice:
    practice = get_practice(session, practice_id)
    if not can_view(session, user, practice):
        raise Forbidden(_("Cette fiche n'est pas encore publiée."))
    return practice


def require_edit(session: Session, user: User | None, practice: Practice) -> None:
    if not can_edit(session, user, practice):
        if practice.status == "archived":
            raise Forbidden(_("Cette fiche est archivée : rouvrez-la avant de la modifier."))
        raise Forbidden(_("Vous ne pouvez pas modifier cette fiche."))


def can_create(user: User | None) -> bool:
    return _authenticated(user) and user.is_active


# --- Cleaning ------------------------------------------------------------------------------------


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
        name = clean_text(raw.get("name"), "structures", max_len=200, label=_("Structures"))
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


def clean_data(session: Session, data: Any) -> dict:
    """Validate and normalise a whole sheet; unsafe HTML is stripped, every list bounded."""
    if not isinstance(data, dict):
        raise ValidationError(_("Le contenu de la fiche n'a pas la bonne forme."))
    kind = data.get("kind") or "practice"
    if kind not in KINDS:
        raise ValidationError(_("Type de fiche inconnu."), field="kind")
    frameworks = {f.key for f in list_frameworks(session)}
    cleaned = {
        "title": clean_text(data.get("title"), "title", max_len=TITLE_MAX, label=_("Titre")),
        "summary": clean_text(data.get("summary") or "", "summary", min_len=0, max_len=SUMMARY_MAX,
                              label=_("Résumé")),
        "kind": kind,
        "cities": _clean_strings(data.get("cities"), "cities", _("Villes")),
        "qpv": _clean_strings(data.get("qpv"), "qpv", _("Quartiers prioritaires (QPV)")),
        "themes": _clean_strings(data.get("themes"), "themes", _("Thèmes")),
        "structures": _clean_structures(data.get("structures")),
        "frameworks": _clean_keys(data.get("frameworks"), "frameworks", frameworks, _("Dispositifs")),
        "audiences": _clean_keys(data.get("audiences"), "audiences", set(AUDIENCES), _("Publics")),
        "networks": _clean_networks(session, data.get("networks")),
    }
    for section in SECTIONS:
        cleaned[section] = clean_section(data.get(section), section)
    return cleaned


# --- Writing -------------------------------------------------------------------------------------


def snapshot(practice: Practice) -> dict:
    """The content of a sheet as saved in a version (and compared for conflicts)."""
    data = {name: getattr(practice, name) for name in CONTENT_FIELDS if name != "networks"}
    data["networks"] = sorted(n.id for n in practice.networks)
    for name in LIST_FIELDS:
        data[name] = list(data[name] or [])
    return data


def _apply(session: Session, practice: Practice, data: dict) -> None:
    for name in CONTENT_FIELDS:
        if name == "networks":
            ids = data.get("networks") or []
            practice.networks = list(session.scalars(select(Network).where(Network.id.in_(ids)))) if ids else []
        elif name in data:
            setattr(practice, name, data[name])


def _facet_rows(practice: Practice) -> list[dict]:
    pairs = [("theme", v) for v in practice.themes or []] + [("framework", v) for v in practice.frameworks or []]
    pairs += [("audience", v) for v in practice.audiences or []] + [("city", v) for v in practice.cities or []]
    pairs += [("qpv", v) for v in practice.qpv or []] + [("network", str(n.id)) for n in practice.networks]
    pairs += [("kind", practice.kind), ("status", practice.status)]
    return [{"practice_id": practice.id, "facet": f, "value": v[:120]} for f, v in pairs]


def _sync_status_facet(session: Session, practice: Practice) -> None:
    session.execute(update(PracticeFacet).where(PracticeFacet.practice_id == practice.id,
                                                PracticeFacet.facet == "status").values(value=practice.status))
    search.touch(session)  # search's cached snapshot (status bitsets) is stale


def sync_derived(session: Session, practice: Practice) -> None:
    """Rewrite what is derived from a sheet (facets, full-text index), in the same transaction."""
    session.execute(delete(PracticeFacet).where(PracticeFacet.practice_id == practice.id))
    rows = _facet_rows(practice)
    if rows:
        session.execute(insert(PracticeFacet), rows)
    search.index_practice(session, practice, framework_labels(session))


def _add_version(session: Session, practice: Practice, user: User | None, note: str = "") -> None:
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
    _apply(session, practice, cleaned)
    session.add(practice)
    session.flush()
    _add_version(session, practice, user, _("Création"))
    sync_derived(session, practice)
    session.commit()
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


def field_label(name: str) -> str:
    labels = {"title": _("Titre"), "summary": _("Résumé"), "kind": _("Type"), "cities": _("Villes"),
              "qpv": _("QPV"), "structures": _("Structures"), "frameworks": _("Dispositifs"),
              "themes": _("Thèmes"), "audiences": _("Publics"), "networks": _("Réseaux")}
    return str(labels.get(name) or SECTION_LABELS.get(name, name))


def update_practice(session: Session, user: User, practice_id: int, data: Any, expected_version: Any,
                    *, note: str = "") -> Practice:
    """Save a new version; if someone saved since `expected_version`, raise Conflict and change nothing."""
    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    cleaned = clean_data(session, data)
    expected = _version_number(expected_version)
    _claim_version(session, practice, expected, cleaned)
    if {k: v for k, v in snapshot(practice).items()} == cleaned:
        session.rollback()
        return practice
    _apply(session, practice, cleaned)
    practice.version = expected + 1
    practice.updated_by_id, practice.updated_at = user.id, now()
    _add_version(session, practice, user, note)
    sync_derived(session, practice)
    session.commit()
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
        session.rollback()
        session.refresh(practice)
    found = conflicts(session, practice, expected, yours)
    session.rollback()
    raise Conflict(_("Quelqu'un a enregistré cette fiche pendant que vous la modifiiez (version %(n)d). "
                     "Rien n'a été écrasé : comparez les deux textes ci-dessous.", n=practice.version),
                   details={"current_version": practice.version,
                            "fields": [f.__dict__ for f in found]})


def add_editor(session: Session, user: User, practice_id: int, email: str) -> User:
    """Invite someone with an account to co-edit a sheet."""
    from workshop.accounts.service import get_by_email

    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    invited = get_by_email(session, email or "")
    if invited is None or not invited.active:
        raise ValidationError(_("Aucun compte actif avec cette adresse."), field="email")
    if invited.id != practice.created_by_id and all(e.id != invited.id for e in practice.editors):
        session.execute(insert(practice_editor).values(practice_id=practice.id, user_id=invited.id))
    session.commit()
    return invited


def set_toolkit_uses(session: Session, counts: dict[int, int]) -> None:
    """For the toolkits domain: how many toolkits use each practice (sort "use in toolkits")."""
    for practice_id, count in counts.items():
        session.execute(update(Practice).where(Practice.id == practice_id).values(toolkit_uses=max(0, int(count))),
                        execution_options={"synchronize_session": False})
    search.touch(session)  # the "use in toolkits" order changed
    session.commit()


# --- Versions ------------------------------------------------------------------------------------


def versions(session: Session, practice_id: int) -> list[PracticeVersion]:
    return list(session.scalars(select(PracticeVersion).where(PracticeVersion.practice_id == practice_id)
                                .order_by(PracticeVersion.number.desc())))


def get_version(session: Session, practice_id: int, number: int) -> PracticeVersion:
    found = session.scalar(select(PracticeVersion).where(PracticeVersion.practice_id == practice_id,
                                                         PracticeVersion.number == number))
    if found is None:
        raise NotFound(_("Cette version n'existe pas."))
    return found


@dataclass
class FieldDiff:
    field: str
    label: str
    ops: list[tuple[str, str]]  # ("equal" | "insert" | "delete", text)


def _as_text(name: str, value: Any) -> str:
    if name in SECTIONS:
        return search.plain_text(value or "")
    if name == "structures":
        return "\n".join(s.get("name", "") for s in value or [])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def diff(session: Session, practice_id: int, old: int, new: int) -> list[FieldDiff]:
    """A readable, word-level diff of two versions, field by field (unchanged fields left out)."""
    a, b = get_version(session, practice_id, old).data, get_version(session, practice_id, new).data
    result = []
    for name in CONTENT_FIELDS:
        before, after = _as_text(name, a.get(name)), _as_text(name, b.get(name))
        if before != after:
            result.append(FieldDiff(name, field_label(name), word_diff(before, after)))
    return result


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    tokens_a, tokens_b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, tokens_a, tokens_b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            ops.append(("delete", "".join(tokens_a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("insert", "".join(tokens_b[j1:j2])))
        if tag == "equal":
            ops.append(("equal", "".join(tokens_a[i1:i2])))
    return ops


def restore(session: Session, user: User, practice_id: int, number: int, expected_version: Any) -> Practice:
    """Make an old version the current one, as a new version (history is never rewritten)."""
    old = get_version(session, practice_id, number)
    data = dict(old.data)
    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    data["networks"] = [n for n in data.get("networks") or []
                        if session.get(Network, n) is not None]
    data["frameworks"] = [k for k in data.get("frameworks") or [] if k in framework_labels(session)]
    return update_practice(session, user, practice_id, data, expected_version,
                           note=_("Restauration de la version %(n)d", n=number))


# --- Review workflow -----------------------------------------------------------------------------


ACTIONS = {
    # action: (from statuses, to status, who: "editor" | "reviewer", comment required)
    "submit": (("draft",), "submitted", "editor", False),
    "withdraw": (("submitted",), "draft", "editor", False),
    "publish": (("submitted",), "published", "reviewer", False),
    "return": (("submitted",), "draft", "reviewer", True),
    "archive": (("published",), "archived", "reviewer", False),
    "reopen": (("published", "archived"), "draft", "reviewer", False),
}
ACTION_LABELS = {
    "submit": _l("Soumettre à relecture"), "withdraw": _l("Retirer de la relecture"), "publish": _l("Publier"),
    "return": _l("Renvoyer en brouillon"), "archive": _l("Archiver"), "reopen": _l("Rouvrir en brouillon"),
}


def double_approval() -> bool:
    return bool(current_app.config["PRACTICES_DOUBLE_APPROVAL"])


def allowed_actions(session: Session, user: User | None, practice: Practice) -> list[str]:
    found = []
    for action, (sources, _target, who, _required) in ACTIONS.items():
        if practice.status not in sources:
            continue
        if who == "reviewer" and is_reviewer(session, user, practice):
            found.append(action)
        elif who == "editor" and (is_contributor(session, user, practice) or is_reviewer(session, user, practice)):
            found.append(action)
    return found


def missing_approvals(session: Session, practice: Practice) -> list[Network]:
    """Networks that still have to approve (double approval): empty when publishing may happen."""
    approved = set(session.scalars(select(PracticeApproval.network_id)
                                   .where(PracticeApproval.practice_id == practice.id)))
    return [n for n in practice.networks if n.id not in approved]


def transition(session: Session, user: User, practice_id: int, action: Any, comment: Any = "") -> Practice:
    """Move a sheet along draft → submitted → published → archived, leaving a comment in its log."""
    practice = get_practice(session, practice_id)
    if action not in ACTIONS:
        raise ValidationError(_("Action inconnue."), field="action")
    sources, target, _who, required = ACTIONS[action]
    if action not in allowed_actions(session, user, practice):
        if practice.status not in sources:
            raise ValidationError(_("Cette action n'est pas possible pour une fiche « %(s)s ».",
                                    s=STATUS_LABELS[practice.status]), field="action")
        raise Forbidden(_("Seul·es les coordinateur·rices du réseau de la fiche peuvent faire cela.")
                        if _who == "reviewer" else _("Vous ne pouvez pas faire cela sur cette fiche."))
    body = clean_text(comment or "", "comment", min_len=1 if required else 0, max_len=COMMENT_MAX,
                      label=_("Commentaire"))
    source = practice.status
    if action == "publish" and double_approval() and len(practice.networks) > 1:
        target = _approve(session, user, practice)
    if action in ("return", "withdraw", "reopen"):
        session.execute(delete(PracticeApproval).where(PracticeApproval.practice_id == practice.id))
    _record_status(session, user, practice, source, target, body)
    _sync_status_facet(session, practice)
    session.commit()
    return practice


def _approve(session: Session, user: User, practice: Practice) -> str:
    """Record this reviewer's networks' approval; publish once every network of the sheet approved."""
    waiting = {n.id for n in missing_approvals(session, practice)}
    mine = {n.id for n in practice.networks} if user.is_admin else reviewer_networks(session, user, practice)
    if not waiting & mine:
        raise ValidationError(_("Votre réseau a déjà approuvé cette fiche : l'autre réseau doit l'approuver."),
                              field="action")
    for network_id in waiting & mine:
        session.add(PracticeApproval(practice_id=practice.id, network_id=network_id, user_id=user.id, at=now()))
    session.flush()
    return "published" if not missing_approvals(session, practice) else "submitted"


def _record_status(session: Session, user: User, practice: Practice, source: str, target: str, body: str) -> None:
    moment = now()
    practice.status = target
    if target == "submitted" and source != "submitted":
        practice.submitted_at = moment
    if target == "published":
        practice.published_at = moment
    session.add(PracticeComment(practice_id=practice.id, author_id=user.id, author_name=user.name, body=body,
                                status_from=source, status_to=target, at=moment))


def add_comment(session: Session, user: User, practice_id: int, body: Any) -> PracticeComment:
    """Comment on a sheet under review (authors, editors and reviewers)."""
    practice = get_practice(session, practice_id)
    if not (is_contributor(session, user, practice) or is_reviewer(session, user, practice)):
        raise Forbidden(_("Seul·es les auteur·rices et relecteur·rices commentent cette fiche."))
    text = clean_text(body, "comment", max_len=COMMENT_MAX, label=_("Commentaire"))
    comment = PracticeComment(practice_id=practice.id, author_id=user.id, author_name=user.name, body=text, at=now())
    session.add(comment)
    session.commit()
    return comment


def comments(session: Session, practice_id: int) -> list[PracticeComment]:
    return list(session.scalars(select(PracticeComment).where(PracticeComment.practice_id == practice_id)
                                .order_by(PracticeComment.at, PracticeComment.id)))


# --- From the board ------------------------------------------------------------------------------


def _clean_ids(value: Any, field: str, maximum: int) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > maximum:
        raise ValidationError(_("Liste d'identifiants invalide (%(n)d au plus).", n=maximum), field=field)
    ids = []
    for raw in value:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ValidationError(_("Identifiant invalide."), field=field)
        if raw not in ids:
            ids.append(raw)
    return ids


def create_from_cards(session: Session, user: User, workshop_id: int, card_ids: Any, title: Any,
                      groups: list[dict] | None = None) -> tuple[Practice, list[int]]:
    """A draft sheet pre-filled from board cards: obstacles, levers and methods land in their sections.

    The provenance (workshop, cards, authors unless the workshop is anonymous) is copied into the sheet so
    that it survives the workshop's deletion.
    """
    from workshop.boards.models import Card, Workshop

    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("Atelier introuvable."))
    ids = _clean_ids(card_ids, "card_ids", CARDS_MAX)
    if not ids:
        raise ValidationError(_("Sélectionnez au moins un post-it."), field="card_ids")
    cards = list(session.scalars(select(Card).where(Card.id.in_(ids), Card.workshop_id == workshop.id,
                                                    Card.deleted.is_(False))
                                 .options(selectinload(Card.participant)).order_by(Card.id)))
    if len(cards) != len(ids):
        raise NotFound(_("Certains post-it n'existent plus."))
    title = clean_text(title if title else _("Fiche issue de l'atelier « %(t)s »", t=workshop.title)[:TITLE_MAX],
                       "title", max_len=TITLE_MAX, label=_("Titre"))
    anonymous = bool((workshop.settings or {}).get("anonymous"))
    sections: dict[str, list[str]] = {}
    for card in cards:
        sections.setdefault(COLUMN_SECTIONS.get(card.column_key, "context"), []).append(card.text)
    data = {"title": title, "kind": "practice", **{k: html_list(v) for k, v in sections.items()}}
    from workshop.networks.service import networks_of

    data["networks"] = [n.id for n in networks_of(session, user)]
    provenance = {
        "workshop_id": workshop.id, "workshop_title": workshop.title, "workshop_place": workshop.place,
        "workshop_held_on": workshop.held_on.isoformat() if workshop.held_on else None,
        "cards": [{"id": c.id, "column": c.column_key, "text": c.text,
                   "author": None if anonymous or c.participant is None else c.participant.name} for c in cards],
        "groups": groups or [], "anonymous": anonymous, "at": now().isoformat(timespec="seconds"),
    }
    practice = create_practice(session, user, data, provenance=provenance, source_workshop_id=workshop.id)
    return practice, [c.id for c in cards]


def practices_of_workshop(session: Session, workshop_id: int) -> list[Practice]:
    return list(session.scalars(select(Practice).where(Practice.source_workshop_id == workshop_id)
                                .order_by(Practice.id)))


def provenance_cards(practice: Practice) -> list[int]:
    return [c["id"] for c in (practice.provenance or {}).get("cards", [])]


def workshop_deleted(practice: Practice) -> bool:
    """The sheet came from a workshop that no longer exists (its provenance copy remains)."""
    provenance = practice.provenance or {}
    return bool(provenance.get("workshop_id") and not provenance.get("imported") and practice.source_workshop_id
                is None)


def status_allowed(value: str) -> bool:
    return value in STATUSES


# --- Frameworks (admin-editable controlled list) -------------------------------------------------


def save_framework(session: Session, user: User, key: Any, label: Any, *, active: bool = True) -> Framework:
    """Add a framework or rename one; the key never changes, so sheets keep pointing at it."""
    if not (_authenticated(user) and user.is_admin):
        raise Forbidden(_("Seul·es les coordinateur·rices modifient la liste des dispositifs."))
    key = clean_text(key, "key", max_len=40, label=_("Code"))
    if not re.fullmatch(r"[a-z0-9_]{2,40}", key):
        raise ValidationError(_("Code : lettres minuscules, chiffres et « _ » (2 à 40)."), field="key")
    label = clean_text(label, "label", max_len=120, label=_("Libellé"))
    ensure_frameworks(session)
    framework = session.scalar(select(Framework).where(Framework.key == key))
    if framework is None:
        position = (session.scalar(select(Framework.position).order_by(Framework.position.desc()).limit(1)) or 0)
        framework = Framework(key=key, label=label, position=position + 1)
        session.add(framework)
    framework.label, framework.active = label, active
    session.commit()
    return framework
