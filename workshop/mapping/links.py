"""Links between two structures: declaring, characterising, validating, and who sees them.

A member declares "we work with this structure"; the link waits for a coordinator of one of its two structures'
networks before it shows publicly. Every change is kept with who made it and when.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.frameworks import service as frameworks_service
from workshop.mapping import vocabulary
from workshop.mapping.models import Link, LinkChange, Structure, structure_network
from workshop.mapping.permissions import can_coordinate, can_coordinate_link, can_declare, require_coordinator
from workshop.mapping.structures import get_structure, published
from workshop.networks import consent
from workshop.networks.service import coordinated_network_ids
from workshop.validation import clean_text


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _clean_link(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Check every field of a link against the controlled lists; a French message per field."""
    def one_of(name: str, choices: dict, *, optional: bool = False):
        value = data.get(name) or None
        if value is None and optional:
            return None
        if value not in choices:
            raise ValidationError(_("Valeur inconnue : %(v)s.", v=str(value)[:40]), field=name)
        return value

    def some_of(name: str, choices: dict) -> list[str]:
        values = data.get(name) or []
        if not isinstance(values, list) or any(v not in choices for v in values):
            raise ValidationError(_("Valeur inconnue dans la liste."), field=name)
        return sorted(set(values))

    since = data.get("since")
    if since in ("", None):
        since = None
    else:
        try:
            since = int(since)
        except (TypeError, ValueError):
            since = -1
        if not 1950 <= since <= date.today().year:
            raise ValidationError(_("Année entre 1950 et %(y)d.", y=date.today().year), field="since")
    return {
        "level": one_of("level", vocabulary.LEVELS),
        "formalisation": one_of("formalisation", vocabulary.FORMALISATIONS),
        "frameworks": some_of("frameworks", frameworks_service.labels(session)),
        "shared": some_of("shared", vocabulary.SHARED),
        "parents_place": one_of("parents_place", vocabulary.PARENTS_PLACES, optional=True),
        "since": since,
        "frequency": one_of("frequency", vocabulary.FREQUENCIES, optional=True),
        "initiative": one_of("initiative", vocabulary.INITIATIVES, optional=True) or "unknown",
        "description": clean_text(data.get("description") or "", "description", min_len=0, max_len=3000,
                                  label=_("Description")),
    }


def _record(session: Session, link: Link, actor: User, action: str, changes: dict[str, Any]) -> None:
    session.add(LinkChange(link=link, user_id=actor.id, user_name=actor.name, action=action, changes=changes))


def declaring_structure(session: Session, actor: Any, structure_id: int) -> Structure:
    """The structure whose links this person may declare from its page: its members and coordinators."""
    structure = get_structure(session, structure_id, viewer=actor)
    if not can_declare(session, actor, [structure.id]):
        raise Forbidden(_("Seul·e un·e membre de cette structure (ou la coordination) peut déclarer ses liens."))
    return structure


def declare_link(session: Session, actor: User, source_id: int, target_id: int, data: dict[str, Any]) -> Link:
    """A member says "we work with this structure": the link waits for a coordinator before being public."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Connectez-vous pour déclarer un lien."))
    if source_id == target_id:
        raise ValidationError(_("Un lien relie deux structures différentes."), field="target")
    source = get_structure(session, source_id, viewer=actor)
    try:
        target = get_structure(session, target_id, viewer=actor)
    except NotFound:
        raise ValidationError(_("Structure partenaire introuvable."), field="target") from None
    if not can_declare(session, actor, [source.id, target.id]):
        raise Forbidden(_("Seul·e un·e membre de l'une des deux structures (ou la coordination) peut déclarer "
                          "ce lien."))
    low, high = sorted((source.id, target.id))
    if session.scalar(select(Link.id).where(Link.pair_low == low, Link.pair_high == high)):
        raise Conflict(_("Un lien existe déjà entre ces deux structures : modifiez-le plutôt."))
    values = _clean_link(session, data)
    link = Link(source_id=source.id, target_id=target.id, pair_low=low, pair_high=high, status="declared",
                declared_by_id=actor.id, **values)
    session.add(link)
    _record(session, link, actor, "declared", {k: [None, v] for k, v in values.items() if v not in (None, [], "")})
    session.flush()
    return link


def get_link(session: Session, link_id: int, *, viewer: Any = None) -> Link:
    """A link; declared (not yet validated) ones are seen by coordinators and by who declared them."""
    link = session.get(Link, link_id)
    if link is None:
        raise NotFound(_("Lien introuvable."))
    if link.status != "validated" or not published(link.source) or not published(link.target):
        mine = getattr(viewer, "is_authenticated", False) and link.declared_by_id == viewer.id
        if not mine and not can_coordinate(session, viewer):
            raise NotFound(_("Lien introuvable."))
    return link


def editable_link(session: Session, actor: Any, link_id: int) -> Link:
    """The link, if this person coordinates one of its two structures (admins: every link)."""
    require_coordinator(session, actor)
    link = get_link(session, link_id, viewer=actor)
    if not can_coordinate_link(session, actor, link):
        raise Forbidden(_("Ce lien ne touche aucune structure de vos réseaux."))
    return link


def edit_link(session: Session, actor: User, link_id: int, data: dict[str, Any]) -> Link:
    """A coordinator characterises or corrects a link; the change is kept with who and when."""
    link = editable_link(session, actor, link_id)
    values = _clean_link(session, data)
    changes = {k: [getattr(link, k), v] for k, v in values.items() if getattr(link, k) != v}
    if changes:
        for key, (_before, after) in changes.items():
            setattr(link, key, after)
        _record(session, link, actor, "edited", changes)
        session.flush()
    return link


def set_link_status(session: Session, actor: User, link_id: int, validated: bool) -> Link:
    """Validate a declared link (it then shows publicly) or take a validation back. A link between structures of
    two networks is validated once both networks confirmed it."""
    link = editable_link(session, actor, link_id)
    if validated and not consent.confirm_link(session, actor, link):
        _record(session, link, actor, "confirmed", {})
        session.flush()
        return link  # a link between two networks waits for the other network's confirmation
    if not validated:
        consent.withdraw_link(session, link.id)
    status = "validated" if validated else "declared"
    if link.status != status:
        _record(session, link, actor, "validated" if validated else "unvalidated", {"status": [link.status, status]})
        link.status = status
        link.validated_by_id = actor.id if validated else None
        link.validated_at = _now() if validated else None
        session.flush()
    return link


def delete_link(session: Session, actor: User, link_id: int) -> None:
    session.delete(editable_link(session, actor, link_id))
    session.flush()


def pending_links(session: Session, actor: User) -> list[Link]:
    """Declared links this person may validate: all for admins, those touching their networks otherwise."""
    require_coordinator(session, actor)
    query = select(Link).where(Link.status == "declared").order_by(Link.created_at)
    if not actor.is_admin:
        theirs = select(structure_network.c.structure_id).where(
            structure_network.c.network_id.in_(coordinated_network_ids(session, actor)))
        query = query.where(or_(Link.source_id.in_(theirs), Link.target_id.in_(theirs)))
    return list(session.scalars(query))


def links_of(session: Session, structure: Structure, *, viewer: Any = None) -> list[Link]:
    """The links of one structure that this viewer may see."""
    query = select(Link).where(or_(Link.source_id == structure.id, Link.target_id == structure.id))
    links = session.scalars(query.order_by(Link.id)).all()
    return [link for link in links if _visible(session, link, viewer)]


def _visible(session: Session, link: Link, viewer: Any) -> bool:
    try:
        get_link(session, link.id, viewer=viewer)
    except NotFound:
        return False
    return True
