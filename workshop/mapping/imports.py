"""Imports of official and hand-made data: one service for the CLI and the admin page.

Formats: `annuaire` (Annuaire de l'éducation), `qpv` (ANCT listeqp2024), `qpv-outlines` (GeoJSON) and
`structures` (our documented CSV template). Each import reads the whole file, checks the header, then each row
(rejecting bad rows with their line number and reason), writes everything in one transaction with bulk
statements, and returns an `ImportReport`. A dry run does the same work and rolls it back.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workshop.mapping import geo, vocabulary
from workshop.mapping.models import City, Qpv, Structure, StructureContact, structure_network

FORMATS = ("annuaire", "qpv", "qpv-outlines", "structures")
UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
SIRET_RE = re.compile(r"^\d{14}$")
QPV_RE = re.compile(r"^Q[A-Z0-9]{5,11}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Labels of the report's counters, in the order they are printed.
COUNT_LABELS = {
    "rows": _l("lignes lues"),
    "created": _l("créées"),
    "updated": _l("mises à jour"),
    "unchanged": _l("inchangées"),
    "merged": _l("lignes fusionnées (même UAI)"),
    "closed": _l("établissements fermés ignorés"),
    "other_type": _l("types d'établissement non couverts ignorés"),
    "filtered": _l("hors du périmètre demandé"),
    "not_on_map": _l("sans coordonnées (importées, pas sur la carte)"),
    "cities": _l("communes ajoutées"),
    "in_qpv": _l("structures situées en QPV"),
    "qpv_marked": _l("marquages QPV modifiés"),
    "rejected": _l("lignes rejetées"),
}


@dataclass
class ImportReport:
    """What an import did (or would do): counters, rejected rows with line and reason, file-level problems."""

    format: str
    dry_run: bool = False
    counts: Counter = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was readable and recognised (rows may still have been rejected)."""
        return self.error is None and not self.missing_columns

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append((line, reason))
        self.counts["rejected"] += 1

    def summary(self) -> list[tuple[str, int]]:
        return [(str(label), self.counts[key]) for key, label in COUNT_LABELS.items() if self.counts.get(key)]

    def lines(self) -> list[str]:
        """The report as French text lines (CLI output)."""
        head = _("Import « %(f)s »", f=self.format) + (" — " + _("simulation, rien n'a été écrit")
                                                        if self.dry_run else "")
        out = [head]
        if self.missing_columns:
            out.append(_("En-tête non reconnu : colonnes manquantes : %(c)s. Rien n'a été importé.",
                         c=", ".join(self.missing_columns)))
        if self.error:
            out.append(self.error)
        out += [f"  {label} : {value}" for label, value in self.summary()]
        out += [f"  {note}" for note in self.notes]
        out += [_("Ligne %(n)d rejetée : %(r)s", n=line, r=reason) for line, reason in self.rejected]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "dry_run": self.dry_run, "ok": self.ok, "counts": dict(self.counts),
                "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
                "missing_columns": self.missing_columns, "notes": self.notes, "error": self.error}


@dataclass
class Scope:
    """The part of France an import keeps: a département and/or a set of INSEE codes (empty = everything)."""

    departement: str | None = None
    cities: frozenset[str] = frozenset()

    def keeps(self, insee: str | None, departement: str | None = None) -> bool:
        if self.cities and insee not in self.cities:
            return False
        if self.departement:
            dep = departement or (departement_of(insee) if insee else None)
            return dep == self.departement
        return True


# --- Small parsers ---------------------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    """`Identifiant_de_l'établissement`, `identifiant de l etablissement` -> `identifiant_de_l_etablissement`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def _fold(value: str) -> str:
    return normalise_header(value or "")


def unwrap(value: str | None) -> str:
    """Undo spreadsheet damage: `="01053"` -> `01053`, surrounding quotes and spaces."""
    text = (value or "").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.strip().strip('"').strip()


