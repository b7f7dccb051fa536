"""Board rules: workshops, joining, cards and the event log. Used by views, socket handlers and CLI."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from workshop.accounts.models import User
from workshop.boards.formats import DEFAULT_FORMAT, FORMATS
from workshop.boards.models import BoardColumn, BoardEvent, Card, Participant, Workshop
from workshop.errors import Closed, DomainError, Forbidden, NotFound, ValidationError
from workshop.validation import clean_id, clean_text, clean_token, require_mapping

# No look-alikes: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CARD_MAX = 500
NAME_MAX = 60

# Hooks for other domains (facilitation). A guard may refuse a card change (locked board, phase) or mark the
# card (private writing); a state extension adds what a late arriver needs to the join state.
CARD_GUARDS: list[Callable[[Session, Participant, str, Card], None]] = []
STATE_EXTENSIONS: list[Callable[[Session, Workshop, Participant], dict]] = []


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- Workshops ------------------------------------------------------------------------------------


def generate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Accept what people type: lower case, spaces or dashes between the groups."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    """Show the code in two groups, easier to read aloud and type."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def create_workshop(
    session: Session,
    facilitator: User,
    title: str,
    *,
    description: str = "",
    place: str = "",
    held_on: date | None = None,
    format_key: str = DEFAULT_FORMAT,
) -> Workshop:
    """Create an open workshop with its format's columns and a fresh join code."""
    if not facilitator.can_facilitate:
        raise Forbidden(_("Seuls les animateur·rices et coordinateur·rices créent des ateliers."))
    title = clean_text(title, "title", max_len=200, label=_("Titre"))
    description = clean_text(description or "", "description", min_len=0, max_len=5000, label=_("Description"))
    place = clean_text(place or "", "place", min_len=0, max_len=200, label=_("Lieu"))
    fmt = FORMATS.get(format_key)
    if fmt is None:
        raise ValidationError(
            _("Format inconnu : %(k)s. Formats : %(all)s.", k=format_key, all=", ".join(FORMATS)),
            field="format",
        )
    workshop = Workshop(
        code=_unused_code(session),
        title=title,
        description=description,
        place=place,
        held_on=held_on,
        format_key=fmt.key,
        facilitator_id=facilitator.id,
        settings=dict(fmt.defaults),
    )
    workshop.columns = [
        BoardColumn(key=c.key, label_fr=c.label_fr, label_en=c.label_en, color=c.color, prompt=c.prompt,
                    position=i)
        for i, c in enumerate(fmt.columns)
    ]
    session.add(workshop)
    session.commit()
    return workshop


def _unused_code(session: Session) -> str:
    while True:
        code = generate_code()
        if session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code


def get_by_code(session: Session, raw_code: str) -> Workshop:
    code = normalise_code(raw_code)
    workshop = session.scalar(select(Workshop).where(Workshop.code == code)) if code else None
    if workshop is None:
        raise NotFound(_("Aucun atelier ne porte ce code. Vérifiez les lettres et les chiffres."))
    return workshop


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("Atelier introuvable."))
    return workshop


def workshops_for(session: Session, user: User) -> list[Workshop]:
    """Workshops a person runs; coordinators see every workshop."""
    query = select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id.desc())
    if not user.is_admin:
        query = query.where(Workshop.facilitator_id == user.id)
    return list(session.scalars(query))


def can_moderate(user: User | None, workshop: Workshop) -> bool:
    return bool(user and user.is_authenticated and (user.is_admin or user.id == workshop.facilitator_id))


def card_counts(session: Session, workshop_ids: list[int]) -> dict[int, int]:
    from sqlalchemy import func

    rows = session.execute(
        select(Card.workshop_id, func.count())
        .where(Card.workshop_id.in_(workshop_ids), Card.deleted.is_(False))
        .group_by(Card.workshop_id)
    )
    return dict(rows.all())


# --- Joining --------------------------------------------------------------------------------------


@dataclass
class Joined:
    participant: Participant
    token: str | None  # the plain token, only when it was (re)issued
    workshop: Workshop


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def join(session: Session, payload: Any, user: User | None = None) -> Joined:
    """Let someone onto a board: back as themselves by token, as facilitator by account, or by name."""
    payload = require_mapping(payload)
    workshop = get_by_code(session, payload.get("code") if isinstance(payload.get("code"), str) else "")
    token = payload.get("token")
    if token is not None and not isinstance(token, str):
        raise ValidationError(_("Jeton invalide."), field="token")
    if token:
        found = session.scalar(
            select(Participant).where(
                Participant.token_hash == _hash_token(token), Participant.workshop_id == workshop.id
            )
        )
        if found is not None:
            found.last_seen_at = now()
            session.commit()
            return Joined(found, token, workshop)
    if user is not None and user.is_authenticated:
        return _join_with_account(session, workshop, user)
    name = clean_text(payload.get("name"), "name", max_len=NAME_MAX, label=_("Prénom ou pseudo"))
    return _new_participant(session, workshop, name, role="participant")


