"""The entry point of every import: one file, one format, all of it or nothing."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workshop.mapping.imports.annuaire import import_annuaire
from workshop.mapping.imports.qpv import import_qpv_list, import_qpv_outlines
from workshop.mapping.imports.report import ImportReport, Scope
from workshop.mapping.imports.structures import import_structures

FORMATS = ("annuaire", "qpv", "qpv-outlines", "structures")
_IMPORTERS = {"annuaire": import_annuaire, "qpv": import_qpv_list, "qpv-outlines": import_qpv_outlines,
              "structures": import_structures}


def decode(data: bytes, report: ImportReport) -> str:
    """UTF-8 with or without BOM; Windows-1252 as a last resort (said in the report)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notes.append(_("Le fichier n'est pas en UTF-8 : lu comme Windows-1252."))
        return data.decode("cp1252", errors="replace")


def run_import(session: Session, data: bytes, fmt: str, *, dry_run: bool = False, scope: Scope | None = None,
               progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import one file, flushed in the caller's transaction; a database error is said in the report.

    One transaction per import, owned by the caller: it commits when `report.should_commit` and rolls back
    otherwise (a dry run, an unrecognised file, a database error) and on any exception, so that nothing of a
    file imported half-way is ever kept.
    """
    if fmt not in _IMPORTERS:
        raise ValueError(_("Format inconnu : « %(f)s » (%(all)s).", f=fmt, all=", ".join(FORMATS)))
    report = ImportReport(format=fmt, dry_run=dry_run, progress=progress)
    text = decode(data, report)
    report.expected_rows = text.count("\n")  # lines of a CSV file, nearly its rows; GeoJSON counts its features
    if not text.strip():
        report.error = _("Le fichier est vide.")
        return report
    try:
        _IMPORTERS[fmt](session, text, report, scope or Scope())
        session.flush()
    except SQLAlchemyError as error:
        report.error_code = "internal"
        report.error = _("Erreur de base de données, rien n'a été importé : %(e)s", e=str(error.orig)[:300]
                         if hasattr(error, "orig") else str(error)[:300])
    return report
