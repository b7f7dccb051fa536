"""Cartography rules: who may do what, declaring / validating / editing links, structures, and the public data.

Public data = structures marked public and validated, and validated links between two public structures.
Admins coordinate everything; a network coordinator edits the structures of their networks and validates the
links that touch one of them. Declaring a link is for members of one of its two structures (membership is set
by a coordinator, or claimed by the person and validated) and for coordinators.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.frameworks import service as frameworks_service
from workshop.mapping import vocabulary
from workshop.mapping.models import (
    City,
    Link,
    LinkChange,
    Qpv,
    Structure,
    StructureMember,
    structure_network,
    workshop_structure,
)
from workshop.validation import clean_text

LINK_FIELDS = ("level", "formalisation", "frameworks", "shared", "parents_place", "since", "frequency",
               "initiative", "description")
STRUCTURE_EDIT_FIELDS = ("name", "kind", "address", "postcode", "latitude", "longitude", "priority", "qpv_code",
                         "public")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- Permissions -----------------------------------------------------------------------------------------


def can_coordinate(session: Session, user: Any) -> bool:
    """Admins and network coordinators validate and edit the map."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    from workshop.networks.service import coordinated_network_ids

    return bool(coordinated_network_ids(session, user))


def require_coordinator(session: Session, user: Any) -> None:
    if not can_coordinate(session, user):
        raise Forbidden(_("Seul·e un·e coordinateur·rice peut faire cela."))


