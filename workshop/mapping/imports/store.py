"""Writes shared by the imports: communes, new and changed rows, the QPV marking of structures; all through
`Writes`, so that every import writes (and, on SQLite, holds the database) only in its short final window."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.mapping import geo
from workshop.mapping.imports.parsing import departement_of
from workshop.mapping.imports.report import ImportReport
from workshop.mapping.models import City
from workshop.writes import Inserted, Writes

# Structures or QPV one file may create or change. On SQLite an import's rows are written in one window that holds
# every board's cards: another board's worst card waited 73-180 ms during 20,000-row imports and 269 ms at 50,000
# (bench/import_flood.py, server pinned). The national annuaire (~65,000 schools) goes in by département.
MAX_WRITTEN = 25_000


def apply(writes: Writes, report: ImportReport) -> None:
    """Write what the import queued, or refuse the whole file when it would create or change more than
    MAX_WRITTEN structures or QPV (nothing is written: the caller rolls back a refused import)."""
    written = report.counts["created"] + report.counts["updated"]
    if written > MAX_WRITTEN:
        report.refuse(_("Ce fichier créerait ou modifierait %(n)d lignes, plus que les %(max)d qu'un import écrit "
                        "d'un coup sans faire attendre les tableaux en direct : choisissez un département ou "
                        "découpez le fichier.", n=written, max=MAX_WRITTEN))
        return
    writes.apply()


def ensure_cities(session: Session, writes: Writes, pairs: Iterable[tuple[str, str]], report: ImportReport) -> None:
    """Queue the communes we have not seen yet (reference data), written with the rest of the import."""
    wanted = dict(pairs)
    known = set(session.scalars(select(City.insee).where(City.insee.in_(list(wanted))))) if len(wanted) < 900 \
        else set(session.scalars(select(City.insee)))
    rows = [{"insee": insee, "name": name or insee, "departement": departement_of(insee)}
            for insee, name in wanted.items() if insee not in known]
    writes.insert(City, rows)
    report.counts["cities"] += len(rows)


def mark_planned(found: geo.QpvLocator | None, rows: list[dict], report: ImportReport) -> None:
    """Set `qpv_code` on structure rows about to be written (new, or moved and not hand-set) from the outlines,
    before the write: the marking adds nothing to the write window."""
    marked = [row for row in rows if row.get("latitude") is not None and row.get("longitude") is not None
              and not row.get("qpv_manual")]
    if found is None or not marked:
        return
    for row, code in zip(marked, found.codes_of([(r["latitude"], r["longitude"]) for r in marked]), strict=True):
        if row.get("qpv_code") != code:
            report.counts["qpv_marked"] += 1
        row["qpv_code"] = code


def write_rows(writes: Writes, model: type, inserts: list[dict], updates: list[dict],
               report: ImportReport) -> Inserted:
    """Queue the rows (structures, QPV) an import found new or changed, and count them; returns the inserts."""
    inserted = writes.insert(model, inserts)
    writes.update(model, updates)
    report.counts["created"] += len(inserts)
    report.counts["updated"] += len(updates)
    return inserted
