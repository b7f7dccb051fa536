"""The map's own base layer, built from the imported data: no tile server is needed (none may be reachable).

Each commune that holds published structures gets an area (the hull of its structures and of its QPV outlines,
widened a little) and its name at the middle of its structures, so a visitor knows where they are on a plain
background. It is the area the network covers in that commune, not the commune's legal boundary: the legend says
so.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from shapely.geometry import MultiPoint, mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.mapping.models import City, Qpv, Structure

MARGIN = 0.01  # degrees (~1 km) around the outermost structure or QPV edge
SIMPLIFY = 0.0005


def cities_geojson(session: Session) -> dict[str, Any]:
    """One feature per commune with placed published structures: its area (Polygon) and, in its properties, where
    its name goes (`label`: [lon, lat]) and how many structures it holds."""
    c = Structure.__table__.c
    rows = session.execute(select(c.city_insee, City.name, c.longitude, c.latitude)
                           .join(City, City.insee == c.city_insee)
                           .where(c.public.is_(True), c.validated.is_(True), c.latitude.is_not(None),
                                  c.longitude.is_not(None))).all()
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    names: dict[str, str] = {}
    for insee, name, lon, lat in rows:
        points[insee].append((lon, lat))
        names[insee] = name
    outlines = _qpv_outlines(session, set(points))
    features = []
    for insee in sorted(points, key=names.get):
        placed = points[insee]
        area = shapely.union_all([MultiPoint(placed), *outlines.get(insee, [])]).convex_hull
        area = area.buffer(MARGIN).simplify(SIMPLIFY)
        label = (sum(p[0] for p in placed) / len(placed), sum(p[1] for p in placed) / len(placed))
        features.append({"type": "Feature", "id": f"c{insee}", "geometry": mapping(area),
                         "properties": {"type": "city", "insee": insee, "name": names[insee],
                                        "label": [round(label[0], 6), round(label[1], 6)],
                                        "structures": len(placed)}})
    return {"type": "FeatureCollection", "features": features}


def _qpv_outlines(session: Session, cities: set[str]) -> dict[str, list]:
    """The simplified QPV outlines of these communes, as shapes, by commune."""
    found: dict[str, list] = defaultdict(list)
    for communes, outline in session.execute(select(Qpv.cities, Qpv.outline_simple)
                                             .where(Qpv.outline_simple.is_not(None))):
        for insee in set(communes or ()) & cities:
            try:
                found[insee].append(shape(outline))
            except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
                continue  # a broken outline only loses its share of the area
    return found
