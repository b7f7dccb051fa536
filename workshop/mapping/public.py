"""The published map as data: filters, structures and links, GeoJSON, the relation graph, filter options.

Public data = structures marked public and validated, and validated links between two public structures. The
queries read Core rows, not ORM objects: a large map has thousands of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from workshop.errors import ValidationError
from workshop.frameworks import service as frameworks_service
from workshop.mapping import vocabulary
from workshop.mapping.imports.parsing import QPV_RE
from workshop.mapping.missing import missing_condition
from workshop.mapping.models import City, Link, Qpv, Structure, structure_network
from workshop.networks.models import Network
from workshop.validation import clean_text


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
    missing: bool = False  # only the schools and social centres of the programme's cities that never came

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
        if not QPV_RE.match(qpv.upper()):
            raise ValidationError(_("Filtre « qpv » : in, out ou un code QPV."), field="qpv")
        qpv = qpv.upper()
    networks = many("network")
    if any(not n.isdigit() for n in networks):
        raise ValidationError(_("Filtre « network » : identifiants numériques."), field="network")
    cities = many("city")
    if any(len(c) != 5 for c in cities):
        raise ValidationError(_("Filtre « city » : codes INSEE à 5 caractères."), field="city")
    missing = args.get("missing") or ""
    if missing not in ("", "0", "1"):
        raise ValidationError(_("Filtre « missing » : 0 ou 1."), field="missing")
    return Filters(cities=cities, kinds=many("kind", vocabulary.KINDS), levels=many("level", vocabulary.LEVELS),
                   formalisations=many("formalisation", vocabulary.FORMALISATIONS),
                   frameworks=many("framework"), qpv=qpv, networks=[int(n) for n in networks],
                   missing=missing == "1")


def _structure_query(session: Session, filters: Filters):
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
    if filters.missing:
        query = query.where(missing_condition(session, c))
    return query


def public_structures(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Published structures kept by the filters, as plain dicts (fast: no ORM objects)."""
    keys = ("id", "name", "kind", "uai", "city_insee", "city", "lat", "lon", "priority", "qpv")
    rows = session.connection().execute(_structure_query(session, filters))
    return [dict(zip(keys, row, strict=True)) for row in rows]


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


def networks_by_structure(session: Session) -> dict[int, frozenset[int]]:
    """The networks of every structure that belongs to one (one query: the map reads all of them anyway)."""
    found: dict[int, set[int]] = {}
    for structure_id, network_id in session.connection().execute(
            select(structure_network.c.structure_id, structure_network.c.network_id)):
        found.setdefault(structure_id, set()).add(network_id)
    return {key: frozenset(value) for key, value in found.items()}


def joins_networks(networks: dict[int, frozenset[int]], source: int, target: int) -> bool:
    """Whether a link joins a structure of one network to a structure of another (a cross-network link: it is
    validated, hence public, only once each network confirmed it, see networks.consent)."""
    ends = networks.get(source), networks.get(target)
    return bool(ends[0] and ends[1]) and any(a != b for a in ends[0] for b in ends[1])


def map_geojson(session: Session, filters: Filters) -> dict[str, Any]:
    """One FeatureCollection: structures with coordinates as points, links between them as lines."""
    structures, links = public_network(session, filters)
    networks = networks_by_structure(session)
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
                        "frameworks": link["frameworks"] or [],
                        "cross": joins_networks(networks, link["source"], link["target"])}}
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
    """Nodes with degree, betweenness (who bridges), closeness (who reaches everyone in few steps) and community,
    and edges (marked when they join two networks), for the relation graph."""
    from workshop.mapping import metrics  # igraph stays off the web process until a graph is asked

    structures, links = public_network(session, filters)
    ids, pairs = [s["id"] for s in structures], [(link["source"], link["target"]) for link in links]
    degree, betweenness = metrics.centrality(ids, pairs)
    closeness, community = metrics.closeness_and_communities(ids, pairs)
    networks = networks_by_structure(session)
    nodes = [{"id": s["id"], "name": s["name"], "kind": s["kind"], "city": s["city"], "qpv": s["qpv"],
              "degree": degree.get(s["id"], 0), "betweenness": round(betweenness.get(s["id"], 0.0), 5),
              "closeness": round(closeness.get(s["id"], 0.0), 5), "community": community.get(s["id"], 0)}
             for s in structures]
    edges = [{"id": link["id"], "source": link["source"], "target": link["target"], "level": link["level"],
              "formalisation": link["formalisation"],
              "cross": joins_networks(networks, link["source"], link["target"])} for link in links]
    return {"nodes": nodes, "edges": edges}


def filter_options(session: Session) -> dict[str, Any]:
    """The values the filter boxes offer: cities that have structures, networks, the controlled lists."""
    cities = session.execute(select(City.insee, City.name).where(City.insee.in_(
        select(Structure.city_insee).where(Structure.public.is_(True)))).order_by(City.name)).all()
    networks = session.execute(select(Network.id, Network.short_name).order_by(Network.short_name)).all()
    return {"cities": [{"value": c, "label": n} for c, n in cities],
            "networks": [{"value": str(i), "label": n} for i, n in networks],
            "kinds": vocabulary.labels(vocabulary.KINDS), "levels": vocabulary.labels(vocabulary.LEVELS),
            "formalisations": vocabulary.labels(vocabulary.FORMALISATIONS),
            "frameworks": frameworks_service.labels(session)}


SEARCH_LIMIT = 10


def search_structures(session: Session, query: Any) -> list[dict[str, Any]]:
    """Published structures whose name holds `query` (the type-ahead of a participant's structure), at most 10."""
    text = clean_text(query, "q", min_len=2, max_len=80, label=_("Recherche"))
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    c = Structure.__table__.c
    rows = session.execute(select(c.id, c.name, c.kind, City.name).outerjoin(City, City.insee == c.city_insee)
                           .where(c.public.is_(True), c.validated.is_(True),
                                  func.lower(c.name).like(pattern, escape="\\"))
                           .order_by(c.name).limit(SEARCH_LIMIT)).all()
    return [{"id": i, "name": n, "kind": str(vocabulary.KINDS.get(k, k)), "city": city or ""}
            for i, n, k, city in rows]