def normalise_departement(code: str | None) -> str | None:
    """`093`, `93` -> `93`; `1` -> `01`; `2a` -> `2A`; `974` stays. None when it is not a département code."""
    text = unwrap(code).upper()
    if not text:
        return None
    if text.isdigit():
        number = int(text)
        if 1 <= number <= 95 and number != 20:
            return f"{number:02d}"
        if 971 <= number <= 989:
            return str(number)
        return None
    text = text.lstrip("0")
    return text if text in ("2A", "2B") else None


def departement_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def normalise_insee(value: str | None) -> str | None:
    """An INSEE code, mending the leading zero a spreadsheet dropped (`1053` -> `01053`); None if invalid."""
    text = unwrap(value).upper()
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    return text if INSEE_RE.match(text) else None


def parse_coordinate(value: str | None, low: float, high: float) -> float | None:
    """A decimal degree (comma or point); None when empty; ValueError when unreadable or out of range."""
    text = unwrap(value).replace(",", ".")
    if not text:
        return None
    number = float(text)  # ValueError for garbage
    if not low <= number <= high or number != number:
        raise ValueError(text)
    return round(number, 7)


def _coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    """Both or none; a French message in ValueError otherwise."""
    try:
        lat = parse_coordinate(lat_text, -90, 90)
    except ValueError:
        raise ValueError(_("latitude invalide ou hors plage (-90 à 90) : « %(v)s »", v=unwrap(lat_text))) from None
    try:
        lon = parse_coordinate(lon_text, -180, 180)
    except ValueError:
        raise ValueError(_("longitude invalide ou hors plage (-180 à 180) : « %(v)s »",
                           v=unwrap(lon_text))) from None
    if (lat is None) != (lon is None):
        raise ValueError(_("coordonnées incomplètes : latitude et longitude vont ensemble"))
    return lat, lon


def decode(data: bytes, report: ImportReport) -> str:
    """UTF-8 with or without BOM; Windows-1252 as a last resort (said in the report)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notes.append(_("Le fichier n'est pas en UTF-8 : lu comme Windows-1252."))
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ";"


class Table:
    """A CSV file seen through a column map: `row.get("uai")` whatever the header spelling."""

    def __init__(self, text: str, columns: dict[str, tuple[str, ...]]):
        first = text.split("\n", 1)[0]
        self.reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first))
        header = next(self.reader, [])
        names = [normalise_header(h) for h in header]
        self.index: dict[str, int] = {}
        for key, aliases in columns.items():
            for alias in aliases:
                if alias in names:
                    self.index[key] = names.index(alias)
                    break

    def missing(self, required: dict[str, str]) -> list[str]:
        """Labels of the required columns the header lacks."""
        return [label for key, label in required.items() if key not in self.index]

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, {key: raw text}) for each non-empty row."""
        for cells in self.reader:
            if not any(cell.strip() for cell in cells):
                continue
            yield self.reader.line_num, {key: (cells[i] if i < len(cells) else "") for key, i in self.index.items()}


# --- Annuaire de l'éducation -----------------------------------------------------------------------------

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
    kind = _fold(row.get("type", ""))
    if kind.startswith("ecole"):
        maternelle = unwrap(row.get("maternelle")) == "1"
        elementaire = unwrap(row.get("elementaire")) == "1"
        name = _fold(row.get("name", ""))
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


def _priority(value: str) -> str | None:
    text = unwrap(value).upper().replace(" ", "")
    return text if text in ("REP", "REP+") else None


def _parse_annuaire_row(line: int, row: dict[str, str], report: ImportReport, scope: Scope) -> dict | None:
    """One row -> the structure's fields, or None (rejected, closed, filtered or not covered: counted)."""
    uai = unwrap(row.get("uai")).upper()
    if not UAI_RE.match(uai):
        report.reject(line, _("UAI invalide : « %(v)s » (7 chiffres et une lettre, ex. 0930123A)", v=uai))
        return None
    if _fold(row.get("etat", "")).upper().startswith("FERME"):
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
        lat, lon = _coordinates(row.get("lat", ""), row.get("lon", ""))
    except ValueError as error:
        report.reject(line, str(error))
        return None
    siret = re.sub(r"\s", "", unwrap(row.get("siret")))
    return {"uai": uai, "kind": kind, "name": name, "address": unwrap(row.get("address"))[:300],
            "postcode": unwrap(row.get("postcode"))[:5], "city_insee": insee,
            "city_name": unwrap(row.get("city"))[:120] or insee, "latitude": lat, "longitude": lon,
            "priority": _priority(row.get("priority", "")), "siret": siret if SIRET_RE.match(siret) else None}


