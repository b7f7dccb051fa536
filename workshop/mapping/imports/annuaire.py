"""The Annuaire de l'éducation: schools, collèges and lycées by UAI, upserted in bulk."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.mapping import geo
from workshop.mapping.imports.parsing import (
    SIRET_RE,
    UAI_RE,
    coordinates,
    fold,
    normalise_insee,
    parse_priority,
    unwrap,
)
from workshop.mapping.imports.report import ImportReport, Scope, open_table
from workshop.mapping.imports.store import apply, ensure_cities, mark_planned, write_rows
from workshop.mapping.models import Structure
from workshop.writes import Writes

ANNUAIRE_COLUMNS = {
    "uai": ("identifiant_de_l_etablissement", "uai", "numero_uai", "code_uai"),
    "name": ("nom_etablissement", "appellation_officielle", "nom"),
    "type": ("type_etablissement",),
    "insee": ("code_commune", "code_insee_commune"),
    "city": ("nom_commune", "libelle_commune"),
    "priority": ("appartenance_education_prioritaire",),
    "lat": ("latitude",),
    "lon": ("longitude",),
    "etat": ("etat", "etat_etablissement"),
    "address": ("adresse_1", "adresse"),
    "postcode": ("code_postal",),
    "siret": ("siren_siret",),
    "maternelle": ("ecole_maternelle",),
    "elementaire": ("ecole_elementaire",),
    "departement": ("code_departement",),
}
ANNUAIRE_REQUIRED = {
    "uai": "Identifiant_de_l_etablissement", "name": "Nom_etablissement", "type": "Type_etablissement",
    "insee": "Code_commune", "city": "Nom_commune",
}
STRUCTURE_FIELDS = ("kind", "name", "address", "postcode", "city_insee", "latitude", "longitude", "priority",
                    "siret")


def _school_kind(row: dict[str, str]) -> str | None:
    """Map `Type_etablissement` (and the maternelle / élémentaire flags) to our kind; None = not covered."""
    kind = fold(row.get("type", ""))
    if kind.startswith("ecole"):
        maternelle = unwrap(row.get("maternelle")) == "1"
        elementaire = unwrap(row.get("elementaire")) == "1"
        name = fold(row.get("name", ""))
        if maternelle and not elementaire or (not elementaire and name.startswith("ecole_maternelle")):
            return "ecole_maternelle"
        if elementaire and not maternelle or (not maternelle and name.startswith("ecole_elementaire")):
            return "ecole_elementaire"
        return "ecole_primaire"
    if kind.startswith("college"):
        return "college"
    if kind.startswith("lycee"):
        return "lycee"
    return None


def _parse_annuaire_row(line: int, row: dict[str, str], report: ImportReport, scope: Scope) -> dict | None:
    """One row -> the structure's fields, or None (rejected, closed, filtered or not covered: counted)."""
    uai = unwrap(row.get("uai")).upper()
    if not UAI_RE.match(uai):
        report.reject(line, _("UAI invalide : « %(v)s » (7 chiffres et une lettre, ex. 0930123A)", v=uai))
        return None
    if fold(row.get("etat", "")).upper().startswith("FERME"):
        report.counts["closed"] += 1
        return None
    insee = normalise_insee(row.get("insee"))
    if insee is None:
        report.reject(line, _("code commune INSEE invalide : « %(v)s »", v=unwrap(row.get("insee"))))
        return None
    if not scope.keeps(insee):
        report.counts["filtered"] += 1
        return None
    kind = _school_kind(row)
    if kind is None:
        report.counts["other_type"] += 1
        return None
    name = unwrap(row.get("name"))[:200]
    if not name:
        report.reject(line, _("nom de l'établissement vide"))
        return None
    try:
        lat, lon = coordinates(row.get("lat", ""), row.get("lon", ""))
    except ValueError as error:
        report.reject(line, str(error))
        return None
    siret = re.sub(r"\s", "", unwrap(row.get("siret")))
    return {"uai": uai, "kind": kind, "name": name, "address": unwrap(row.get("address"))[:300],
            "postcode": unwrap(row.get("postcode"))[:5], "city_insee": insee,
            "city_name": unwrap(row.get("city"))[:120] or insee, "latitude": lat, "longitude": lon,
            "priority": parse_priority(row.get("priority", "")), "siret": siret if SIRET_RE.match(siret) else None}


def _merge(kept: dict, other: dict) -> None:
    """Rows sharing one UAI are one structure: later rows fill what earlier rows left empty."""
    for key, value in other.items():
        if kept.get(key) in (None, "") and value not in (None, ""):
            kept[key] = value


def import_annuaire(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    writes = _plan(session, text, report, scope)  # the file's rows are freed on return, before the window
    if writes is not None:
        apply(writes, report)


def _plan(session: Session, text: str, report: ImportReport, scope: Scope) -> Writes | None:
    table = open_table(text, ANNUAIRE_COLUMNS, ANNUAIRE_REQUIRED, report)
    if table is None:
        return None
    records: dict[str, dict] = {}
    for line, row in table.rows():
        report.count_row()
        record = _parse_annuaire_row(line, row, report, scope)
        if record is None:
            continue
        if record["uai"] in records:
            report.counts["merged"] += 1
            _merge(records[record["uai"]], record)
        else:
            records[record["uai"]] = record
    report.counts["not_on_map"] = sum(1 for r in records.values() if r["latitude"] is None)
    writes = Writes(session)
    ensure_cities(session, writes, ((r["city_insee"], r["city_name"]) for r in records.values()), report)
    _upsert_by_uai(session, writes, records, report)
    return writes


def _upsert_by_uai(session: Session, writes: Writes, records: dict[str, dict], report: ImportReport) -> None:
    """Queue new UAIs and changed ones (the QPV of those placed or moved marked from the outlines), leave the
    rest: every read is done before anything is written."""
    columns = [Structure.id, Structure.uai, Structure.qpv_code, Structure.qpv_manual,
               *(getattr(Structure, f) for f in STRUCTURE_FIELDS)]
    existing = {row.uai: row for row in session.execute(select(*columns).where(Structure.uai.is_not(None)))}
    inserts, updates, moved = [], [], []
    for uai, record in records.items():
        values = {f: record[f] for f in STRUCTURE_FIELDS}
        old = existing.get(uai)
        if old is None:
            inserts.append({**values, "uai": uai, "source": "annuaire", "public": True, "validated": True,
                            "qpv_code": None})
            continue
        if values["siret"] is None:
            values["siret"] = old.siret
        if all(getattr(old, f) == values[f] for f in STRUCTURE_FIELDS):
            report.counts["unchanged"] += 1
            continue
        updates.append({**values, "id": old.id, "qpv_code": old.qpv_code})
        if (old.latitude, old.longitude) != (values["latitude"], values["longitude"]) and not old.qpv_manual:
            moved.append(updates[-1])
    mark_planned(geo.locator(session), inserts + moved, report)
    write_rows(writes, Structure, inserts, updates, report)
