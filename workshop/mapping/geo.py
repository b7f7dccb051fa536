"""Geometry with shapely: QPV outlines and which structures stand inside them.

Point-in-polygon runs vectorised: every outline goes into one STRtree, every structure becomes a point, and a
single `query(points, predicate="within")` answers for all of them (tens of thousands of points in well under a
second).
"""

from __future__ import annotations

from typing import Any

import numpy
import shapely
from flask_babel import gettext as _
from shapely.geometry import mapping, shape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workshop.mapping.models import Qpv, Structure

SIMPLIFY_TOLERANCE = 0.0001  # degrees (~10 m): lighter outlines for the map, exact ones for the marking


def polygon_from_geojson(geometry: Any):
    """A valid (multi)polygon in WGS84 from a GeoJSON geometry, or ValueError with a French reason."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("géométrie absente ou qui n'est pas un polygone"))
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
        raise ValueError(_("géométrie illisible")) from None
    if polygon.is_empty:
        raise ValueError(_("géométrie vide"))
    min_x, min_y, max_x, max_y = polygon.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValueError(_("coordonnées hors plage : le fichier doit être en WGS84 (EPSG:4326), "
                           "en degrés de longitude et latitude"))
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def outline_pair(parts: list) -> tuple[dict, dict]:
    """One QPV from its pieces (one per commune): the exact outline and a simplified one, as GeoJSON."""
    whole = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    whole = shapely.set_precision(whole, 1e-7)
    simple = whole.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    return mapping(whole), mapping(simple)


class QpvLocator:
    """The QPV outlines in one STRtree: which quarter each point stands in."""

    def __init__(self, outlines: dict[str, dict]) -> None:
        self.codes = list(outlines)
        self.tree = shapely.STRtree([shape(outline) for outline in outlines.values()])

    def codes_of(self, points: list[tuple[float, float]]) -> list[str | None]:
        """The QPV code of each (latitude, longitude), or None outside every outline."""
        if not points:
            return []
        found: dict[int, str] = {}
        array = shapely.points(numpy.array([[lon, lat] for lat, lon in points], dtype=float))
        point_index, tree_index = self.tree.query(array, predicate="within")
        for p, t in zip(point_index.tolist(), tree_index.tolist(), strict=True):
            found.setdefault(p, self.codes[t])
        return [found.get(i) for i in range(len(points))]


def locator(session: Session, replaced: dict[str, dict] | None = None) -> QpvLocator | None:
    """The outlines in the database, with `replaced` (code -> outline) instead of theirs (an import about to write
    them); None without any: the QPV list alone says nothing about a point."""
    outlines = dict(session.execute(select(Qpv.code, Qpv.outline).where(Qpv.outline.is_not(None))).all())
    outlines.update(replaced or {})
    outlines = {code: outline for code, outline in outlines.items() if outline}
    return QpvLocator(outlines) if outlines else None


def qpv_changes(session: Session, found: QpvLocator | None,
                structure_ids: list[int] | None = None) -> tuple[list[dict], int]:
    """The `{"id", "qpv_code"}` changes that marking would make (hand-set QPV left alone), and how many of the
    structures stand in a QPV; reads only."""
    if found is None:
        return [], 0
    query = select(Structure.id, Structure.latitude, Structure.longitude, Structure.qpv_code).where(
        Structure.latitude.is_not(None), Structure.longitude.is_not(None), Structure.qpv_manual.is_(False))
    rows = []
    if structure_ids is None:
        rows = session.execute(query).all()
    else:
        for start in range(0, len(structure_ids), 900):
            rows += session.execute(query.where(Structure.id.in_(structure_ids[start:start + 900]))).all()
    codes = found.codes_of([(row.latitude, row.longitude) for row in rows])
    changes = [{"id": row.id, "qpv_code": code} for row, code in zip(rows, codes, strict=True)
               if row.qpv_code != code]
    return changes, sum(code is not None for code in codes)


def mark_qpv(session: Session, structure_ids: list[int] | None = None) -> dict[str, int]:
    """Set `qpv_code` of structures with coordinates from the outlines (hand-set QPV are left alone).

    Returns {"in_qpv": structures found inside an outline, "changed": structures whose QPV changed}.
    Without any outline nothing is touched: the QPV list alone says nothing about a point.
    """
    changes, inside = qpv_changes(session, locator(session), structure_ids)
    if changes:
        session.execute(update(Structure), changes)
    return {"in_qpv": inside, "changed": len(changes)}
