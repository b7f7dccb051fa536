"""What an import did (or would do), and the part of France it keeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.mapping.imports.parsing import (
    Table,
    departement_of,
    normalise_departement,
    normalise_insee,
    split_cell,
)

PROGRESS_EVERY = 200
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
    error_code: str = "invalid"  # stable code of `error` for programs: "internal" when the database failed
    # Told `(rows read, rows expected)` every PROGRESS_EVERY rows (the job page's progress); not part of the report.
    progress: Callable[[int, int], None] | None = field(default=None, repr=False, compare=False)
    expected_rows: int = 0

    @property
    def ok(self) -> bool:
        """True when the file was readable and recognised (rows may still have been rejected)."""
        return self.error is None and not self.missing_columns

    @property
    def should_commit(self) -> bool:
        """What the front that ran the import does with it: commit it, or roll it back (dry run, bad file)."""
        return self.ok and not self.dry_run

    def count_row(self) -> None:
        """One more row read (and, every PROGRESS_EVERY rows, tell whoever follows the import)."""
        self.counts["rows"] += 1
        if self.progress is not None and self.counts["rows"] % PROGRESS_EVERY == 0:
            self.progress(self.counts["rows"], max(self.expected_rows, self.counts["rows"]))

    def refuse(self, reason: str) -> None:
        """Refuse the whole file (unreadable): nothing of it is written."""
        self.error = reason

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


def make_scope(departement: str | None = None, cities: Iterable[str] | str | None = None) -> Scope:
    """Check the filter given by a person; ValueError with a French message when it is not usable."""
    dep = None
    if departement:
        dep = normalise_departement(departement)
        if dep is None:
            raise ValueError(_("Département inconnu : « %(v)s » (ex. 93, 69, 2A, 974).", v=departement))
    if isinstance(cities, str):
        cities = split_cell(cities)
    codes = set()
    for city in cities or ():
        code = normalise_insee(city)
        if code is None:
            raise ValueError(_("Code INSEE de commune invalide : « %(v)s » (ex. 93066).", v=city))
        codes.add(code)
    return Scope(dep, frozenset(codes))


def open_table(text: str, columns: dict[str, tuple[str, ...]], required: dict[str, str],
               report: ImportReport) -> Table | None:
    """The CSV file as a table, or None when its header is unreadable or lacks a required column (said in the
    report)."""
    table = Table(text, columns, on_error=report.refuse)
    if table.failed:
        return None
    report.missing_columns = table.missing(required)
    return None if report.missing_columns else table
