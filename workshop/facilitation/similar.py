"""Similar cards: hints while someone types (to avoid duplicates) and groups suggested to the facilitator."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from workshop.boards.cards import CARD_MAX
from workshop.boards.models import Card
from workshop.facilitation.models import CardPlacement
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_text

SIMILAR_CUTOFF = 70
GROUP_CUTOFF = 75


def _visible_cards(ctx: Context) -> list[Card]:
    cards = ctx.session.scalars(select(Card).where(Card.workshop_id == ctx.workshop_id, Card.deleted.is_(False),
                                                   Card.hidden.is_(False), Card.pending.is_(False)))
    return [c for c in cards if not c.private or c.participant_id == ctx.participant.id]


@command("card.similar", rate="SIMILAR_RATE")  # a fuzzy match over the whole board per call
def similar_cards(ctx: Context, payload: dict) -> dict:
    """Cards close to what someone is typing (only cards they may see)."""
    from rapidfuzz import fuzz, process, utils  # kept off the web process's start-up path

    text = clean_text(payload.get("text"), "text", max_len=CARD_MAX, label=_("Texte du post-it"))
    if len(text) < 4:
        return {"similar": []}
    # Plain rows, not Card objects: at 6,000 cards, loading objects cost ten times the match itself.
    rows = ctx.session.execute(select(Card.id, Card.text, Card.column_key).where(
        Card.workshop_id == ctx.workshop_id, Card.deleted.is_(False), Card.hidden.is_(False),
        (Card.private.is_(False) & Card.pending.is_(False)) | (Card.participant_id == ctx.participant.id))).all()
    found = process.extract(text, {r.id: r.text for r in rows}, scorer=fuzz.token_set_ratio,
                            processor=utils.default_process, score_cutoff=SIMILAR_CUTOFF, limit=3)
    by_id = {r.id: r for r in rows}
    return {"similar": [{"id": key, "text": by_id[key].text, "column": by_id[key].column_key, "score": round(score)}
                        for _text, score, key in found]}


@command("groups.suggest", payload=False, moderator=True)
def suggest_groups(ctx: Context, _payload: dict) -> dict:
    """Clusters of similar loose cards, per column, for the facilitator to accept (group.create) or dismiss."""
    from rapidfuzz import fuzz, utils  # kept off the web process's start-up path

    placed = set(ctx.session.scalars(select(CardPlacement.card_id).where(
        CardPlacement.workshop_id == ctx.workshop_id, CardPlacement.group_id.is_not(None))))
    cards = [c for c in _visible_cards(ctx) if c.id not in placed and not c.private]
    suggestions, used = [], set()
    for card in cards:
        if card.id in used:
            continue
        mates = [o for o in cards if o.id != card.id and o.id not in used and o.column_key == card.column_key
                 and fuzz.token_set_ratio(card.text, o.text, processor=utils.default_process) >= GROUP_CUTOFF]
        if mates:
            ids = [card.id, *(o.id for o in mates)]
            used.update(ids)
            suggestions.append({"column": card.column_key, "card_ids": ids, "name": card.text[:60]})
    return {"suggestions": suggestions}
