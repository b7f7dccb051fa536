"""Cards on a board, and closing the board: live commands of the boards domain."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from workshop.boards.models import Card, Participant, Workshop
from workshop.boards.service import now
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.formats.builtin import WRITE
from workshop.i18n import current_language
from workshop.live.commands import ANY_PHASE, command
from workshop.live.context import Context
from workshop.live.visibility import (
    anonymous_author,
    hidden_for_participants,
    owner_only_until_reveal,
    pending_for_author_and_moderators,
    policy,
)
from workshop.validation import clean_id, clean_text, clean_token

CARD_MAX = 500
# A pending card (moderated mode) reaches its author and moderators only, nothing of it anyone else.
# A hidden card reaches participants as its place only; a private one (written in a private phase, not yet
# revealed) shows its text to its author only; on an anonymous board nobody else learns who wrote it.
# The language a card was written in is provenance for facilitators: on an anonymous board it could point at its
# author, so nobody else receives it.
CARD = policy("card", "cards", rules=(pending_for_author_and_moderators,
                                      hidden_for_participants("card", "id", "client_id", "column"),
                                      owner_only_until_reveal("id", "client_id", "column"), anonymous_author),
              moderator_fields=("language",))
CARD_EVENTS = ("card.added", "card.updated", "card.deleted", "card.hidden", "card.shown", "card.accepted")


def card_dict(card: Card) -> dict:
    return card_fields(card, card.participant.name if card.participant else None)


# A card as plain columns and its author's name: a board's state and pages read these rather than Card objects
# with their participants loaded beside them (a second query, and object bookkeeping for every card).
CARD_COLUMNS = (Card.id, Card.client_id, Card.column_key, Card.text, Card.participant_id, Card.hidden, Card.private,
                Card.pending, Card.table_no, Card.language, Card.created_at, Card.updated_at,
                Participant.name.label("author"))


def card_fields(card: Any, author: str | None) -> dict:
    """The card's dict from a Card or a row of CARD_COLUMNS (`card_dict` for a Card)."""
    return {
        "id": card.id,
        "client_id": card.client_id,
        "column": card.column_key,
        "text": card.text,
        "author": author,
        "participant_id": card.participant_id,
        "hidden": card.hidden,
        "private": card.private,
        "pending": card.pending,
        "table": card.table_no,
        "language": card.language,
        "created_at": card.created_at.isoformat() if card.created_at else None,
        "updated_at": card.updated_at.isoformat() if card.updated_at else None,
    }


def card_text(payload: dict) -> str:
    """The card's text from a payload, cleaned and bounded (a new card, an edit, a moderator's accepted words)."""
    return clean_text(payload.get("text"), "text", max_len=CARD_MAX, label=_("Texte du post-it"))


def _column(workshop: Workshop, value: Any) -> str:
    """A column of the board (read from the loaded board: once per batch of cards, not once per card)."""
    if not isinstance(value, str) or all(column.key != value for column in workshop.columns):
        raise ValidationError(_("Colonne inconnue."), field="column")
    return value


@command("card.add", allows=WRITE, open_only=True, rate="CARD_RATE", emits=("card.added",), visibility=CARD,
         checks_first=True, keeps_board=True)
def add_card(ctx: Context, payload: dict) -> dict:
    """Post a card; a resend with the same client_id returns the first card and records nothing. Written with
    one INSERT of the table, not an ORM object and its flush (most of a card's CPU at 200 cards/s); the event is
    made from a Card built with what the INSERT wrote, left out of the session."""
    client_id = clean_token(payload.get("client_id"), "client_id")
    column = _column(ctx.workshop, payload.get("column"))
    text = card_text(payload)
    existing = _posted(ctx, client_id)
    if existing is not None:
        return {"card": card_dict(ctx.session.get(Card, existing))}
    posted = ctx.session.connection().execute(_INSERT, {
        "workshop_id": ctx.workshop_id, "participant_id": ctx.participant.id, "client_id": client_id,
        "column_key": column, "text": text, "created_at": now(), "private": bool(ctx.steering.phase.get("private")),
        "language": ctx.language or current_language(), "pending": bool(ctx.workshop.moderated) and not ctx.moderator,
        "table_no": ctx.steering.table_of(ctx.participant, column)})
    card = Card(id=posted.inserted_primary_key[0], **posted.last_inserted_params())  # the model's defaults too
    if ctx.batch is not None:
        ctx.batch.memo[_POSTED][client_id] = card.id
    data = card_fields(card, ctx.participant.name)
    ctx.emit("card.added", {"card": data})
    return {"card": data}


_INSERT = Card.__table__.insert()
_POSTED_IN = select(Card.client_id, Card.id).where(Card.workshop_id == bindparam("workshop_id"),
                                                   Card.client_id.in_(bindparam("client_ids", expanding=True)))