def _merge(kept: dict, other: dict) -> None:
    """Rows sharing one UAI are one structure: later rows fill what earlier rows left empty."""
    for key, value in other.items():
        if kept.get(key) in (None, "") and value not in (None, ""):
            kept[key] = value


def import_annuaire(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    table = Table(text, ANNUAIRE_COLUMNS)
    report.missing_columns = table.missing(ANNUAIRE_REQUIRED)
    if report.missing_columns:
        return
    records: dict[str, dict] = {}
    for line, row in table.rows():
        report.counts["rows"] += 1
        record = _parse_annuaire_row(line, row, report, scope)
        if record is None:
            continue
        if record["uai"] in records:
            report.counts["merged"] += 1
            _merge(records[record["uai"]], record)
        else:
            records[record["uai"]] = record
    report.counts["not_on_map"] = sum(1 for r in records.values() if r["latitude"] is None)
    _ensure_cities(session, ((r["city_insee"], r["city_name"]) for r in records.values()), report)
    changed_ids = _upsert_by_uai(session, records, report)
    _mark_after_import(session, changed_ids, report)


def _ensure_cities(session: Session, pairs: Iterable[tuple[str, str]], report: ImportReport) -> None:
    """Add the communes we have not seen yet (reference data)."""
    wanted = dict(pairs)
    known = set(session.scalars(select(City.insee).where(City.insee.in_(list(wanted))))) if len(wanted) < 900 \
        else set(session.scalars(select(City.insee)))
    rows = [{"insee": insee, "name": name or insee, "departement": departement_of(insee)}
            for insee, name in wanted.items() if insee not in known]
    if rows:
        session.execute(insert(City), rows)
    report.counts["cities"] += len(rows)


def _upsert_by_uai(session: Session, records: dict[str, dict], report: ImportReport) -> list[int]:
    """Insert new UAIs, update changed ones, leave the rest: bulk statements; returns ids whose place changed."""
    columns = [Structure.id, Structure.uai, *(getattr(Structure, f) for f in STRUCTURE_FIELDS)]
    existing = {row.uai: row for row in session.execute(select(*columns).where(Structure.uai.is_not(None)))}
    inserts, updates, moved = [], [], []
    for uai, record in records.items():
        values = {f: record[f] for f in STRUCTURE_FIELDS}
        old = existing.get(uai)
        if old is None:
            inserts.append({**values, "uai": uai, "source": "annuaire", "public": True, "validated": True})
            continue
        if values["siret"] is None:
            values["siret"] = old.siret
        if all(getattr(old, f) == values[f] for f in STRUCTURE_FIELDS):
            report.counts["unchanged"] += 1
            continue
        updates.append({**values, "id": old.id})
        if (old.latitude, old.longitude) != (values["latitude"], values["longitude"]):
            moved.append(old.id)
    if inserts:
        session.execute(insert(Structure), inserts)
    if updates:
        session.execute(update(Structure), updates)
    report.counts["created"] += len(inserts)
    report.counts["updated"] += len(updates)
    if inserts:
        new_uais = [r["uai"] for r in inserts]
        for chunk in _chunks(new_uais, 900):
            moved += session.scalars(select(Structure.id).where(Structure.uai.in_(chunk)))
    return moved


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _mark_after_import(session: Session, ids: list[int], report: ImportReport) -> None:
    if ids:
        result = geo.mark_qpv(session, ids)
        report.counts["qpv_marked"] += result["changed"]


# --- ANCT QPV list ---------------------------------------------------------------------------------------

QPV_COLUMNS = {
    "code": ("code_qp", "code_quartier", "code_qpv"),
    "name": ("lib_qp", "nom_qp", "libelle_qp"),
    "departement": ("insee_dep", "code_dep", "code_departement"),
    "communes": ("insee_com", "code_commune", "codes_communes"),
    "city_names": ("lib_com", "nom_commune", "communes"),
}
QPV_REQUIRED = {"code": "code_qp", "name": "lib_qp", "communes": "insee_com"}


def _split_cell(value: str, pattern: str = r"[,;/|\s]+") -> list[str]:
    return [part for part in (unwrap(p) for p in re.split(pattern, unwrap(value))) if part]


def import_qpv_list(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    table = Table(text, QPV_COLUMNS)
    report.missing_columns = table.missing(QPV_REQUIRED)
    if report.missing_columns:
        return
    quarters: dict[str, dict] = {}
    city_names: dict[str, str] = {}
    for line, row in table.rows():
        report.counts["rows"] += 1
        code = unwrap(row.get("code")).upper()
        if not QPV_RE.match(code):
            report.reject(line, _("code QPV invalide : « %(v)s » (ex. QN09301M)", v=code))
            continue
        name = unwrap(row.get("name"))[:200]
        raw_communes = _split_cell(row.get("communes", ""))
        communes = [normalise_insee(c) for c in raw_communes]
        if not communes or None in communes:
            report.reject(line, _("code commune INSEE invalide : « %(v)s »", v=unwrap(row.get("communes"))))
            continue
        dep = normalise_departement(row.get("departement")) or departement_of(communes[0])
        if not any(scope.keeps(c, dep) for c in communes):
            report.counts["filtered"] += 1
            continue
        names = _split_cell(row.get("city_names", ""), r"\s*[,;/|]\s*")
        if len(names) == len(communes):
            city_names.update(zip(communes, names, strict=True))
        entry = quarters.setdefault(code, {"code": code, "name": name or code, "departement": dep, "cities": []})
        entry["cities"] += [c for c in communes if c not in entry["cities"]]
    _ensure_cities(session, ((c, city_names.get(c, c)) for q in quarters.values() for c in q["cities"]), report)
    _upsert_qpv(session, quarters, report)


def _upsert_qpv(session: Session, quarters: dict[str, dict], report: ImportReport) -> None:
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
    _write_qpv(session, inserts, updates, report)


# --- QPV outlines (GeoJSON) ------------------------------------------------------------------------------

OUTLINE_CODE_KEYS = ("code_qp", "code_qv", "code_quartier", "code_qpv", "code")
OUTLINE_NAME_KEYS = ("lib_qp", "nom_qp", "lib_qv", "nom", "libelle")


def import_qpv_outlines(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    try:
        document = json.loads(text)
    except ValueError as error:
        report.error = _("Fichier GeoJSON illisible : %(e)s", e=str(error)[:200])
        return
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        report.error = _("Ce n'est pas une FeatureCollection GeoJSON (clé « features » absente).")
        return
    props = [_folded_properties(f) for f in features]
    if features and not any(_first(p, OUTLINE_CODE_KEYS) for p in props):
        report.missing_columns = ["code_qp"]
        return
    shapes: dict[str, list] = {}
    names: dict[str, str] = {}
    for number, (feature, properties) in enumerate(zip(features, props, strict=True), start=1):
        report.counts["rows"] += 1
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
    _store_outlines(session, shapes, names, report)
    result = geo.mark_qpv(session)
    report.counts["qpv_marked"] += result["changed"]
    report.counts["in_qpv"] += result["in_qpv"]


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


def _store_outlines(session: Session, shapes: dict[str, list], names: dict[str, str], report: ImportReport) -> None:
    existing = {q.code: q for q in session.scalars(select(Qpv))}
    inserts, updates = [], []
    for code, parts in shapes.items():
        full, simple = geo.outline_pair(parts)
        old = existing.get(code)
        if old is None:
            inserts.append({"code": code, "name": names[code], "departement": _departement_in_code(code) or "",
                            "cities": [], "outline": full, "outline_simple": simple})
        elif old.outline != full:
            updates.append({"code": code, "outline": full, "outline_simple": simple})
        else:
            report.counts["unchanged"] += 1
    _write_qpv(session, inserts, updates, report)


# --- Our structures template -----------------------------------------------------------------------------

TEMPLATE_COLUMNS = (
    ("type", _l("obligatoire : centre_social, espace_vie_sociale, association, service_municipal, ecole_maternelle, "
               "ecole_elementaire, ecole_primaire, college, lycee ou other (ou leur libellé français)")),
    ("nom", _l("obligatoire : nom usuel de la structure")),
    ("uai", _l("pour une école : 7 chiffres et une lettre (ex. 0930123A)")),
    ("siret", _l("14 chiffres, pour une association ou un centre social")),
    ("adresse", _l("numéro et rue")),
    ("code_postal", _l("5 chiffres")),
    ("code_insee", _l("obligatoire : code INSEE de la commune (ex. 93066), pas le code postal")),
    ("commune", _l("obligatoire : nom de la commune")),
    ("latitude", _l("degrés décimaux, point ou virgule (ex. 48.9362) ; vide = pas sur la carte")),
    ("longitude", _l("degrés décimaux (ex. 2.3574)")),
    ("education_prioritaire", _l("REP, REP+ ou vide")),
    ("code_qp", _l("code du QPV si la structure y est (sinon il est déduit des contours importés)")),
    ("reseaux", _l("réseaux d'appartenance (nom court ou identifiant), séparés par |")),
    ("role_contact", _l("rôle à contacter : %(roles)s", roles=", ".join(vocabulary.CONTACT_ROLES))),
    ("email_contact", _l("adresse e-mail professionnelle du rôle (facultatif, pas d'adresse personnelle)")),
    ("public", _l("oui (par défaut) ou non : visible sur la carte publique")),
)
TEMPLATE_EXAMPLES = (
    ("centre_social", "Centre social Floréal", "", "77567227200017", "4 allée Édouard Vaillant", "93200", "93066",
     "Saint-Denis", "48.9446", "2.3631", "", "QN09321M", "centres-sociaux", "referent_familles",
     "familles@cs-floreal.example.org", "oui"),
    ("ecole_elementaire", "École élémentaire Jean Vilar", "0930612F", "", "2 rue Henri Barbusse", "93200", "93066",
     "Saint-Denis", "48.9401", "2.3588", "REP+", "", "", "directeur_ecole", "", "oui"),
)
STRUCTURES_COLUMNS = {key: (key,) for key, _doc in TEMPLATE_COLUMNS}
STRUCTURES_REQUIRED = {"type": "type", "nom": "nom", "code_insee": "code_insee", "commune": "commune"}


def template_csv() -> str:
    """The downloadable template: header and two example rows, `;`-separated, with a BOM for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([key for key, _doc in TEMPLATE_COLUMNS])
    writer.writerows(TEMPLATE_EXAMPLES)
    return "\ufeff" + buffer.getvalue()


def _choice(value: str, choices: dict) -> str | None:
    """A controlled-list key from its key or its French label, whatever the case and accents."""
    folded = _fold(value)
    for key, label in choices.items():
        if folded in (_fold(key), _fold(str(label))):
            return key
    return None


def _parse_structure_row(line: int, row: dict[str, str], report: ImportReport, scope: Scope,
                         networks: dict[str, int]) -> dict | None:
    def bad(message: str) -> None:
        report.reject(line, message)

    kind = _choice(row.get("type", ""), vocabulary.KINDS)
    if kind is None:
        return bad(_("type inconnu : « %(v)s » (valeurs : %(k)s)", v=unwrap(row.get("type")),
                     k=", ".join(vocabulary.KINDS)))
    name = unwrap(row.get("nom"))
    if not 1 <= len(name) <= 200:
        return bad(_("nom vide ou trop long (200 caractères au plus)"))
    insee = normalise_insee(row.get("code_insee"))
    if insee is None:
        return bad(_("code INSEE invalide : « %(v)s »", v=unwrap(row.get("code_insee"))))
    if not scope.keeps(insee):
        report.counts["filtered"] += 1
        return None
    uai = unwrap(row.get("uai")).upper() or None
    if uai and not UAI_RE.match(uai):
        return bad(_("UAI invalide : « %(v)s » (7 chiffres et une lettre, ex. 0930123A)", v=uai))
    siret = re.sub(r"\s", "", unwrap(row.get("siret"))) or None
    if siret and not SIRET_RE.match(siret):
        return bad(_("SIRET invalide : « %(v)s » (14 chiffres)", v=siret))
    try:
        lat, lon = _coordinates(row.get("latitude", ""), row.get("longitude", ""))
    except ValueError as error:
        return bad(str(error))
    priority_text = unwrap(row.get("education_prioritaire"))
    priority = _priority(priority_text)
    if priority_text and priority is None:
        return bad(_("éducation prioritaire : REP, REP+ ou vide, pas « %(v)s »", v=priority_text))
    qpv = unwrap(row.get("code_qp")).upper() or None
    if qpv and not QPV_RE.match(qpv):
        return bad(_("code QPV invalide : « %(v)s »", v=qpv))
    network_ids = []
    for ref in _split_cell(row.get("reseaux", ""), r"\s*[|,]\s*"):
        if _fold(ref) not in networks:
            return bad(_("réseau inconnu : « %(v)s »", v=ref))
        network_ids.append(networks[_fold(ref)])
    role = None
    if unwrap(row.get("role_contact")):
        role = _choice(row.get("role_contact", ""), vocabulary.CONTACT_ROLES)
        if role is None:
            return bad(_("rôle de contact inconnu : « %(v)s »", v=unwrap(row.get("role_contact"))))
    email = unwrap(row.get("email_contact")).lower() or None
    if email and (not EMAIL_RE.match(email) or len(email) > 254):
        return bad(_("adresse e-mail de contact invalide : « %(v)s »", v=email))
    if email and not role:
        return bad(_("une adresse e-mail de contact doit aller avec un rôle"))
    public_text = _fold(row.get("public", ""))
    if public_text not in ("", "oui", "non", "1", "0", "true", "false"):
        return bad(_("public : oui ou non, pas « %(v)s »", v=unwrap(row.get("public"))))
    return {"kind": kind, "name": name, "uai": uai, "siret": siret, "address": unwrap(row.get("adresse"))[:300],
            "postcode": unwrap(row.get("code_postal"))[:5], "city_insee": insee,
            "city_name": unwrap(row.get("commune"))[:120], "latitude": lat, "longitude": lon, "priority": priority,
            "qpv_code": qpv, "networks": network_ids, "role": role, "email": email,
            "public": public_text not in ("non", "0", "false")}


def _find_structure(session: Session, record: dict) -> Structure | None:
    """Same structure again: by UAI, else SIRET, else same kind, name and commune."""
    if record["uai"]:
        return session.scalar(select(Structure).where(Structure.uai == record["uai"]))
    if record["siret"]:
        found = session.scalar(select(Structure).where(Structure.siret == record["siret"]).limit(1))
        if found:
            return found
    return session.scalar(select(Structure).where(Structure.kind == record["kind"], Structure.name == record["name"],
                                                  Structure.city_insee == record["city_insee"]).limit(1))


def import_structures(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    table = Table(text, STRUCTURES_COLUMNS)
    report.missing_columns = table.missing(STRUCTURES_REQUIRED)
    if report.missing_columns:
        return
    from workshop.networks.models import Network

    networks = {}
    for network in session.scalars(select(Network)):
        networks[_fold(network.slug)] = networks[_fold(network.short_name)] = network.id
    records = []
    for line, row in table.rows():
        report.counts["rows"] += 1
        record = _parse_structure_row(line, row, report, scope, networks)
        if record is not None:
            records.append(record)
    _ensure_cities(session, ((r["city_insee"], r["city_name"]) for r in records), report)
    session.flush()
    touched = [_save_structure(session, record, report) for record in records]
    session.flush()
    report.counts["not_on_map"] = sum(1 for r in records if r["latitude"] is None)
    _mark_after_import(session, [s.id for s in touched if not s.qpv_manual], report)


def _save_structure(session: Session, record: dict, report: ImportReport) -> Structure:
    structure = _find_structure(session, record)
    values = {k: record[k] for k in ("kind", "name", "uai", "siret", "address", "postcode", "city_insee",
                                     "latitude", "longitude", "priority", "public")}
    if record["qpv_code"]:
        values.update(qpv_code=record["qpv_code"], qpv_manual=True)
    if structure is None:
        structure = Structure(**values, source="structures", validated=True)
        session.add(structure)
        report.counts["created"] += 1
    elif any(getattr(structure, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(structure, key, value)
        report.counts["updated"] += 1
    else:
        report.counts["unchanged"] += 1
    session.flush()
    for network_id in record["networks"]:
        if not session.scalar(select(structure_network.c.network_id).where(
                structure_network.c.structure_id == structure.id, structure_network.c.network_id == network_id)):
            session.execute(insert(structure_network).values(structure_id=structure.id, network_id=network_id))
    if record["role"] and not any(c.role == record["role"] and c.email == record["email"]
                                  for c in structure.contacts):
        structure.contacts.append(StructureContact(role=record["role"], email=record["email"]))
    return structure


# --- Entry point -----------------------------------------------------------------------------------------

_IMPORTERS = {"annuaire": import_annuaire, "qpv": import_qpv_list, "qpv-outlines": import_qpv_outlines,
              "structures": import_structures}


def make_scope(departement: str | None = None, cities: Iterable[str] | str | None = None) -> Scope:
    """Check the filter given by a person; ValueError with a French message when it is not usable."""
    dep = None
    if departement:
        dep = normalise_departement(departement)
        if dep is None:
            raise ValueError(_("Département inconnu : « %(v)s » (ex. 93, 69, 2A, 974).", v=departement))
    if isinstance(cities, str):
        cities = _split_cell(cities)
    codes = set()
    for city in cities or ():
        code = normalise_insee(city)
        if code is None:
            raise ValueError(_("Code INSEE de commune invalide : « %(v)s » (ex. 93066).", v=city))
        codes.add(code)
    return Scope(dep, frozenset(codes))


def run_import(session: Session, data: bytes, fmt: str, *, dry_run: bool = False,
               scope: Scope | None = None) -> ImportReport:
    """Import one file in one transaction (rolled back on a dry run, on an unrecognised header or on error)."""
    if fmt not in _IMPORTERS:
        raise ValueError(_("Format inconnu : « %(f)s » (%(all)s).", f=fmt, all=", ".join(FORMATS)))
    report = ImportReport(format=fmt, dry_run=dry_run)
    text = decode(data, report)
    if not text.strip():
        report.error = _("Le fichier est vide.")
        return report
    try:
        _IMPORTERS[fmt](session, text, report, scope or Scope())
        session.flush()
    except SQLAlchemyError as error:
        session.rollback()
        report.error = _("Erreur de base de données, rien n'a été importé : %(e)s", e=str(error.orig)[:300]
                         if hasattr(error, "orig") else str(error)[:300])
        return report
    except BaseException:  # any other failure half-way: nothing of this file may be committed later
        session.rollback()
        raise
    if dry_run or not report.ok:
        session.rollback()
    else:
        session.commit()
    return report


def _write_qpv(session: Session, inserts: list[dict], updates: list[dict], report: ImportReport) -> None:
    """Bulk-write the QPV rows an import found new or changed, and count them."""
    if inserts:
        session.execute(insert(Qpv), inserts)
    if updates:
        session.execute(update(Qpv), updates)
    report.counts["created"] += len(inserts)
    report.counts["updated"] += len(updates)
