"""Sheets born on a board: a draft pre-filled from cards, with a copy of where it came from."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workshop.accounts.models import User
from workshop.boards.models import BoardColumn, Card, Workshop
from workshop.errors import NotFound, ValidationError
from workshop.formats.builtin import FORMATS
from workshop.networks.service import networks_of
from workshop.practices.cleaning import CARDS_MAX, TITLE_MAX
from workshop.practices.models import Practice
from workshop.practices.sheets import create_practice, now
from workshop.practices.text import html_list
from workshop.validation import clean_ids, clean_text

# Which board column feeds which section of a sheet made from cards.
COLUMN_SECTIONS = {"obstacle": "obstacles", "lever": "levers", "method": "steps", "resource": "means",
                   "opportunity": "context"}


def create_from_cards(session: Session, user: User, workshop_id: int, card_ids: Any, title: Any,
                      groups: list[dict] | None = None) -> tuple[Practice, list[int]]:
    """A draft sheet pre-filled from board cards: obstacles, levers and methods land in their sections.

    The provenance (workshop, cards, authors unless the workshop is anonymous) is copied into the sheet so
    that it survives the workshop's deletion.
    """
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("Atelier introuvable."))
    ids = clean_ids(card_ids, "card_ids", CARDS_MAX)
    if not ids:
        raise ValidationError(_("Sélectionnez au moins un post-it."), field="card_ids")
    cards = list(session.scalars(select(Card).where(Card.id.in_(ids), Card.workshop_id == workshop.id,
                                                    Card.deleted.is_(False))
                                 .options(selectinload(Card.participant)).order_by(Card.id)))
    if len(cards) != len(ids):
        raise NotFound(_("Certains post-it n'existent plus."))
    if any(c.pending for c in cards):  # moderated mode: not on the board until the facilitator accepts it
        raise ValidationError(_("Acceptez d'abord ces post-it avant d'en faire une fiche."), field="card_ids")
    if any(c.private for c in cards):  # silent writing: only its author has read it so far
        raise ValidationError(_("Révélez d'abord les post-it avant d'en faire une fiche."), field="card_ids")
    title = clean_text(title if title else _("Fiche issue de l'atelier « %(t)s »", t=workshop.title)[:TITLE_MAX],
                       "title", max_len=TITLE_MAX, label=_("Titre"))
    anonymous = bool((workshop.settings or {}).get("anonymous"))
    sections: dict[str, list[str]] = {}
    for card in cards:
        sections.setdefault(COLUMN_SECTIONS.get(card.column_key, "context"), []).append(card.text)
    data = {"title": title, "kind": "practice", **{k: html_list(v) for k, v in sections.items()}}
    data["networks"] = [n.id for n in networks_of(session, user)]
    provenance = {
        "workshop_id": workshop.id, "workshop_title": workshop.title, "workshop_place": workshop.place,
        "workshop_held_on": workshop.held_on.isoformat() if workshop.held_on else None,
        "cards": [{"id": c.id, "column": c.column_key, "text": c.text, "language": None if anonymous else c.language,
                   "author": None if anonymous or c.participant is None else c.participant.name} for c in cards],
        "groups": groups or [], "anonymous": anonymous, "at": now().isoformat(timespec="seconds"),
    }
    practice = create_practice(session, user, data, provenance=provenance, source_workshop_id=workshop.id)
    return practice, [c.id for c in cards]


def practices_of_workshop(session: Session, workshop_id: int) -> list[Practice]:
    return list(session.scalars(select(Practice).where(Practice.source_workshop_id == workshop_id)
                                .order_by(Practice.id)))


def provenance_cards(practice: Practice) -> list[int]:
    return [c["id"] for c in (practice.provenance or {}).get("cards", [])]


def workshop_deleted(practice: Practice) -> bool:
    """The sheet came from a workshop that no longer exists (its provenance copy remains)."""
    provenance = practice.provenance or {}
    return bool(provenance.get("workshop_id") and not provenance.get("imported") and practice.source_workshop_id
                is None)


def provenance_view(session: Session, practice: Practice) -> dict:
    """The provenance as a reader sees it: each card's column by its name in the page's language (never its code
    word, "method"), the workshop's date in the page's locale (the copy keeps it ISO)."""
    provenance = dict(practice.provenance or {})
    names = _column_names(session, practice.source_workshop_id)
    provenance["cards"] = [{**card, "column": names.get(card.get("column"), card.get("column") or "")}
                           for card in provenance.get("cards") or []]
    provenance["workshop_held_on"] = _long_date(provenance.get("workshop_held_on"))
    return provenance


def _column_names(session: Session, workshop_id: int | None) -> dict[str, str]:
    """Column key -> name for this page: the built-in formats' names (catalog), then the source board's own."""
    english = str(get_locale()) == "en"
    names: dict[str, str] = {}
    for fmt in FORMATS.values():
        for column in (*fmt.columns, *fmt.extra_columns):
            names.setdefault(column.key, _(column.label_fr))
    if workshop_id is not None:
        for column in session.scalars(select(BoardColumn).where(BoardColumn.workshop_id == workshop_id)):
            names[column.key] = (column.label_en if english and column.label_en else _(column.label_fr))
    return names


def _long_date(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return format_date(date.fromisoformat(value[:10]), "long")
    except ValueError:
        return value