def _join_with_account(session: Session, workshop: Workshop, user: User) -> Joined:
    role = "facilitator" if can_moderate(user, workshop) else "participant"
    found = session.scalar(
        select(Participant).where(Participant.workshop_id == workshop.id, Participant.user_id == user.id)
    )
    if found is None:
        return _new_participant(session, workshop, user.name[:NAME_MAX], role=role, user_id=user.id)
    found.role = role
    found.last_seen_at = now()
    token = secrets.token_urlsafe(24)
    found.token_hash = _hash_token(token)
    session.commit()
    return Joined(found, token, workshop)


def _new_participant(session: Session, workshop: Workshop, name: str, *, role: str,
                     user_id: int | None = None) -> Joined:
    token = secrets.token_urlsafe(24)
    participant = Participant(workshop_id=workshop.id, name=name, token_hash=_hash_token(token), role=role,
                              user_id=user_id, last_seen_at=now())
    session.add(participant)
    session.commit()
    return Joined(participant, token, workshop)


def participant_dict(participant: Participant, token: str | None = None) -> dict:
    data = {"id": participant.id, "name": participant.name, "role": participant.role}
    if token:
        data["token"] = token
    return data


def get_participant(session: Session, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(_("Participant·e introuvable : rejoignez à nouveau l'atelier."))
    return participant


# --- State and events -----------------------------------------------------------------------------


def is_moderator(participant: Participant) -> bool:
    return participant.role == "facilitator"


def card_dict(card: Card) -> dict:
    return {
        "id": card.id,
        "client_id": card.client_id,
        "column": card.column_key,
        "text": card.text,
        "author": card.participant.name if card.participant else None,
        "participant_id": card.participant_id,
        "hidden": card.hidden,
        "private": card.private,
        "table": card.table_no,
        "created_at": card.created_at.isoformat() if card.created_at else None,
        "updated_at": card.updated_at.isoformat() if card.updated_at else None,
    }


def _redacted(card: dict) -> dict:
    return {"id": card["id"], "client_id": card["client_id"], "column": card["column"], "hidden": True}


def workshop_dict(workshop: Workshop) -> dict:
    return {
        "id": workshop.id,
        "code": workshop.code,
        "title": workshop.title,
        "status": workshop.status,
        "format": workshop.format_key,
        "place": workshop.place,
        "held_on": workshop.held_on.isoformat() if workshop.held_on else None,
    }


def column_dicts(workshop: Workshop) -> list[dict]:
    return [
        {"key": c.key, "label": c.label_fr, "label_en": c.label_en, "color": c.color, "prompt": c.prompt}
        for c in workshop.columns
    ]


def board_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """Everything a screen needs to draw the board, as this viewer may see it."""
    cards = session.scalars(
        select(Card)
        .where(Card.workshop_id == workshop.id, Card.deleted.is_(False))
        .options(selectinload(Card.participant))
        .order_by(Card.id)
    )
    moderator = is_moderator(viewer)
    anonymous = bool((workshop.settings or {}).get("anonymous"))
    state = {
        "workshop": workshop_dict(workshop),
        "columns": column_dicts(workshop),
        "cards": [view_card(card_dict(c), viewer_id=viewer.id, moderator=moderator, anonymous=anonymous)
                  for c in cards if moderator or not c.hidden],
    }
    for extend in STATE_EXTENSIONS:
        state.update(extend(session, workshop, viewer))
    return state


def current_seq(session: Session, workshop_id: int) -> int:
    return session.scalar(select(Workshop.last_seq).where(Workshop.id == workshop_id)) or 0


def workshop_anonymous(session: Session, workshop_id: int) -> bool:
    """From the session's copy when the rule loaded the workshop (no query), else read."""
    workshop = session.get(Workshop, workshop_id)
    return bool(workshop and (workshop.settings or {}).get("anonymous"))


def view_card(card: dict, *, viewer_id: int | None = None, moderator: bool = False, anonymous: bool = False,
              hidden_ids: set[int] | None = None) -> dict:
    """A card as one viewer may see it: hidden ones redacted, private ones textless, authors kept anonymous."""
    mine = viewer_id is not None and card.get("participant_id") == viewer_id
    if not moderator and (card.get("hidden") or (hidden_ids and card["id"] in hidden_ids)):
        return _redacted(card)
    if card.get("private") and not mine:
        shown = {"id": card["id"], "client_id": card["client_id"], "column": card["column"], "private": True,
                 "hidden": card.get("hidden", False)}
        if moderator and not anonymous:  # the facilitator sees who has written, not what
            shown.update(author=card.get("author"), participant_id=card.get("participant_id"))
        return shown
    if anonymous and not mine and card.get("author") is not None:
        return {**card, "author": None, "participant_id": None}
    return card


def event_owner(event: dict) -> int | None:
    """The participant whose own object an event carries (their card, vote, reply...): they see more of it."""
    data = event.get("data") or {}
    for key in ("card", "vote", "reply", "reaction"):
        item = data.get(key)
        if isinstance(item, dict) and item.get("participant_id") is not None:
            return item["participant_id"]
    return None


def view_event(event: dict, *, viewer_id: int | None = None, moderator: bool = False, anonymous: bool = False,
               hidden_ids: set[int] | None = None) -> dict:
    """The version of an event one viewer may receive (the log keeps the full one)."""
    data = event["data"]
    seen: dict = {}
    view = {"viewer_id": viewer_id, "moderator": moderator, "anonymous": anonymous, "hidden_ids": hidden_ids}
    if isinstance(data.get("card"), dict):
        seen["card"] = view_card(data["card"], **view)
    if isinstance(data.get("cards"), list):
        seen["cards"] = [view_card(c, **view) for c in data["cards"]]
    for key in ("vote", "reply", "reaction"):
        item = data.get(key)
        if key == "reply" and isinstance(item, dict) and item.get("hidden") and not moderator:
            seen[key] = {"id": item["id"], "card_id": item["card_id"], "hidden": True}  # its author too
            continue
        if not isinstance(item, dict) or item.get("participant_id") in (None, viewer_id):
            continue
        if key == "vote":  # votes stay secret until the results are revealed
            seen[key] = None
        elif anonymous:
            seen[key] = {**item, "participant_id": None, "author": None}
    changed = {k: v for k, v in seen.items() if v is not data.get(k)}
    return {**event, "data": {**data, **changed}} if changed else event


def public_event(event: dict, hidden_ids: set[int] | None = None) -> dict:
    """The version of an event a participant (not the facilitator) may receive."""
    return view_event(event, hidden_ids=hidden_ids)


def events_since(session: Session, workshop_id: int, since: Any, viewer: Participant,
                 limit: int) -> list[dict] | None:
    """Events after `since`, as this viewer may see them; None when too far behind to replay."""
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        raise ValidationError(_("Numéro de séquence invalide."), field="since")
    last = current_seq(session, workshop_id)
    if last - since > limit:
        return None
    rows = session.scalars(
        select(BoardEvent)
        .where(BoardEvent.workshop_id == workshop_id, BoardEvent.seq > since)
        .order_by(BoardEvent.seq)
    )
    events = [_event_dict(e) for e in rows]
    moderator = is_moderator(viewer)
    hidden = None if moderator else set(
        session.scalars(select(Card.id).where(Card.workshop_id == workshop_id, Card.hidden.is_(True))))
    anonymous = workshop_anonymous(session, workshop_id)
    return [view_event(e, viewer_id=viewer.id, moderator=moderator, anonymous=anonymous, hidden_ids=hidden)
            for e in events]


def _event_dict(event: BoardEvent) -> dict:
    return {"seq": event.seq, "type": event.type, "data": event.payload}


def _record(session: Session, workshop_id: int, seq: int, type_: str, data: dict,
            actor: Participant | None) -> dict:
    session.add(BoardEvent(workshop_id=workshop_id, seq=seq, type=type_, payload=data,
                           actor_id=actor.id if actor else None))
    return {"seq": seq, "type": type_, "data": data}


def _next_seq(session: Session, workshop_id: int) -> tuple[int, str]:
    """Take the workshop's next seq; the row update serialises writers of one workshop."""
    row = session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id)
        .values(last_seq=Workshop.last_seq + 1)
        .returning(Workshop.last_seq, Workshop.status),
        execution_options={"synchronize_session": False},
    ).one()
    return row[0], row[1]


