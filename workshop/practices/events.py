"""Board events of the practice repository (namespace /board, registered with `board_rule`).

- `practice.create` (facilitator) {"card_ids": [int], "group_ids"?: [int], "title"?: str}: a draft sheet
  pre-filled from the cards; broadcasts `practice.created` {"practice": {...}, "card_ids": [...]}.
- `practice.suggest` (anyone on the board) {"card_id": int}: published sheets whose obstacles resemble the
  card's text ("ailleurs, ceci a aidé"); answers {"practices": [...]}, broadcasts nothing.
- `practice.pin` / `practice.unpin` (facilitator) {"practice_id": int, "card_id"?: int}: show a published
  sheet on the board for discussion; broadcasts `practice.pinned` / `practice.unpinned`.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workshop.boards import service as boards
from workshop.boards.events import board_rule
from workshop.boards.models import Card, Participant
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.practices import search
from workshop.practices.cleaning import CARDS_MAX, clean_ids
from workshop.practices.models import Practice, PracticePin
from workshop.practices.provenance import create_from_cards, practices_of_workshop, provenance_cards
from workshop.practices.sheets import now
from workshop.validation import clean_id, require_mapping


def practice_ref(practice: Practice, excerpt: str | None = None) -> dict:
    """What a board shows of a sheet: a link, never its draft content."""
    data = {"id": practice.id, "title": practice.title, "status": practice.status,
            "url": url_for("practices.show", practice_id=practice.id)}
    if excerpt is not None:
        data["excerpt"] = excerpt
    return data


def _facilitator_user(session: Session, participant: Participant):
    from workshop.accounts.models import User

    if not boards.is_moderator(participant) or participant.user_id is None:
        raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))
    user = session.get(User, participant.user_id)
    if user is None or not user.active:
        raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))
    return user


def _emit(session: Session, participant: Participant, type_: str, data: dict) -> dict:
    seq, _status = boards._next_seq(session, participant.workshop_id)
    event = boards._record(session, participant.workshop_id, seq, type_, data, participant)
    session.commit()
    return event


def _group_cards(session: Session, workshop_id: int, group_ids: list[int]) -> tuple[list[int], list[dict]]:
    """The cards of the facilitation helper's groups, and the groups' names for the provenance."""
    if not group_ids:
        return [], []
    from workshop.facilitation.models import CardGroup, CardPlacement

    groups = list(session.scalars(select(CardGroup).where(CardGroup.id.in_(group_ids),
                                                          CardGroup.workshop_id == workshop_id,
                                                          CardGroup.deleted.is_(False))))
    if len(groups) != len(group_ids):
        raise NotFound(_("Ce regroupement n'existe plus."))
    card_ids = list(session.scalars(select(CardPlacement.card_id).join(Card, Card.id == CardPlacement.card_id)
                                    .where(CardPlacement.group_id.in_(group_ids), Card.deleted.is_(False))
                                    .order_by(CardPlacement.group_id, CardPlacement.position)))
    return card_ids, [{"id": g.id, "name": g.name, "column": g.column_key} for g in groups]


@board_rule("practice.create")
def create_practice(session: Session, participant: Participant, payload) -> boards.Change:
    payload = require_mapping(payload)
    user = _facilitator_user(session, participant)
    group_ids = clean_ids(payload.get("group_ids"), "group_ids", 50)
    card_ids = clean_ids(payload.get("card_ids"), "card_ids", CARDS_MAX)
    from_groups, groups = _group_cards(session, participant.workshop_id, group_ids)
    card_ids = list(dict.fromkeys([*card_ids, *from_groups]))
    practice, used = create_from_cards(session, user, participant.workshop_id, card_ids,
                                       payload.get("title"), groups)
    ref = practice_ref(practice)
    event = _emit(session, participant, "practice.created", {"practice": ref, "card_ids": used})
    return boards.Change(None, event, {"practice": ref})


@board_rule("practice.suggest", rate_limited=True)  # a search per click: counted like card posts
def suggest(session: Session, participant: Participant, payload) -> boards.Change:
    payload = require_mapping(payload)
    card = session.get(Card, clean_id(payload.get("card_id"), "card_id"))
    if card is None or card.workshop_id != participant.workshop_id or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    if card.hidden and not boards.is_moderator(participant):
        raise NotFound(_("Ce post-it n'existe plus."))
    hits = search.suggestions(session, card.text)
    return boards.Change(None, None, {"practices": [practice_ref(h.practice, str(h.excerpt)) for h in hits]})


@board_rule("practice.pin")
def pin(session: Session, participant: Participant, payload) -> boards.Change:
    payload = require_mapping(payload)
    _facilitator_user(session, participant)
    practice = session.get(Practice, clean_id(payload.get("practice_id"), "practice_id"))
    if practice is None or practice.status != "published":
        raise NotFound(_("Seule une fiche publiée peut être épinglée."))
    card_id = payload.get("card_id")
    if card_id is not None:
        card = session.get(Card, clean_id(card_id, "card_id"))
        if card is None or card.workshop_id != participant.workshop_id or card.deleted:
            raise NotFound(_("Ce post-it n'existe plus."))
    existing = session.scalar(select(PracticePin).where(PracticePin.workshop_id == participant.workshop_id,
                                                        PracticePin.practice_id == practice.id))
    if existing is not None:
        raise ValidationError(_("Cette fiche est déjà épinglée."), field="practice_id")
    session.add(PracticePin(workshop_id=participant.workshop_id, practice_id=practice.id, card_id=card_id,
                            at=now()))
    data = {"practice": practice_ref(practice, practice.summary), "card_id": card_id}
    return boards.Change(None, _emit(session, participant, "practice.pinned", data))


@board_rule("practice.unpin")
def unpin(session: Session, participant: Participant, payload) -> boards.Change:
    payload = require_mapping(payload)
    _facilitator_user(session, participant)
    practice_id = clean_id(payload.get("practice_id"), "practice_id")
    removed = session.execute(delete(PracticePin).where(PracticePin.workshop_id == participant.workshop_id,
                                                        PracticePin.practice_id == practice_id)).rowcount
    if not removed:
        session.rollback()
        raise NotFound(_("Cette fiche n'est pas épinglée."))
    return boards.Change(None, _emit(session, participant, "practice.unpinned", {"practice_id": practice_id}))


def board_links(session: Session, workshop_id: int) -> dict:
    """For a board (re)loading: which cards became which sheet, and the pinned sheets."""
    practices = [{**practice_ref(p), "card_ids": provenance_cards(p)}
                 for p in practices_of_workshop(session, workshop_id)]
    pins = session.execute(select(PracticePin, Practice).join(Practice, Practice.id == PracticePin.practice_id)
                           .where(PracticePin.workshop_id == workshop_id, Practice.status == "published")
                           .order_by(PracticePin.id)).all()
    return {"practices": practices,
            "pins": [{"practice": practice_ref(p, p.summary), "card_id": pin.card_id} for pin, p in pins]}
