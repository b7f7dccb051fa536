"""The map's read-only API (published data only): the GeoJSON and JSON that the map, the graph and the structure
type-aheads read, answered from the per-data-state cache with an ETag. `add_routes` puts these routes on the mapping
blueprint (called once where it is made), so their endpoints stay `mapping.api_*`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from workshop.extensions import db
from workshop.mapping import basemap, public
from workshop.mapping.cache import cached_json


def _cached(name: str, build, mimetype: str = "application/json") -> Response:
    """Answer from the per-data-state cache, with an ETag so browsers revalidate cheaply."""
    body, etag = cached_json(db.session, name, request.args, build)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response.make_conditional(request)


def api_map():
    """Structures (points) and validated links (lines) of the public map, filtered."""
    return _cached("map", public.map_geojson, "application/geo+json")


def api_qpv():
    """QPV outlines (simplified)."""
    return _cached("qpv", lambda session, _filters: public.qpv_geojson(session), "application/geo+json")


def api_cities():
    """The map's base layer: each commune's area and name, from the imported structures and QPV outlines."""
    return _cached("cities", lambda session, _filters: basemap.cities_geojson(session), "application/geo+json")


def api_structures():
    """Published structures, with or without coordinates, filtered."""
    return _cached("structures", lambda session, filters: {"structures": public.public_network(session, filters)[0]})


def api_structure_search():
    """Up to 10 published structures by name (?q=, 2 to 80 characters): the join's structure type-ahead."""
    return {"structures": public.search_structures(db.session, request.args.get("q", ""))}


def api_links():
    """Validated links between published structures, filtered."""
    return _cached("links", lambda session, filters: {"links": public.public_network(session, filters)[1]})


def api_graph():
    """Nodes (with degree and betweenness) and edges of the relation graph, filtered."""
    return _cached("graph", public.graph_data)


ROUTES: tuple[tuple[str, Callable[[], Response | dict]], ...] = (
    ("/api/carte.geojson", api_map),
    ("/api/qpv.geojson", api_qpv),
    ("/api/villes.geojson", api_cities),
    ("/api/structures.json", api_structures),
    ("/api/structures/recherche", api_structure_search),
    ("/api/liens.json", api_links),
    ("/api/graphe.json", api_graph),
)


def add_routes(bp: Blueprint) -> None:
    """Put the API's routes on `bp` (endpoint names are the functions')."""
    for rule, view in ROUTES:
        bp.add_url_rule(rule, view.__name__, view, methods=["GET"])
