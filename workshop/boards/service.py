"""Board rules: workshops, join codes and joining. Used by views, the live kernel's host and the CLI."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, make_transient_to_detached

from workshop.accounts.models import User
from workshop.boards.models import BoardColumn, Card, Participant, Workshop
from workshop.boards.profiles import clean_profile
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.formats.builtin import DEFAULT_FORMAT
from workshop.formats.service import setup_for
from workshop.live.context import Joined
from workshop.validation import clean_name, clean_text, require_mapping

# No look-alikes: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
NAME_MAX = 60


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
    """Create an open workshop with its format's columns (built-in or saved) and a fresh join code."""
    if not facilitator.can_facilitate:
        raise Forbidden(_("Seuls les animateur·rices et coordinateur·rices créent des ateliers."))
    title = clean_name(title, "title", max_len=200, label=_("Titre"))
    description = clean_text(description or "", "description", min_len=0, max_len=5000, label=_("Description"))
    place = clean_text(place or "", "place", min_len=0, max_len=200, label=_("Lieu"))
    setup = setup_for(session, facilitator, format_key)
    workshop = Workshop(
        code=_unused_code(session),
        title=title,
        description=description,
        place=place,
        held_on=held_on,
        format_key=setup.format_key,
        facilitator_id=facilitator.id,
        settings=setup.settings,
    )
    workshop.columns = [
        BoardColumn(key=c["key"], label_fr=c["label"], label_en=c.get("label_en") or c["label"], color=c["color"],
                    prompt=c.get("prompt", ""), position=i)
        for i, c in enumerate(setup.columns)
    ]
    session.add(workshop)
    session.flush()
    return workshop


def _unused_code(session: Session) -> str:
    while True:
        code = generate_code()
        if session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code


# Statements of the join path built once: building and keying one cost about as much as running it.
_BY_CODE = select(Workshop).where(Workshop.code == bindparam("code"))
_SEQ = select(Workshop.last_seq).where(Workshop.id == bindparam("id"))
_BY_TOKEN = select(Participant).where(Participant.token_hash == bindparam("token_hash"),
                                      Participant.workshop_id == bindparam("workshop_id"))
# Built once: building and keying a statement cost more CPU than SQLite takes to run it (a card's hot path).
_BY_IDS = select(Participant).where(Participant.id.in_(bindparam("ids", expanding=True)))
_WORKSHOPS = Workshop.__table__
_NEXT_SEQ = (_WORKSHOPS.update().where(_WORKSHOPS.c.id == bindparam("workshop_id"))
             .values(last_seq=_WORKSHOPS.c.last_seq + 1).returning(_WORKSHOPS.c.last_seq, _WORKSHOPS.c.status))
_PARTICIPANTS = Participant.__table__
_NEW_PARTICIPANT = _PARTICIPANTS.insert().returning(*_PARTICIPANTS.c)
_SET_SEQ = _WORKSHOPS.update().where(_WORKSHOPS.c.id == bindparam("workshop_id")).values(last_seq=bindparam("seq"))


def get_by_code(session: Session, raw_code: str) -> Workshop:
    code = normalise_code(raw_code)
    workshop = session.scalar(_BY_CODE, {"code": code}) if code else None
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
    rows = session.execute(
        select(Card.workshop_id, func.count())
        .where(Card.workshop_id.in_(workshop_ids), Card.deleted.is_(False))
        .group_by(Card.workshop_id)
    )
    return dict(rows.all())


# --- Joining --------------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


Admission = Callable[[Session, Workshop, User | None], None]  # raises Forbidden to keep someone off a board


def join(session: Session, payload: Any, user: User | None = None, *, person: str | None = None,
         admit: Admission | None = None) -> Joined:
    """Let someone onto a board: back as themselves by token, as facilitator by account, or by name; a new seat
    by name belongs to `person` (who is behind it: same socket or device), so budgets follow the person.
    `admit` (the live host's admission checks) may refuse the account, or the absence of one, on this board."""
    payload = require_mapping(payload)
    workshop = get_by_code(session, payload.get("code") if isinstance(payload.get("code"), str) else "")
    if admit is not None:
        admit(session, workshop, user)
    profile = clean_profile(session, payload.get("profile"))
    joined = _seat(session, workshop, payload, user, person)
    if profile is not None:  # said at join, or changed on a re-join
        joined.participant.profile, joined.participant.structure_id = profile
        session.flush()
    return joined


