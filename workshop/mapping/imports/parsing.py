"""Reading what official files and spreadsheets hold: identifiers, codes, coordinates, CSV tables.

Every parser mends the usual spreadsheet damage (`="01053"`, a dropped leading zero, a comma as the decimal
point) and refuses the rest with a French reason.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator

from flask_babel import gettext as _

UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
SIRET_RE = re.compile(r"^\d{14}$")
QPV_RE = re.compile(r"^Q[A-Z0-9]{5,11}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_header(name: str) -> str:
    """`Identifiant_de_l'établissement`, `identifiant de l etablissement` -> `identifiant_de_l_etablissement`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def fold(value: str) -> str:
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


def coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
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


def parse_priority(value: str) -> str | None:
    text = unwrap(value).upper().replace(" ", "")
    return text if text in ("REP", "REP+") else None


def split_cell(value: str, pattern: str = r"[,;/|\s]+") -> list[str]:
    return [part for part in (unwrap(p) for p in re.split(pattern, unwrap(value))) if part]


def choice(value: str, choices: dict) -> str | None:
    """A controlled-list key from its key or its French label, whatever the case and accents."""
    folded = fold(value)
    for key, label in choices.items():
        if folded in (fold(key), fold(str(label))):
            return key
    return None


def _sniff_delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ";"


def unreadable_csv(line: int, error: csv.Error) -> str:
    """Why a CSV file cannot be read, in French: a field over the csv module's limit (131,072 characters, far
    beyond any real cell) or broken quoting. The whole file is refused."""
    if "field larger than field limit" in str(error):
        return _("Fichier refusé, rien n'a été importé : la ligne %(n)d contient un champ de plus de %(max)s "
                 "caractères.", n=line, max=f"{csv.field_size_limit():,}".replace(",", "\u202f"))
    return _("Fichier refusé, rien n'a été importé : la ligne %(n)d n'est pas du CSV lisible.", n=line)


class Table:
    """A CSV file seen through a column map: `row.get("uai")` whatever the header spelling.

    A file the csv module cannot read is refused as a whole: `on_error` receives the French reason and the rows
    stop there (the import then writes nothing)."""

    def __init__(self, text: str, columns: dict[str, tuple[str, ...]], on_error: Callable[[str], None]):
        first = text.split("\n", 1)[0]
        self.on_error = on_error
        self.failed = False
        self.reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first))
        try:
            header = next(self.reader, [])
        except csv.Error as error:
            self._fail(error)
            header = []
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
        """(line number, {key: raw text}) for each non-empty row; none after an unreadable one."""
        while not self.failed:
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                self._fail(error)
                return
            if not any(cell.strip() for cell in cells):
                continue
            yield self.reader.line_num, {key: (cells[i] if i < len(cells) else "") for key, i in self.index.items()}

    def _fail(self, error: csv.Error) -> None:
        self.failed = True
        self.on_error(unreadable_csv(self.reader.line_num + 1, error))
