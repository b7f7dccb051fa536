"""The quality gate of a sheet: what must be filled before it is published, so that what the programme shows is
worth reading (a summary, a context, where it happened, how to do it elsewhere)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.errors import ValidationError
from workshop.practices.index import plain_text
from workshop.practices.models import Practice

REQUIRED = {
    "summary": _l("un résumé"),
    "context": _l("le contexte"),
    "where": _l("au moins une ville ou une structure"),
    "transferability": _l("la transférabilité"),
}


class Incomplete(ValidationError):
    """A sheet that misses what the gate asks: `details["missing"]` lists the keys of REQUIRED."""

    code = "incomplete"


def _filled(html: str | None) -> bool:
    return bool(plain_text(html or ""))


def missing_fields(practice: Practice) -> list[str]:
    """Keys of REQUIRED that the sheet does not fill yet, in the order of REQUIRED."""
    filled = {
        "summary": bool((practice.summary or "").strip()),
        "context": _filled(practice.context),
        "where": bool(practice.cities) or any((s or {}).get("name") for s in practice.structures or []),
        "transferability": _filled(practice.transferability),
    }
    return [key for key in REQUIRED if not filled[key]]


def missing_labels(practice: Practice) -> list[str]:
    return [str(REQUIRED[key]) for key in missing_fields(practice)]


def require_complete(practice: Practice) -> None:
    """Refuse to publish a sheet the gate finds thin, saying what is missing."""
    missing = missing_fields(practice)
    if missing:
        labels = ", ".join(str(REQUIRED[key]) for key in missing)
        raise Incomplete(_("Avant publication, il manque à cette fiche : %(fields)s.", fields=labels),
                         field="action", details={"missing": missing})