_POSTED = "cards.posted"  # a batch's memo: client_id -> id of the cards already posted


def _posted(ctx: Context, client_id: str) -> int | None:
    """The id of the card already posted under this client_id: for a batch, the card.add of all its commands are
    looked up in one query, then each card it posts is noted."""
    if ctx.batch is None:
        return ctx.session.scalar(select(Card.id).where(Card.workshop_id == ctx.workshop_id,
                                                        Card.client_id == client_id))
    posted = ctx.batch.memo.get(_POSTED)
    if posted is None:
        wanted = {p.get("client_id") for p in ctx.batch.payloads.get("card.add", ())} - {None}
        wanted = [w for w in wanted if isinstance(w, str)]
        posted = ctx.batch.memo[_POSTED] = dict(ctx.session.connection().execute(_POSTED_IN, {
            "workshop_id": ctx.workshop_id, "client_ids": wanted}).all()) if wanted else {}
    return posted.get(client_id)


def card_to_change(ctx: Context, payload: dict) -> Card:
    """The live card of this board that the payload's `id` names, if this person may change it: their own, or
    any card for a moderator."""
    card = ctx.session.get(Card, clean_id(payload.get("id")))
    if card is None or card.workshop_id != ctx.workshop_id or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    if not ctx.moderator and card.participant_id != ctx.participant.id:  # a system command has no participant
        raise Forbidden(_("Vous ne pouvez modifier que vos propres post-it."))
    return card


def emit_card_change(ctx: Context, card: Card, type_: str) -> dict:
    """Stamp a changed card, tell every screen (event `type_`) and answer it."""
    card.updated_at = now()
    ctx.session.flush()
    data = card_dict(card)
    ctx.emit(type_, {"card": data})
    return {"card": data}


@command("card.update", allows=WRITE, open_only=True, emits=("card.updated",), visibility=CARD)
def update_card(ctx: Context, payload: dict) -> dict:
    card = card_to_change(ctx, payload)
    text = card_text(payload)
    column = _column(ctx.workshop, payload.get("column", card.column_key))
    if text == card.text and column == card.column_key:
        return {"card": card_dict(card)}
    card.text, card.column_key = text, column
    if card.table_no is None:
        card.table_no = ctx.steering.table_of(ctx.participant, column)
    return emit_card_change(ctx, card, "card.updated")


def tombstone(card: Card, **extra: bool) -> dict:
    """What stays of a deleted card: its place, never its text or author. A pending card's tombstone stays
    pending and names its author's seat: it reaches them and moderators only, like the card did."""
    gone = {"id": card.id, "client_id": card.client_id, "column": card.column_key, "deleted": True, **extra}
    if card.pending:
        gone.update(pending=True, participant_id=card.participant_id)
    return gone


def erase(ctx: Context, card: Card, **extra: bool) -> dict:
    """Delete a card: its text leaves the board and the board's log, which keeps a tombstone."""
    gone = tombstone(card, **extra)
    card.deleted, card.text, card.updated_at = True, "", now()
    ctx.erase_logged((*CARD_EVENTS, "cards.revealed"), CARD.keys, card.id, gone)
    ctx.emit("card.deleted", {"card": gone})
    return {"card": gone}


@command("card.delete", allows=ANY_PHASE, emits=("card.deleted",), visibility=CARD)
def delete_card(ctx: Context, payload: dict) -> dict:
    """Delete a card: its text leaves the board and the board's log, which keeps a tombstone."""
    return erase(ctx, card_to_change(ctx, payload))


@command("card.hide", moderator=True, emits=("card.hidden", "card.shown"), visibility=CARD)
def set_card_hidden(ctx: Context, payload: dict) -> dict:
    """Hide a card from participants' screens (the facilitator still sees it, marked hidden)."""
    card = card_to_change(ctx, payload)
    hidden = payload.get("hidden", True)
    if not isinstance(hidden, bool):
        raise ValidationError(_("Valeur « hidden » invalide."), field="hidden")
    if card.hidden == hidden:
        return {"card": card_dict(card)}
    card.hidden = hidden
    return emit_card_change(ctx, card, "card.hidden" if hidden else "card.shown")


def _set_status(ctx: Context, status: str) -> None:
    if ctx.workshop.status != status:
        ctx.workshop.status = status
        ctx.emit("workshop.closed" if status == "closed" else "workshop.reopened", {"status": status})


@command("workshop.close", payload=False, moderator=True, emits=("workshop.closed",))
def close_workshop(ctx: Context, _payload: dict) -> None:
    """No more cards: the board stays readable, the facilitator may still tidy it."""
    _set_status(ctx, "closed")


@command("workshop.reopen", payload=False, moderator=True, emits=("workshop.reopened",))
def reopen_workshop(ctx: Context, _payload: dict) -> None:
    _set_status(ctx, "open")
