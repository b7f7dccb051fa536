"""The QPV: the ANCT list (codes, names, communes) and their outlines (GeoJSON), which mark the structures
standing inside them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.errors import ValidationError
from workshop.mapping import geo
from workshop.mapping.imports.parsing import (
    QPV_RE,
    departement_of,
    normalise_departement,
    normalise_header,
    normalise_insee,
    split_cell,
    unwrap,
)
from workshop.mapping.imports.report import ImportReport, Scope, open_table
from workshop.mapping.imports.store import apply, ensure_cities, write_rows
from workshop.mapping.models import Qpv, Structure
from workshop.validation import load_json
from workshop.writes import Writes

QPV_COLUMNS = {
    "code": ("code_qp", "code_quartier", "code_qpv"),
    "name": ("lib_qp", "nom_qp", "libelle_qp"),
    "departement": ("insee_dep", "code_dep", "code_departement"),
    "communes": ("insee_com", "code_commune", "codes_communes"),
    "city_names": ("lib_com", "nom_commune", "communes"),
}
QPV_REQUIRED = {"code": "code_qp", "name": "lib_qp", "communes": "insee_com"}


def import_qpv_list(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    table = open_table(text, QPV_COLUMNS, QPV_REQUIRED, report)
    if table is None:
        return
    quarters: dict[str, dict] = {}
    city_names: dict[str, str] = {}
    for line, row in table.rows():
        report.count_row()
        code = unwrap(row.get("code")).upper()
        if not QPV_RE.match(code):
            report.reject(line, _("code QPV invalide : « %(v)s » (ex. QN09301M)", v=code))
            continue
        name = unwrap(row.get("name"))[:200]
        raw_communes = split_cell(row.get("communes", ""))
        communes = [normalise_insee(c) for c in raw_communes]
        if not communes or None in communes:
            report.reject(line, _("code commune INSEE invalide : « %(v)s »", v=unwrap(row.get("communes"))))
            continue
        dep = normalise_departement(row.get("departement")) or departement_of(communes[0])
        if not any(scope.keeps(c, dep) for c in communes):
            report.counts["filtered"] += 1
            continue
        names = split_cell(row.get("city_names", ""), r"\s*[,;/|]\s*")
        if len(names) == len(communes):
            city_names.update(zip(communes, names, strict=True))
        entry = quarters.setdefault(code, {"code": code, "name": name or code, "departement": dep, "cities": []})
        entry["cities"] += [c for c in communes if c not in entry["cities"]]
    writes = Writes(session)
    ensure_cities(session, writes, ((c, city_names.get(c, c)) for q in quarters.values() for c in q["cities"]),
                  report)
    _upsert_qpv(session, writes, quarters, report)
    del quarters, city_names
    apply(writes, report)


def _upsert_qpv(session: Session, writes: Writes, quarters: dict[str, dict], report: ImportReport) -> None:
    existing = {q.code: q for q in session.scalars(select(Qpv))}
    inserts, updates = [], []
    for code, entry in quarters.items():
        old = existing.get(code)
        if old is None:
            inserts.append(entry)
        elif (old.name, old.departement, sorted(old.cities or [])) != (entry["name"], entry["departement"],
                                                                      sorted(entry["cities"])):
            updates.append(entry)
        else:
            report.counts["unchanged"] += 1
    write_rows(writes, Qpv, inserts, updates, report)


OUTLINE_CODE_KEYS = ("code_qp", "code_qv", "code_quartier", "code_qpv", "code")
OUTLINE_NAME_KEYS = ("lib_qp", "nom_qp", "lib_qv", "nom", "libelle")
# A FeatureCollection nests about 8 levels (features, geometry, multipolygon rings, points); properties a few more.
GEOJSON_MAX_DEPTH = 32


def import_qpv_outlines(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    writes = _plan_outlines(session, text, report, scope)  # the file is freed on return, before the window
    if writes is not None:
        apply(writes, report)


def _plan_outlines(session: Session, text: str, report: ImportReport, scope: Scope) -> Writes | None:
    """The outlines of the file queued, and the marking of the structures they change (reads only)."""
    shapes, names = _read_outlines(text, report, scope)
    if shapes is None:
        return None
    writes = Writes(session)
    outlines = _store_outlines(session, writes, shapes, names, report)
    changes, inside = geo.qpv_changes(session, geo.locator(session, outlines))
    writes.update(Structure, changes)
    report.counts["qpv_marked"] += len(changes)
    report.counts["in_qpv"] += inside
    return writes


def _read_outlines(text: str, report: ImportReport, scope: Scope) -> tuple[dict[str, list] | None, dict[str, str]]:
    """Each QPV's pieces (shapely) and name, by code; None when the file is not one we read."""
    try:
        document = load_json(text, "file", max_depth=GEOJSON_MAX_DEPTH)
    except ValidationError as error:
        report.error = _("Fichier GeoJSON illisible : %(e)s", e=error.message)
        return None, {}
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        report.error = _("Ce n'est pas une FeatureCollection GeoJSON (clé « features » absente).")
        return None, {}
    report.expected_rows = len(features)
    props = [_folded_properties(f) for f in features]
    if features and not any(_first(p, OUTLINE_CODE_KEYS) for p in props):
        report.missing_columns = ["code_qp"]
        return None, {}
    shapes: dict[str, list] = {}
    names: dict[str, str] = {}
    for number, (feature, properties) in enumerate(zip(features, props, strict=True), start=1):
        report.count_row()
        code = unwrap(_first(properties, OUTLINE_CODE_KEYS)).upper()
        if not QPV_RE.match(code):
            report.reject(number, _("entité sans code QPV valide : « %(v)s »", v=code))
            continue
        dep = normalise_departement(_first(properties, ("insee_dep", "code_dep"))) or _departement_in_code(code)
        insee = normalise_insee(_first(properties, ("insee_com", "code_commune")))
        if not scope.keeps(insee, dep):
            report.counts["filtered"] += 1
            continue
        try:
            shape = geo.polygon_from_geojson(feature.get("geometry") if isinstance(feature, dict) else None)
        except ValueError as error:
            report.reject(number, str(error))
            continue
        shapes.setdefault(code, []).append(shape)
        names.setdefault(code, unwrap(_first(properties, OUTLINE_NAME_KEYS))[:200] or code)
    return shapes, names


def _folded_properties(feature: Any) -> dict[str, str]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {normalise_header(str(k)): str(v) for k, v in properties.items() if v is not None}


def _first(properties: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((properties[k] for k in keys if properties.get(k)), "")


def _departement_in_code(code: str) -> str | None:
    """`QN09301M` -> `93`: QPV codes carry their département after the two letters."""
    return normalise_departement(code[2:5])


def _store_outlines(session: Session, writes: Writes, shapes: dict[str, list], names: dict[str, str],
                    report: ImportReport) -> dict[str, dict]:
    """Queue the new and changed outlines; returns every outline of the file by code."""
    outlines = {}
    existing = {q.code: q for q in session.scalars(select(Qpv))}
    inserts, updates = [], []
    for code, parts in shapes.items():
        full, simple = geo.outline_pair(parts)
        outlines[code] = full
        old = existing.get(code)
        if old is None:
            inserts.append({"code": code, "name": names[code], "departement": _departement_in_code(code) or "",
                            "cities": [], "outline": full, "outline_simple": simple})
        elif old.outline != full:
            updates.append({"code": code, "outline": full, "outline_simple": simple})
        else:
            report.counts["unchanged"] += 1
    write_rows(writes, Qpv, inserts, updates, report)
    return outlines