def _seat(session: Session, workshop: Workshop, payload: dict, user: User | None, person: str | None) -> Joined:
    token = payload.get("token")
    if token is not None and not isinstance(token, str):
        raise ValidationError(_("Jeton invalide."), field="token")
    if token:
        found = find_by_token(session, workshop.id, token)
        if found is not None and found.user_id is None:
            found.last_seen_at = now()
            session.flush()
            return Joined(found, token, workshop)
        # An account's seat (a facilitator's above all) is never taken back by its token alone: only with that
        # account's login, below. A shared computer gives the next person a seat of their own.
    if user is not None and user.is_authenticated:
        return _join_with_account(session, workshop, user)
    name = clean_name(payload.get("name"), "name", max_len=NAME_MAX, label=_l("Prénom ou pseudo"))
    return _new_participant(session, workshop, name, role="participant", person=person)


def _join_with_account(session: Session, workshop: Workshop, user: User) -> Joined:
    role = "facilitator" if can_moderate(user, workshop) else "participant"
    found = session.scalar(
        select(Participant).where(Participant.workshop_id == workshop.id, Participant.user_id == user.id)
    )
    if found is None:
        return _new_participant(session, workshop, user.name[:NAME_MAX], role=role, user_id=user.id,
                                person=f"user:{user.id}")
    found.role = role
    return Joined(found, renew_token(session, found), workshop)


def _new_participant(session: Session, workshop: Workshop, name: str, *, role: str,
                     user_id: int | None = None, person: str | None = None) -> Joined:
    token = secrets.token_urlsafe(24)
    # One Core INSERT ... RETURNING the row, made a Participant of this session as if loaded: the ORM's own
    # INSERT of an entity (unit of work, or its bulk path returning the entity) cost a quarter of a join's handler.
    row = session.execute(_NEW_PARTICIPANT, dict(
        workshop_id=workshop.id, name=name, token_hash=_hash_token(token), role=role, user_id=user_id,
        last_seen_at=now(), person=person)).one()
    participant = Participant(**row._asdict())
    make_transient_to_detached(participant)
    session.add(participant)
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


def participants_by_id(session: Session, ids: Iterable[int]) -> dict[int, Participant]:
    """Several participants in one query (the live kernel reads those of a batch of commands together)."""
    return {p.id: p for p in session.scalars(_BY_IDS, {"ids": list(ids)})}


def same_person(participant: Participant):
    """A SQL condition matching the seats of the person behind `participant` on its board (itself alone when
    no person is known, e.g. seats made by scripts)."""
    if participant.person is None:
        return Participant.id == participant.id
    return (Participant.workshop_id == participant.workshop_id) & (Participant.person == participant.person)


def is_moderator(participant: Participant) -> bool:
    """The facilitator's seat, while its account is active (a disabled account moderates nothing more)."""
    return participant.role == "facilitator" and participant.user is not None and participant.user.active



def workshop_dict(workshop: Workshop) -> dict:
    return {
        "id": workshop.id,
        "code": workshop.code,
        "title": workshop.title,
        "status": workshop.status,
        "format": workshop.format_key,
        "place": workshop.place,
        "held_on": workshop.held_on.isoformat() if workshop.held_on else None,
        "moderated": bool(workshop.moderated),
    }


def column_dicts(workshop: Workshop) -> list[dict]:
    return [
        {"key": c.key, "label": c.label_fr, "label_en": c.label_en, "color": c.color, "prompt": c.prompt}
        for c in workshop.columns
    ]


def column_keys(session: Session, workshop_id: int) -> list[str]:
    return list(session.scalars(select(BoardColumn.key).where(BoardColumn.workshop_id == workshop_id)))


def current_seq(session: Session, workshop_id: int) -> int:
    return session.scalar(_SEQ, {"id": workshop_id}) or 0


def next_seq(session: Session, workshop_id: int) -> tuple[int, bool]:
    """Take the workshop's next seq; the row update serialises writers of one workshop (across processes)."""
    row = session.connection().execute(_NEXT_SEQ, {"workshop_id": workshop_id}).one()  # no ORM object to sync
    return row[0], row[1] == "open"


def set_seq(session: Session, workshop_id: int, seq: int) -> None:
    """Store the seq a batch of board commands reached (after `next_seq` took the row's lock)."""
    session.connection().execute(_SET_SEQ, {"workshop_id": workshop_id, "seq": seq})


def find_by_token(session: Session, workshop_id: int, token: str) -> Participant | None:
    """The seat a board token opens on this workshop, or None: joining and the privacy pages (a participant's
    data, from their token) both recognise a person this way."""
    return session.scalar(_BY_TOKEN, {"token_hash": _hash_token(token), "workshop_id": workshop_id})


def renew_token(session: Session, participant: Participant) -> str:
    """A fresh token for an existing seat, seen now; the old token stops working (an account's seat at each
    join, a checked-in registrant's seat that a meeting hands to their board page)."""
    token = secrets.token_urlsafe(24)
    participant.token_hash = _hash_token(token)
    participant.last_seen_at = now()
    session.flush()
    return token