# --- Cards ----------------------------------------------------------------------------------------


@dataclass
class Change:
    """What a rule did: the card (as its author sees it), the event to broadcast, more for the ack."""

    card: dict | None
    event: dict | None
    extra: dict | None = None


def _column_keys(session: Session, workshop_id: int) -> list[str]:
    return list(session.scalars(select(BoardColumn.key).where(BoardColumn.workshop_id == workshop_id)))


def _card_text(payload: dict) -> str:
    return clean_text(payload.get("text"), "text", max_len=CARD_MAX, label=_("Texte du post-it"))


def add_card(session: Session, participant: Participant, payload: Any) -> Change:
    """Post a card; a resend with the same client_id returns the first card and records nothing."""
    payload = require_mapping(payload)
    client_id = clean_token(payload.get("client_id"), "client_id")
    column = payload.get("column")
    if not isinstance(column, str) or column not in _column_keys(session, participant.workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    text = _card_text(payload)
    existing = _card_by_client_id(session, participant.workshop_id, client_id)
    if existing is not None:
        return Change(card_dict(existing), None)
    seq, status = _next_seq(session, participant.workshop_id)
    if status != "open":
        session.rollback()
        raise Closed()
    card = Card(workshop_id=participant.workshop_id, participant_id=participant.id, client_id=client_id,
                column_key=column, text=text, created_at=now())
    _guard(session, participant, "card.added", card)
    session.add(card)
    try:
        session.flush()
        data = card_dict(card)
        event = _record(session, participant.workshop_id, seq, "card.added", {"card": data}, participant)
        session.commit()
    except IntegrityError:  # the same client_id raced in from another connection
        session.rollback()
        return Change(card_dict(_card_by_client_id(session, participant.workshop_id, client_id)), None)
    return Change(data, event)


def _guard(session: Session, participant: Participant, action: str, card: Card) -> None:
    """Let other domains refuse a card change (locked board, phase) or mark the card (private writing)."""
    try:
        for guard in CARD_GUARDS:
            guard(session, participant, action, card)
    except DomainError:
        session.rollback()
        raise


def _card_by_client_id(session: Session, workshop_id: int, client_id: str) -> Card | None:
    return session.scalar(
        select(Card).where(Card.workshop_id == workshop_id, Card.client_id == client_id)
    )


def _own_card(session: Session, participant: Participant, payload: Any) -> Card:
    payload = require_mapping(payload)
    card = session.get(Card, clean_id(payload.get("id")))
    if card is None or card.workshop_id != participant.workshop_id or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    if card.participant_id != participant.id and not is_moderator(participant):
        raise Forbidden(_("Vous ne pouvez modifier que vos propres post-it."))
    return card


def _change_card(session: Session, participant: Participant, card: Card, type_: str, *,
                 allow_closed: bool = False) -> Change:
    seq, status = _next_seq(session, participant.workshop_id)
    if status != "open" and not allow_closed:
        session.rollback()
        raise Closed()
    _guard(session, participant, type_, card)
    card.updated_at = now()
    session.flush()
    data = card_dict(card)
    event = _record(session, participant.workshop_id, seq, type_, {"card": data}, participant)
    session.commit()
    return Change(data, event)


def update_card(session: Session, participant: Participant, payload: Any) -> Change:
    card = _own_card(session, participant, payload)
    text = _card_text(payload)
    column = payload.get("column", card.column_key)
    if column not in _column_keys(session, participant.workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    if text == card.text and column == card.column_key:
        return Change(card_dict(card), None)
    card.text, card.column_key = text, column
    return _change_card(session, participant, card, "card.updated")


def delete_card(session: Session, participant: Participant, payload: Any) -> Change:
    card = _own_card(session, participant, payload)
    card.deleted = True
    change = _change_card(session, participant, card, "card.deleted", allow_closed=is_moderator(participant))
    return change


def set_card_hidden(session: Session, participant: Participant, payload: Any) -> Change:
    """Hide a card from participants' screens (the facilitator still sees it, marked hidden)."""
    _require_moderator(participant)
    card = _own_card(session, participant, payload)
    hidden = require_mapping(payload).get("hidden", True)
    if not isinstance(hidden, bool):
        raise ValidationError(_("Valeur « hidden » invalide."), field="hidden")
    if card.hidden == hidden:
        return Change(card_dict(card), None)
    card.hidden = hidden
    return _change_card(session, participant, card, "card.hidden" if hidden else "card.shown",
                        allow_closed=True)


def _require_moderator(participant: Participant) -> None:
    if not is_moderator(participant):
        raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))


def set_status(session: Session, participant: Participant, status: str) -> Change:
    """Close (no more cards) or reopen the workshop."""
    _require_moderator(participant)
    workshop = get_workshop(session, participant.workshop_id)
    if workshop.status == status:
        return Change(None, None)
    seq, _status = _next_seq(session, workshop.id)
    session.execute(update(Workshop).where(Workshop.id == workshop.id).values(status=status))
    event = _record(session, workshop.id, seq, "workshop.closed" if status == "closed" else "workshop.reopened",
                    {"status": status}, participant)
    session.commit()
    session.refresh(workshop)
    return Change(None, event)
