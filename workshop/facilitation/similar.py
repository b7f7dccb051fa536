"""Similar cards: hints while someone types (to avoid duplicates) and groups suggested to the facilitator."""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from workshop.boards.cards import CARD_MAX
from workshop.boards.models import Card
from workshop.facilitation.models import CardPlacement
from workshop.greenlets import cooperate
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_text

SIMILAR_CUTOFF = 70
GROUP_CUTOFF = 75


def _visible_cards(ctx: Context) -> list[Card]:
    cards = ctx.session.scalars(select(Card).where(Card.workshop_id == ctx.workshop_id, Card.deleted.is_(False),
                                                   Card.hidden.is_(False), Card.pending.is_(False)))
    return [c for c in cards if not c.private or c.participant_id == ctx.participant.id]


@dataclass(frozen=True)
class Choices:
    """The cards everyone may see on a board at one seq, their text already normalised for matching."""

    ids: list[int]
    texts: list[str]  # as rapidfuzz's default_process makes them
    rows: dict[int, tuple[str, str]]  # id -> (text, column)


# workshop id -> ((its code, its seq), its shared cards): a spammer's hints reuse them until the board changes (every
# change of a card takes a seq). The code is in the version: an id freed by an erased workshop and taken again (a
# SQLite rowid can be) must not hand the new board the old one's cards. A few boards at a time; under gevent every
# board of the process shares this dict.
_CHOICES: OrderedDict[int, tuple[tuple[str, int], Choices]] = OrderedDict()
CHOICES_BOARDS = 16
MATCH_PIECE = 500  # cards matched at a time: the other greenlets run between pieces (6,000 cards: 12 pieces)


def _choices(rows, process) -> Choices:
    return Choices([r.id for r in rows], [process(r.text) for r in rows], {r.id: (r.text, r.column_key) for r in rows})


def _shared_choices(ctx: Context, process) -> Choices:
    version = (ctx.workshop.code, ctx.current_seq())
    cached = _CHOICES.get(ctx.workshop_id)
    if cached is not None and cached[0] == version:
        _CHOICES.move_to_end(ctx.workshop_id)
        return cached[1]
    choices, after = Choices([], [], {}), 0
    while True:  # read by pieces too: a 6,000-card board's first read is no single long stretch either
        rows = ctx.session.execute(select(Card.id, Card.text, Card.column_key).where(
            Card.workshop_id == ctx.workshop_id, Card.id > after, Card.deleted.is_(False), Card.hidden.is_(False),
            Card.private.is_(False), Card.pending.is_(False)).order_by(Card.id).limit(MATCH_PIECE)).all()
        piece = _choices(rows, process)
        choices.ids.extend(piece.ids)
        choices.texts.extend(piece.texts)
        choices.rows.update(piece.rows)
        if len(rows) < MATCH_PIECE:
            break
        after = rows[-1].id
        cooperate()
    _CHOICES[ctx.workshop_id] = (version, choices)
    _CHOICES.move_to_end(ctx.workshop_id)
    while len(_CHOICES) > CHOICES_BOARDS:
        _CHOICES.popitem(last=False)
    return choices


@command("card.similar", rate="SIMILAR_RATE")  # a fuzzy match over the whole board per call
def similar_cards(ctx: Context, payload: dict) -> dict:
    """Cards close to what someone is typing (only cards they may see). The board's shared cards are read and
    normalised once per seq, the match runs by pieces: at 6,000 cards one call held every board ~250 ms."""
    from rapidfuzz import fuzz, process, utils  # kept off the web process's start-up path

    text = clean_text(payload.get("text"), "text", max_len=CARD_MAX, label=_("Texte du post-it"))
    if len(text) < 4:
        return {"similar": []}
    query = utils.default_process(text)
    # Their own private or pending cards, which only they see (a handful: never cached).
    own = _choices(ctx.session.execute(select(Card.id, Card.text, Card.column_key).where(
        Card.workshop_id == ctx.workshop_id, Card.participant_id == ctx.participant.id, Card.deleted.is_(False),
        Card.hidden.is_(False), Card.private.is_(True) | Card.pending.is_(True))).all(), utils.default_process)
    shared = _shared_choices(ctx, utils.default_process)
    found: list[tuple[float, int, int]] = []  # (score, -id, id): the best score first, then the older card
    for choices in (shared, own):
        for start in range(0, len(choices.ids), MATCH_PIECE):
            if start:
                cooperate()
            for _match, score, index in process.extract(query, choices.texts[start:start + MATCH_PIECE],
                                                        scorer=fuzz.token_set_ratio, processor=None,
                                                        score_cutoff=SIMILAR_CUTOFF, limit=3):
                key = choices.ids[start + index]
                found.append((score, -key, key))
    rows = {**shared.rows, **own.rows}
    return {"similar": [{"id": key, "text": rows[key][0], "column": rows[key][1], "score": round(score)}
                        for score, _neg, key in heapq.nlargest(3, found)]}


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