def can_coordinate_structures(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Admins: every structure; a network coordinator: those that belong to one of their networks."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    from workshop.networks.service import coordinated_network_ids

    networks = coordinated_network_ids(session, user)
    return bool(networks) and session.scalar(
        select(structure_network.c.structure_id).where(structure_network.c.structure_id.in_(structure_ids),
                                                       structure_network.c.network_id.in_(networks)).limit(1)
    ) is not None


def require_structure_coordinator(session: Session, user: Any, structure_ids: list[int]) -> None:
    if not can_coordinate_structures(session, user, structure_ids):
        raise Forbidden(_("Seul·e la coordination d'un réseau de cette structure peut faire cela."))


def can_coordinate_link(session: Session, user: Any, link: Link) -> bool:
    return can_coordinate_structures(session, user, [link.source_id, link.target_id])


# --- Structures ------------------------------------------------------------------------------------------


def get_structure(session: Session, structure_id: int, *, viewer: Any = None) -> Structure:
    """A structure; unpublished ones exist only for coordinators."""
    structure = session.get(Structure, structure_id)
    if structure is None or (not (structure.public and structure.validated)
                             and not can_coordinate(session, viewer)):
        raise NotFound(_("Structure introuvable."))
    return structure


def structure_choices(session: Session, exclude: int | None = None) -> list[tuple[int, str]]:
    """(id, "Name — City") of published structures, for the link form."""
    rows = session.execute(
        select(Structure.id, Structure.name, City.name).outerjoin(City)
        .where(Structure.public.is_(True), Structure.validated.is_(True))
        .order_by(City.name, Structure.name)).all()
    return [(sid, f"{name} — {city or '?'}") for sid, name, city in rows if sid != exclude]


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
    session.commit()
    if not structure.qpv_manual:
        from workshop.mapping.geo import mark_qpv

        mark_qpv(session, [structure.id])
        session.commit()
    return structure


def _clean_structure(data: dict[str, Any]) -> dict[str, Any]:
    from workshop.mapping.imports import QPV_RE

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
    return {"name": clean_text(data.get("name"), "name", max_len=200, label=_("Nom")), "kind": kind,
            "address": clean_text(data.get("address") or "", "address", min_len=0, max_len=300),
            "postcode": clean_text(data.get("postcode") or "", "postcode", min_len=0, max_len=5),
            "latitude": lat, "longitude": lon, "priority": priority, "qpv_code": qpv,
            "public": bool(data.get("public"))}


# --- Links -----------------------------------------------------------------------------------------------


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
    session.commit()
    return link


def get_link(session: Session, link_id: int, *, viewer: Any = None) -> Link:
    """A link; declared (not yet validated) ones are seen by coordinators and by who declared them."""
    link = session.get(Link, link_id)
    if link is None:
        raise NotFound(_("Lien introuvable."))
    if link.status != "validated" or not _published(link.source) or not _published(link.target):
        mine = getattr(viewer, "is_authenticated", False) and link.declared_by_id == viewer.id
        if not mine and not can_coordinate(session, viewer):
            raise NotFound(_("Lien introuvable."))
    return link


def _published(structure: Structure) -> bool:
    return structure.public and structure.validated


def edit_link(session: Session, actor: User, link_id: int, data: dict[str, Any]) -> Link:
    """A coordinator characterises or corrects a link; the change is kept with who and when."""
    link = _coordinated_link(session, actor, link_id)
    values = _clean_link(session, data)
    changes = {k: [getattr(link, k), v] for k, v in values.items() if getattr(link, k) != v}
    if changes:
        for key, (_before, after) in changes.items():
            setattr(link, key, after)
        _record(session, link, actor, "edited", changes)
        session.commit()
    return link


def set_link_status(session: Session, actor: User, link_id: int, validated: bool) -> Link:
    """Validate a declared link (it then shows publicly) or take a validation back."""
    link = _coordinated_link(session, actor, link_id)
    status = "validated" if validated else "declared"
    if link.status != status:
        _record(session, link, actor, "validated" if validated else "unvalidated", {"status": [link.status, status]})
        link.status = status
        link.validated_by_id = actor.id if validated else None
        link.validated_at = _now() if validated else None
        session.commit()
    return link


def delete_link(session: Session, actor: User, link_id: int) -> None:
    session.delete(_coordinated_link(session, actor, link_id))
    session.commit()


def _coordinated_link(session: Session, actor: User, link_id: int) -> Link:
    """The link, if this person coordinates one of its two structures (admins: every link)."""
    require_coordinator(session, actor)
    link = get_link(session, link_id, viewer=actor)
    if not can_coordinate_link(session, actor, link):
        raise Forbidden(_("Ce lien ne touche aucune structure de vos réseaux."))
    return link


def pending_links(session: Session, actor: User) -> list[Link]:
    """Declared links this person may validate: all for admins, those touching their networks otherwise."""
    require_coordinator(session, actor)
    query = select(Link).where(Link.status == "declared").order_by(Link.created_at)
    if not actor.is_admin:
        from workshop.networks.service import coordinated_network_ids

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


def practices_naming(session: Session, structure_id: int) -> list[dict[str, Any]]:
    """Published practice sheets that name this structure (when the practices domain exists)."""
    try:
        from workshop.practices.models import Practice
    except ImportError:
        return []
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table(Practice.__tablename__):
        return []
    rows = session.execute(select(Practice.id, Practice.title, Practice.structures)
                           .where(Practice.status == "published")).all()
    return [{"id": pid, "title": title} for pid, title, structures in rows
            if any(isinstance(s, dict) and s.get("id") == structure_id for s in structures or [])]


# --- Members of a structure ------------------------------------------------------------------------------


def is_member(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Whether this person is a validated member of one of these structures."""
    if not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(select(StructureMember.user_id).where(
        StructureMember.user_id == user.id, StructureMember.structure_id.in_(structure_ids),
        StructureMember.status == "member").limit(1)) is not None


def can_declare(session: Session, user: Any, structure_ids: list[int]) -> bool:
    """Members of one of the structures, and coordinators, declare links."""
    return is_member(session, user, structure_ids) or can_coordinate(session, user)


def membership(session: Session, user: Any, structure_id: int) -> StructureMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return session.get(StructureMember, (structure_id, user.id))


def members_of(session: Session, structure_id: int) -> list[StructureMember]:
    """Members and pending claims of a structure (claims first: they wait for an answer)."""
    return list(session.scalars(select(StructureMember).join(User, StructureMember.user_id == User.id)
                                .where(StructureMember.structure_id == structure_id)
                                .order_by(StructureMember.status, User.name)))


def claim_membership(session: Session, actor: User, structure_id: int) -> StructureMember:
    """"I work here": the claim waits for a coordinator of the structure's networks (or an admin)."""
    structure = get_structure(session, structure_id, viewer=actor)
    if membership(session, actor, structure.id) is not None:
        raise Conflict(_("Vous êtes déjà membre de cette structure ou votre demande est en attente."))
    member = StructureMember(structure_id=structure.id, user_id=actor.id, status="claimed")
    session.add(member)
    session.commit()
    return member


def add_member(session: Session, actor: User, structure_id: int, email: str) -> StructureMember:
    """A coordinator attaches an account (found by its e-mail) to a structure, or accepts its pending claim."""
    structure = get_structure(session, structure_id, viewer=actor)
    require_structure_coordinator(session, actor, [structure.id])
    user = accounts.get_by_email(session, email) if (email or "").strip() else None
    if user is None:
        raise ValidationError(_("Aucun compte avec cette adresse e-mail."), field="email")
    member = session.get(StructureMember, (structure.id, user.id))
    if member is not None and member.status == "member":
        raise Conflict(_("%(name)s est déjà membre de cette structure.", name=user.name))
    if member is None:
        member = StructureMember(structure_id=structure.id, user_id=user.id)
        session.add(member)
    member.status, member.validated_by_id = "member", actor.id
    session.commit()
    return member


def validate_member(session: Session, actor: User, structure_id: int, user_id: int) -> StructureMember:
    """Accept a pending claim (coordinators of the structure)."""
    require_structure_coordinator(session, actor, [structure_id])
    member = session.get(StructureMember, (structure_id, user_id))
    if member is None:
        raise NotFound(_("Aucune demande de cette personne pour cette structure."))
    member.status, member.validated_by_id = "member", actor.id
    session.commit()
    return member


def remove_member(session: Session, actor: User, structure_id: int, user_id: int) -> None:
    """Refuse a claim or detach a member (coordinators); anyone may leave, or withdraw their own claim."""
    if actor.id != user_id:
        require_structure_coordinator(session, actor, [structure_id])
    member = session.get(StructureMember, (structure_id, user_id))
    if member is None:
        raise NotFound(_("Cette personne n'est pas rattachée à cette structure."))
    session.delete(member)
    session.commit()


# --- Workshops and the structures represented there -------------------------------------------------------


def workshop_structure_ids(session: Session, workshop_id: int) -> list[int]:
    return list(session.scalars(select(workshop_structure.c.structure_id).where(
        workshop_structure.c.workshop_id == workshop_id)))


def set_workshop_structures(session: Session, actor: User, workshop_id: int, structure_ids: list[int]) -> None:
    """The facilitator (or an admin) says which published structures were represented at the workshop."""
    from workshop.boards.service import can_moderate, get_workshop

    workshop = get_workshop(session, workshop_id)
    if not can_moderate(actor, workshop):
        raise Forbidden(_("Seul·e l'animateur·rice de l'atelier peut faire cela."))
    wanted = set(structure_ids)
    published = set(session.scalars(select(Structure.id).where(
        Structure.id.in_(wanted), Structure.public.is_(True), Structure.validated.is_(True)))) if wanted else set()
    if wanted - published:
        raise ValidationError(_("Structure inconnue ou non publiée."), field="structures")
    current = set(workshop_structure_ids(session, workshop.id))
    if current - wanted:
        session.execute(workshop_structure.delete().where(workshop_structure.c.workshop_id == workshop.id,
                                                          workshop_structure.c.structure_id.in_(current - wanted)))
    if wanted - current:
        session.execute(workshop_structure.insert(), [{"workshop_id": workshop.id, "structure_id": sid}
                                                      for sid in sorted(wanted - current)])
    session.commit()


def workshops_of(session: Session, structure_id: int, *, viewer: Any = None) -> list[dict[str, Any]]:
    """Workshops where this structure was represented, latest first; the board's code only for those who run it
    (its facilitator, admins)."""
    from workshop.boards.models import Workshop
    from workshop.boards.service import can_moderate

    workshops = session.scalars(
        select(Workshop).join(workshop_structure, workshop_structure.c.workshop_id == Workshop.id)
        .where(workshop_structure.c.structure_id == structure_id)
        .order_by(Workshop.held_on.desc().nulls_last(), Workshop.id.desc())).all()
    return [{"id": w.id, "title": w.title, "held_on": w.held_on, "place": w.place,
             "code": w.code if can_moderate(viewer, w) else None} for w in workshops]


# --- Public data (map, graph, endpoints) -----------------------------------------------------------------


@dataclass
class Filters:
    """What the map, the graph and the endpoints keep. Empty = everything published."""

    cities: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    formalisations: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    qpv: str = ""  # "" | "in" | "out" | a QPV code
    networks: list[int] = field(default_factory=list)

    @property
    def on_links(self) -> bool:
        return bool(self.levels or self.formalisations or self.frameworks)


def parse_filters(args: Any) -> Filters:
    """Read filters from query arguments (a MultiDict); unknown values are an error, not silently ignored."""
    def many(name: str, choices: dict | None = None) -> list[str]:
        values = [v for raw in args.getlist(name) for v in raw.split(",") if v]
        if choices is not None and any(v not in choices for v in values):
            raise ValidationError(_("Filtre « %(f)s » : valeur inconnue.", f=name), field=name)
        return values

    qpv = (args.get("qpv") or "").strip()
    if qpv and qpv not in ("in", "out"):
        from workshop.mapping.imports import QPV_RE

        if not QPV_RE.match(qpv.upper()):
            raise ValidationError(_("Filtre « qpv » : in, out ou un code QPV."), field="qpv")
        qpv = qpv.upper()
    networks = many("network")
    if any(not n.isdigit() for n in networks):
        raise ValidationError(_("Filtre « network » : identifiants numériques."), field="network")
    cities = many("city")
    if any(len(c) != 5 for c in cities):
        raise ValidationError(_("Filtre « city » : codes INSEE à 5 caractères."), field="city")
    return Filters(cities=cities, kinds=many("kind", vocabulary.KINDS), levels=many("level", vocabulary.LEVELS),
                   formalisations=many("formalisation", vocabulary.FORMALISATIONS),
                   frameworks=many("framework"), qpv=qpv, networks=[int(n) for n in networks])


def _structure_query(filters: Filters):
    c, city = Structure.__table__.c, City.__table__.c  # Core columns, see public_links
    query = (select(c.id, c.name, c.kind, c.uai, c.city_insee, city.name, c.latitude, c.longitude, c.priority,
                    c.qpv_code)
             .select_from(Structure.__table__.outerjoin(City.__table__))
             .where(c.public.is_(True), c.validated.is_(True)))
    if filters.cities:
        query = query.where(c.city_insee.in_(filters.cities))
    if filters.kinds:
        query = query.where(c.kind.in_(filters.kinds))
    if filters.qpv == "in":
        query = query.where(c.qpv_code.is_not(None))
    elif filters.qpv == "out":
        query = query.where(c.qpv_code.is_(None))
    elif filters.qpv:
        query = query.where(c.qpv_code == filters.qpv)
    if filters.networks:
        query = query.where(c.id.in_(select(structure_network.c.structure_id).where(
            structure_network.c.network_id.in_(filters.networks))))
    return query


def public_structures(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Published structures kept by the filters, as plain dicts (fast: no ORM objects)."""
    keys = ("id", "name", "kind", "uai", "city_insee", "city", "lat", "lon", "priority", "qpv")
    return [dict(zip(keys, row, strict=True)) for row in session.connection().execute(_structure_query(filters))]


def public_links(session: Session, filters: Filters, structure_ids: set[int]) -> list[dict[str, Any]]:
    """Validated links between the given structures, kept by the link filters."""
    # frameworks read as text and decoded only when not empty: most links have none, and JSON decoding per row
    # is the slowest part of this query on a large map.
    c = Link.__table__.c  # Core columns: no ORM loading machinery for thousands of plain rows
    query = select(c.id, c.source_id, c.target_id, c.level, c.formalisation, type_coerce(c.frameworks, String),
                   c.since).where(c.status == "validated")
    if filters.levels:
        query = query.where(c.level.in_(filters.levels))
    if filters.formalisations:
        query = query.where(c.formalisation.in_(filters.formalisations))
    wanted = set(filters.frameworks)
    links = []
    for lid, source, target, level, formalisation, raw, since in session.connection().execute(query):
        if source not in structure_ids or target not in structure_ids:
            continue
        if isinstance(raw, list):  # PostgreSQL's driver decodes JSON itself
            frameworks = raw
        else:
            frameworks = json.loads(raw) if raw and raw != "[]" else []
        if wanted and not wanted.intersection(frameworks):
            continue
        links.append({"id": lid, "source": source, "target": target, "level": level,
                      "formalisation": formalisation, "frameworks": frameworks, "since": since})
    return links


def public_network(session: Session, filters: Filters) -> tuple[list[dict], list[dict]]:
    """Structures and links kept by the filters; link filters also drop structures left without a link."""
    structures = public_structures(session, filters)
    kept = {s["id"] for s in structures}
    if filters.on_links:  # keep structures with a matching link, wherever its other end is
        published = set(session.scalars(select(Structure.id).where(Structure.public.is_(True),
                                                                   Structure.validated.is_(True))))
        matching = public_links(session, filters, published)
        linked = {end for link in matching for end in (link["source"], link["target"])}
        structures = [s for s in structures if s["id"] in linked]
        kept &= linked
        return structures, [link for link in matching if link["source"] in kept and link["target"] in kept]
    return structures, public_links(session, filters, kept)


def map_geojson(session: Session, filters: Filters) -> dict[str, Any]:
    """One FeatureCollection: structures with coordinates as points, links between them as lines."""
    structures, links = public_network(session, filters)
    placed = {s["id"]: (s["lon"], s["lat"]) for s in structures if s["lat"] is not None}
    features: list[dict[str, Any]] = [
        {"type": "Feature", "id": f"s{s['id']}", "geometry": {"type": "Point", "coordinates": placed[s["id"]]},
         "properties": {"type": "structure", "id": s["id"], "name": s["name"], "kind": s["kind"],
                        "city": s["city"], "priority": s["priority"], "qpv": s["qpv"]}}
        for s in structures if s["id"] in placed]
    features += [
        {"type": "Feature", "id": f"l{link['id']}",
         "geometry": {"type": "LineString", "coordinates": [placed[link["source"]], placed[link["target"]]]},
         "properties": {"type": "link", "id": link["id"], "source": link["source"], "target": link["target"],
                        "level": link["level"], "formalisation": link["formalisation"],
                        "frameworks": link["frameworks"] or []}}
        for link in links if link["source"] in placed and link["target"] in placed]
    return {"type": "FeatureCollection", "features": features,
            "meta": {"structures": len(structures), "on_map": len(placed), "links": len(links)}}


def qpv_geojson(session: Session) -> dict[str, Any]:
    rows = session.execute(select(Qpv.code, Qpv.name, Qpv.outline_simple).where(
        Qpv.outline_simple.is_not(None))).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "geometry": outline, "properties": {"code": code, "name": name}}
        for code, name, outline in rows if outline]}


def graph_data(session: Session, filters: Filters) -> dict[str, Any]:
    """Nodes with degree and betweenness (who bridges), and edges, for the relation graph."""
    from workshop.mapping.metrics import centrality

    structures, links = public_network(session, filters)
    degree, betweenness = centrality([s["id"] for s in structures],
                                     [(link["source"], link["target"]) for link in links])
    nodes = [{"id": s["id"], "name": s["name"], "kind": s["kind"], "city": s["city"], "qpv": s["qpv"],
              "degree": degree.get(s["id"], 0), "betweenness": round(betweenness.get(s["id"], 0.0), 5)}
             for s in structures]
    edges = [{"id": link["id"], "source": link["source"], "target": link["target"], "level": link["level"],
              "formalisation": link["formalisation"]} for link in links]
    return {"nodes": nodes, "edges": edges}


def filter_options(session: Session) -> dict[str, Any]:
    """The values the filter boxes offer: cities that have structures, networks, the controlled lists."""
    from workshop.networks.models import Network

    cities = session.execute(select(City.insee, City.name).where(City.insee.in_(
        select(Structure.city_insee).where(Structure.public.is_(True)))).order_by(City.name)).all()
    networks = session.execute(select(Network.id, Network.short_name).order_by(Network.short_name)).all()
    return {"cities": [{"value": c, "label": n} for c, n in cities],
            "networks": [{"value": str(i), "label": n} for i, n in networks],
            "kinds": vocabulary.labels(vocabulary.KINDS), "levels": vocabulary.labels(vocabulary.LEVELS),
            "formalisations": vocabulary.labels(vocabulary.FORMALISATIONS),
            "frameworks": frameworks_service.labels(session)}


# --- Cache of the public data ------------------------------------------------------------------------------

_json_cache: dict[tuple, bytes] = {}
_json_cache_lock = threading.Lock()
JSON_CACHE_SIZE = 64


def data_fingerprint(session: Session) -> str:
    """Changes whenever published data may have changed: counts, highest ids and latest updates of the tables.

    SQLAlchemy stamps `updated_at` on every UPDATE of a structure, link or QPV (`models.changed_now`); rows
    added or removed move the counts; networks moved between structures move the membership checksum. So two
    equal fingerprints mean the same map: the encoded answer can be reused, and browsers get an ETag.
    """
    parts = []
    for table in (Structure.__table__, Link.__table__):
        parts += session.execute(select(func.count(), func.max(table.c.id), func.max(table.c.updated_at))
                                 .select_from(table)).one()
    members = structure_network.c
    parts += session.execute(select(func.count(), func.sum(members.structure_id * 7919 + members.network_id))
                             .select_from(structure_network)).one()
    parts += session.execute(select(func.count(), func.max(Qpv.updated_at))).one()
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def cached_json(session: Session, name: str, args: Any, build) -> tuple[bytes, str]:
    """(compact JSON bytes, ETag) of `build(session, filters)`, computed once per data state and filters."""
    filters = parse_filters(args)
    fingerprint = data_fingerprint(session)
    key = (name, fingerprint, repr(filters))
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    with _json_cache_lock:
        body = _json_cache.get(key)
    if body is None:
        body = json.dumps(build(session, filters), separators=(",", ":"), ensure_ascii=False).encode()
        with _json_cache_lock:
            if len(_json_cache) >= JSON_CACHE_SIZE:
                _json_cache.pop(next(iter(_json_cache)))
            _json_cache[key] = body
    return body, etag


def count_structures(session: Session) -> int:
    return session.scalar(select(func.count(Structure.id))) or 0
