"""The practice repository on a live board: turn cards into a draft sheet, suggest sheets, pin one.

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

from workshop.accounts.models import User
from workshop.boards.models import Card
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.facilitation.models import CardGroup, CardPlacement
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.practices import provenance, search
from workshop.practices.cleaning import CARDS_MAX
from workshop.practices.models import Practice, PracticePin
from workshop.practices.sheets import now
from workshop.validation import clean_id, clean_ids

GROUPS_MAX = 50


def practice_ref(practice: Practice, excerpt: str | None = None) -> dict:
    """What a board shows of a sheet: a link, never its draft content."""
    data = {"id": practice.id, "title": practice.title, "status": practice.status,
            "url": url_for("practices.show", practice_id=practice.id)}
    if excerpt is not None:
        data["excerpt"] = excerpt
    return data


def _facilitator_user(ctx: Context) -> User:
    """The account behind the facilitator's seat: sheets are written in a person's name."""
    user = ctx.session.get(User, ctx.participant.user_id) if ctx.participant.user_id else None
    if user is None or not user.active:
        raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))
    return user


def _board_card(ctx: Context, card_id: object) -> Card:
    card = ctx.session.get(Card, clean_id(card_id, "card_id"))
    if card is None or card.workshop_id != ctx.workshop_id or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    return card


def _group_cards(session: Session, workshop_id: int, group_ids: list[int]) -> tuple[list[int], list[dict]]:
    """The cards of the board's groups, and the groups' names for the provenance."""
    if not group_ids:
        return [], []
    groups = list(session.scalars(select(CardGroup).where(CardGroup.id.in_(group_ids),
                                                          CardGroup.workshop_id == workshop_id,
                                                          CardGroup.deleted.is_(False))))
    if len(groups) != len(group_ids):
        raise NotFound(_("Ce regroupement n'existe plus."))
    card_ids = list(session.scalars(select(CardPlacement.card_id).join(Card, Card.id == CardPlacement.card_id)
                                    .where(CardPlacement.group_id.in_(group_ids), Card.deleted.is_(False))
                                    .order_by(CardPlacement.group_id, CardPlacement.position)))
    return card_ids, [{"id": g.id, "name": g.name, "column": g.column_key} for g in groups]


@command("practice.create", moderator=True, emits=("practice.created",))
def create_practice(ctx: Context, payload: dict) -> dict:
    user = _facilitator_user(ctx)
    group_ids = clean_ids(payload.get("group_ids"), "group_ids", GROUPS_MAX)
    card_ids = clean_ids(payload.get("card_ids"), "card_ids", CARDS_MAX)
    from_groups, groups = _group_cards(ctx.session, ctx.workshop_id, group_ids)
    card_ids = list(dict.fromkeys([*card_ids, *from_groups]))
    practice, used = provenance.create_from_cards(ctx.session, user, ctx.workshop_id, card_ids,
                                               payload.get("title"), groups)
    ref = practice_ref(practice)
    ctx.emit("practice.created", {"practice": ref, "card_ids": used})
    return {"practice": ref}


@command("practice.suggest", rate="CARD_RATE")  # a search per click: counted like card posts
def suggest(ctx: Context, payload: dict) -> dict:
    card = _board_card(ctx, payload.get("card_id"))
    mine = card.participant_id == ctx.participant.id
    if (card.hidden and not ctx.moderator) or ((card.private or (card.pending and not ctx.moderator)) and not mine):
        raise NotFound(_("Ce post-it n'existe plus."))  # its text is not the asker's to search with
    hits = search.suggestions(ctx.session, card.text)
    return {"practices": [practice_ref(h.practice, str(h.excerpt)) for h in hits]}


@command("practice.pin", moderator=True, emits=("practice.pinned",))
def pin(ctx: Context, payload: dict) -> None:
    _facilitator_user(ctx)
    practice = ctx.session.get(Practice, clean_id(payload.get("practice_id"), "practice_id"))
    if practice is None or practice.status != "published":
        raise NotFound(_("Seule une fiche publiée peut être épinglée."))
    card_id = payload.get("card_id")
    if card_id is not None:
        _board_card(ctx, card_id)
    existing = ctx.session.scalar(select(PracticePin).where(PracticePin.workshop_id == ctx.workshop_id,
                                                            PracticePin.practice_id == practice.id))
    if existing is not None:
        raise ValidationError(_("Cette fiche est déjà épinglée."), field="practice_id")
    ctx.session.add(PracticePin(workshop_id=ctx.workshop_id, practice_id=practice.id, card_id=card_id,
                                at=now()))
    ctx.emit("practice.pinned", {"practice": practice_ref(practice, practice.summary), "card_id": card_id})


@command("practice.unpin", moderator=True, emits=("practice.unpinned",))
def unpin(ctx: Context, payload: dict) -> None:
    _facilitator_user(ctx)
    practice_id = clean_id(payload.get("practice_id"), "practice_id")
    removed = ctx.session.execute(delete(PracticePin).where(PracticePin.workshop_id == ctx.workshop_id,
                                                            PracticePin.practice_id == practice_id)).rowcount
    if not removed:
        raise NotFound(_("Cette fiche n'est pas épinglée."))
    ctx.emit("practice.unpinned", {"practice_id": practice_id})


def board_links(session: Session, workshop_id: int) -> dict:
    """For a board (re)loading: which cards became which sheet, and the pinned sheets."""
    practices = [{**practice_ref(p), "card_ids": provenance.provenance_cards(p)}
                 for p in provenance.practices_of_workshop(session, workshop_id)]
    pins = session.execute(select(PracticePin, Practice).join(Practice, Practice.id == PracticePin.practice_id)
                           .where(PracticePin.workshop_id == workshop_id, Practice.status == "published")
                           .order_by(PracticePin.id)).all()
    return {"practices": practices,
            "pins": [{"practice": practice_ref(p, p.summary), "card_id": pin.card_id} for pin, p in pins]}
