"""Registration: places within capacity, the waiting list that moves up on cancellation, the personal link,
check-in on the day (walk-ins too), and the board seat a checked-in person opens without typing a name."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from workshop.boards import service as boards
from workshop.boards.models import Participant, Workshop
from workshop.boards.profiles import PROFILE_KINDS
from workshop.errors import Closed, Forbidden, NotFound, ValidationError
from workshop.i18n import LANGUAGES
from workshop.mail import tokens
from workshop.mapping.models import Structure
from workshop.meetings import service
from workshop.meetings.models import Meeting, Registration
from workshop.networks.models import Network
from workshop.validation import clean_name, clean_text

TOKEN_MAX = 100


def _lock(session: Session, meeting: Meeting) -> None:
    """Serialise registration changes of one meeting: the row update takes the PostgreSQL row lock (the SQLite
    write lock) until the caller commits, so two people never take the last place together."""
    session.execute(update(Meeting).where(Meeting.id == meeting.id)
                    .values(registrations_version=Meeting.registrations_version + 1),
                    execution_options={"synchronize_session": False})


def _email(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 254:
        raise ValidationError(_("Adresse e-mail invalide."), field="email")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(_("Adresse e-mail invalide."), field="email") from None


def _optional_id(session: Session, model, value: Any, field: str, message: str):
    if value in (None, "", 0):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or session.get(model, value) is None:
        raise ValidationError(message, field=field)
    return value


def _clean(session: Session, meeting: Meeting, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("profile_kind") or "other"
    if kind not in PROFILE_KINDS:
        raise ValidationError(_("Choisissez d'où vous venez dans la liste."), field="profile_kind")
    structure_id = _optional_id(session, Structure, data.get("structure_id"), "structure_id",
                                _("Cette structure n'est pas sur la carte : tapez son nom à la place."))
    workshop_id = data.get("workshop_id") or None
    if workshop_id is not None and service.workshop_of_meeting(meeting, workshop_id) is None:
        raise ValidationError(_("Cet atelier ne fait pas partie de la rencontre."), field="workshop_id")
    return {
        "name": clean_name(data.get("name"), "name", max_len=120, label=_("Nom")),
        "email": _email(data.get("email")),
        "profile_kind": kind,
        "structure_id": structure_id,
        "structure_name": clean_name(data.get("structure_name") or "", "structure_name", min_len=0, max_len=200,
                                     label=_("Structure")) if not structure_id else "",
        "city": clean_name(data.get("city") or "", "city", min_len=0, max_len=120, label=_("Ville")),
        "network_id": _optional_id(session, Network, data.get("network_id"), "network_id", _("Réseau inconnu.")),
        "role": clean_name(data.get("role") or "", "role", min_len=0, max_len=120, label=_("Fonction")),
        "workshop_id": workshop_id,
        "needs": clean_text(data.get("needs") or "", "needs", min_len=0, max_len=1000, label=_("Besoins")),
    }


def registered_count(session: Session, meeting_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting_id, Registration.status == "registered")) or 0


def is_full(session: Session, meeting: Meeting) -> bool:
    """Every place taken: a new registration goes on the waiting list."""
    return meeting.capacity is not None and registered_count(session, meeting.id) >= meeting.capacity


def register(session: Session, meeting: Meeting, data: dict[str, Any], *, walk_in: bool = False,
             actor: Any = None, language: str = "fr") -> tuple[Registration, str]:
    """A place if one is left, else the waiting list; returns the registration and its secret token (shown
    once, in the personal link). A walk-in, added by an organiser on the day, is present at once. `language` is
    the page's: the person's e-mails keep it."""
    if walk_in:
        service.require_organiser(session, actor, meeting)
    elif not service.registration_open(meeting):
        raise Closed(_("Les inscriptions à cette rencontre sont closes."))
    values = _clean(session, meeting, data)
    _lock(session, meeting)
    full = is_full(session, meeting)
    token, token_hash = tokens.new_token()
    registration = Registration(meeting_id=meeting.id, token_hash=token_hash, walk_in=walk_in,
                                status="waiting" if full and not walk_in else "registered",
                                checked_in_at=service.now() if walk_in else None,
                                language=language if language in LANGUAGES else "fr", **values)
    session.add(registration)
    session.flush()
    return registration, token


def by_token(session: Session, token: Any) -> Registration:
    if not isinstance(token, str) or not 10 <= len(token) <= TOKEN_MAX:
        raise NotFound(_("Ce lien d'inscription n'est pas (ou plus) valable."))
    registration = session.scalar(select(Registration).where(Registration.token_hash == tokens.digest(token)))
    if registration is None:
        raise NotFound(_("Ce lien d'inscription n'est pas (ou plus) valable."))
    return registration


def cancel(session: Session, registration: Registration) -> list[Registration]:
    """Cancel a place: the first people waiting move up while places are free; returns who moved up."""
    if registration.status == "cancelled":
        return []
    meeting = session.get(Meeting, registration.meeting_id)
    _lock(session, meeting)
    registration.status = "cancelled"
    session.flush()
    return promote(session, meeting)


def promote(session: Session, meeting: Meeting) -> list[Registration]:
    free = (meeting.capacity or 0) - registered_count(session, meeting.id) if meeting.capacity else None
    waiting = list(session.scalars(select(Registration).where(Registration.meeting_id == meeting.id,
                                                              Registration.status == "waiting")
                                   .order_by(Registration.id)))
    moved = waiting if free is None else waiting[:max(free, 0)]
    for person in moved:
        person.status = "registered"
    session.flush()
    return moved


def registrations(session: Session, meeting: Meeting, *, include_cancelled: bool = False) -> list[Registration]:
    """The meeting's registrations in order; their structures, networks and workshops (which the list, the CSV
    and the restitution show) are loaded in one query each, not one per person."""
    query = (select(Registration).where(Registration.meeting_id == meeting.id).order_by(Registration.id)
             .options(selectinload(Registration.structure),
                      selectinload(Registration.network), selectinload(Registration.workshop)))
    if not include_cancelled:
        query = query.where(Registration.status != "cancelled")
    return list(session.scalars(query))


def get_registration(session: Session, meeting: Meeting, registration_id: int) -> Registration:
    return service.of_meeting(session, Registration, meeting, registration_id, _("Inscription introuvable."))


def check_in(session: Session, actor: Any, meeting: Meeting, registration: Registration,
             present: bool = True) -> Registration:
    """Mark someone present (or not); someone waiting who is in the room takes a place."""
    service.require_organiser(session, actor, meeting)
    if registration.meeting_id != meeting.id or registration.status == "cancelled":
        raise ValidationError(_("Cette inscription est annulée."))
    if present and registration.status == "waiting":
        _lock(session, meeting)
        registration.status = "registered"
    registration.checked_in_at = service.now() if present else None
    session.flush()
    return registration


def choose_workshop(session: Session, registration: Registration, workshop_id: Any) -> None:
    meeting = session.get(Meeting, registration.meeting_id)
    if isinstance(workshop_id, bool) or not isinstance(workshop_id, int) \
            or service.workshop_of_meeting(meeting, workshop_id) is None:
        raise ValidationError(_("Cet atelier ne fait pas partie de la rencontre."), field="workshop_id")
    registration.workshop_id = workshop_id
    session.flush()


def open_board(session: Session, registration: Registration) -> tuple[Workshop, str]:
    """The board seat of a checked-in person, made once and kept: the same participant each time, with a fresh
    token handed to the board page (which restores seats by token). Returns the workshop and that token."""
    if registration.status != "registered" or registration.checked_in_at is None:
        raise Forbidden(_("Votre atelier s'ouvre une fois votre arrivée enregistrée à l'accueil."))
    meeting = session.get(Meeting, registration.meeting_id)
    workshop = service.workshop_of_meeting(meeting, registration.workshop_id)
    if workshop is None:
        raise ValidationError(_("Choisissez d'abord votre atelier."), field="workshop_id")
    seat = session.get(Participant, registration.participant_id) if registration.participant_id else None
    if seat is not None and seat.workshop_id == workshop.id:
        return workshop, boards.renew_token(session, seat)
    profile = {"kind": registration.profile_kind}  # said at registration: not asked again on the board
    if registration.structure_id is not None:
        profile["structure_id"] = registration.structure_id
    joined = boards.join(session, {"code": workshop.code, "name": registration.name[:boards.NAME_MAX],
                                   "profile": profile}, person=f"registration:{registration.id}")
    registration.participant_id = joined.participant.id
    session.flush()
    return workshop, joined.token


def walk_in_data(name: Any, profile_kind: Any, workshop_id: Any) -> dict[str, Any]:
    return {"name": name, "profile_kind": profile_kind or "other", "workshop_id": workshop_id or None}
