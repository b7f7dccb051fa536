"""Writes shared by the imports, in bulk: communes, new and changed rows, the QPV marking of structures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workshop.mapping import geo
from workshop.mapping.imports.parsing import departement_of
from workshop.mapping.imports.report import ImportReport
from workshop.mapping.models import City


def ensure_cities(session: Session, pairs: Iterable[tuple[str, str]], report: ImportReport) -> None:
    """Add the communes we have not seen yet (reference data)."""
    wanted = dict(pairs)
    known = set(session.scalars(select(City.insee).where(City.insee.in_(list(wanted))))) if len(wanted) < 900 \
        else set(session.scalars(select(City.insee)))
    rows = [{"insee": insee, "name": name or insee, "departement": departement_of(insee)}
            for insee, name in wanted.items() if insee not in known]
    if rows:
        session.execute(insert(City), rows)
    report.counts["cities"] += len(rows)


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def mark_after_import(session: Session, ids: list[int], report: ImportReport) -> None:
    if ids:
        result = geo.mark_qpv(session, ids)
        report.counts["qpv_marked"] += result["changed"]


def write_rows(session: Session, model: type, inserts: list[dict], updates: list[dict],
               report: ImportReport) -> None:
    """Bulk-write the rows (structures, QPV) an import found new or changed, and count them."""
    if inserts:
        session.execute(insert(model), inserts)
    if updates:
        session.execute(update(model), updates)
    report.counts["created"] += len(inserts)
    report.counts["updated"] += len(updates)
