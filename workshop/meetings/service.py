"""Meeting rules: creation and edition, who organises, the public list, the programme and its workshops."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.formats.builtin import DEFAULT_FORMAT
from workshop.mapping.models import Structure
from workshop.meetings.models import AgendaItem, ChecklistTask, Meeting, MeetingWorkshop, meeting_network
from workshop.meetings.vocabulary import ITEM_KINDS, KINDS
from workshop.networks import service as networks
from workshop.networks.models import Network
from workshop.validation import clean_name, clean_text

CAPACITY_MAX = 5000
PARALLEL_MAX = 12
TITLE_MAX = 200


# Meetings are held in France: times are stored as the wall-clock time people type and read there.
TIMEZONE = "Europe/Paris"


def now() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


def local_time(value: datetime) -> datetime:
    """A typed date-time as the wall-clock time of the meeting: an explicit offset is converted, none is kept."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("Rencontre introuvable."))
    return meeting


def get_by_code(session: Session, raw_code: str) -> Meeting:
    code = boards.normalise_code(raw_code)
    meeting = session.scalar(select(Meeting).where(Meeting.code == code)) if code else None
    if meeting is None:
        raise NotFound(_("Aucune rencontre ne porte ce code."))
    return meeting


def of_meeting(session: Session, model, meeting: Meeting, record_id: int, message: str):
    """A row of `model` that belongs to this meeting, else NotFound (an id of another meeting is not found)."""
    found = session.get(model, record_id)
    if found is None or found.meeting_id != meeting.id:
        raise NotFound(message)
    return found


def _unused_code(session: Session) -> str:
    while True:
        code = boards.generate_code()
        if session.scalar(select(Meeting.id).where(Meeting.code == code)) is None:
            return code


# --- Rights -----------------------------------------------------------------------------------------


def network_ids(session: Session, meeting: Meeting) -> set[int]:
    return set(session.scalars(select(meeting_network.c.network_id)
                               .where(meeting_network.c.meeting_id == meeting.id)))


def is_organiser(session: Session, user: Any, meeting: Meeting) -> bool:
    """Admins, the meeting's organiser and the coordinators of its organising networks."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin or user.id == meeting.organiser_id:
        return True
    return bool(network_ids(session, meeting) & networks.coordinated_network_ids(session, user))


def require_organiser(session: Session, user: Any, meeting: Meeting) -> None:
    if not is_organiser(session, user, meeting):
        raise Forbidden(_("Seul·es les organisateur·rices de la rencontre peuvent faire cela."))


def visible(session: Session, user: Any, meeting: Meeting) -> bool:
    """A public meeting is seen by all; one by invitation by its organisers, or by all once published."""
    return meeting.public or meeting.published or is_organiser(session, user, meeting)


def restitution_visible(session: Session, user: Any, meeting: Meeting) -> bool:
    """The restitution (page and PDF): public once published, before that its organisers' draft."""
    return meeting.published or is_organiser(session, user, meeting)


def registration_open(meeting: Meeting) -> bool:
    """Registrations are taken while the organisers keep them open and the meeting has not ended."""
    return meeting.registration_open and meeting.ends_at >= now()


# --- Meetings -----------------------------------------------------------------------------------------


def _clean(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind") or "working_time"
    if kind not in KINDS:
        raise ValidationError(_("Type de rencontre inconnu."), field="kind")
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, datetime):
        raise ValidationError(_("Indiquez la date et l'heure de début."), field="starts_at")
    ends = ends if isinstance(ends, datetime) else starts + timedelta(hours=3)
    if ends <= starts or ends - starts > timedelta(days=7):
        raise ValidationError(_("La fin doit suivre le début (une rencontre dure au plus 7 jours)."),
                              field="ends_at")
    if not date(2000, 1, 1) <= starts.date() <= date(2100, 1, 1):
        raise ValidationError(_("Date de début invalide."), field="starts_at")
    capacity = data.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 1 <= capacity <= CAPACITY_MAX):
        raise ValidationError(_("La jauge doit être un nombre entre 1 et %(n)d.", n=CAPACITY_MAX), field="capacity")
    structure_id = data.get("structure_id")
    if structure_id is not None and session.get(Structure, structure_id) is None:
        raise ValidationError(_("Cette structure n'est pas sur la carte."), field="structure_id")
    return {
        "title": clean_name(data.get("title"), "title", max_len=TITLE_MAX, label=_("Titre")),
        "kind": kind, "starts_at": starts, "ends_at": ends, "capacity": capacity, "structure_id": structure_id,
        "place": clean_text(data.get("place") or "", "place", min_len=0, max_len=300, label=_("Lieu")),
        "description": clean_text(data.get("description") or "", "description", min_len=0, max_len=5000,
                                  label=_("Description")),
        "public": bool(data.get("public", True)),
    }


def create_meeting(session: Session, organiser: User, data: dict[str, Any],
                   network_ids_: list[int] | None = None) -> Meeting:
    """A meeting, public and open for registration unless said otherwise; its organiser must facilitate."""
    if not organiser.can_facilitate:
        raise Forbidden(_("Seul·es les animateur·rices et coordinateur·rices organisent des rencontres."))
    meeting = Meeting(code=_unused_code(session), organiser_id=organiser.id, **_clean(session, data))
    session.add(meeting)
    session.flush()
    set_networks(session, meeting, network_ids_ or [])
    return meeting


def update_meeting(session: Session, actor: User, meeting: Meeting, data: dict[str, Any],
                   network_ids_: list[int] | None = None) -> Meeting:
    require_organiser(session, actor, meeting)
    for key, value in _clean(session, data).items():
        setattr(meeting, key, value)
    meeting.registration_open = bool(data.get("registration_open", meeting.registration_open))
    if network_ids_ is not None:
        set_networks(session, meeting, network_ids_)
    session.flush()
    return meeting


def set_networks(session: Session, meeting: Meeting, ids: list[int]) -> None:
    known = set(session.scalars(select(Network.id).where(Network.id.in_(ids)))) if ids else set()
    if set(ids) - known:
        raise ValidationError(_("Réseau inconnu."), field="networks")
    session.execute(meeting_network.delete().where(meeting_network.c.meeting_id == meeting.id))
    for network_id in sorted(known):
        session.execute(meeting_network.insert().values(meeting_id=meeting.id, network_id=network_id))


def meeting_networks(session: Session, meeting: Meeting) -> list[Network]:
    return list(session.scalars(select(Network).join(meeting_network).where(meeting_network.c.meeting_id == meeting.id)
                                .order_by(Network.name)))


def public_meetings(session: Session, moment: datetime | None = None) -> tuple[list[Meeting], list[Meeting]]:
    """Public meetings (and published restitutions): upcoming soonest first, then past latest first."""
    moment = moment or now()
    shown = list(session.scalars(select(Meeting).where(Meeting.public.is_(True) | Meeting.published.is_(True))
                                 .order_by(Meeting.starts_at)))
    upcoming = [m for m in shown if m.ends_at >= moment]
    past = [m for m in reversed(shown) if m.ends_at < moment]
    return upcoming, past


def organised_by(session: Session, user: User) -> list[Meeting]:
    """The meetings `user` organises (`is_organiser`'s rule as one query, not two queries per meeting)."""
    query = select(Meeting).order_by(Meeting.starts_at.desc())
    if not user.is_admin:
        coordinated = select(meeting_network.c.meeting_id).where(
            meeting_network.c.network_id.in_(list(networks.coordinated_network_ids(session, user))))
        query = query.where((Meeting.organiser_id == user.id) | Meeting.id.in_(coordinated))
    return list(session.scalars(query))


def set_synthesis(session: Session, actor: User, meeting: Meeting, text: Any, *, published: bool) -> None:
    require_organiser(session, actor, meeting)
    meeting.synthesis = clean_text(text or "", "synthesis", min_len=0, max_len=20_000, label=_("Synthèse"))
    meeting.published = published
    session.flush()


# --- Programme ------------------------------------------------------------------------------------


def _item_times(meeting: Meeting, starts: Any, ends: Any) -> tuple[datetime, datetime]:
    if not isinstance(starts, datetime) or not isinstance(ends, datetime) or ends <= starts:
        raise ValidationError(_("L'horaire doit avoir un début et une fin, dans cet ordre."), field="starts_at")
    if starts < meeting.starts_at - timedelta(hours=12) or ends > meeting.ends_at + timedelta(hours=12):
        raise ValidationError(_("Cet horaire sort de la journée de la rencontre."), field="starts_at")
    return starts, ends


def add_item(session: Session, actor: User, meeting: Meeting, data: dict[str, Any]) -> AgendaItem:
    """A plenary or a break (a parallel slot comes with its workshops: `add_parallel_slot`)."""
    require_organiser(session, actor, meeting)
    kind = data.get("kind") or "plenary"
    if kind not in ITEM_KINDS:
        raise ValidationError(_("Type de séquence inconnu."), field="kind")
    starts, ends = _item_times(meeting, data.get("starts_at"), data.get("ends_at"))
    item = AgendaItem(meeting_id=meeting.id, kind=kind, starts_at=starts, ends_at=ends,
                      title=clean_name(data.get("title"), "title", max_len=TITLE_MAX, label=_("Titre")),
                      room=clean_text(data.get("room") or "", "room", min_len=0, max_len=120, label=_("Salle")))
    session.add(item)
    session.flush()
    return item


def add_parallel_slot(session: Session, actor: User, meeting: Meeting, data: dict[str, Any], count: Any,
                      *, facilitator: User | None = None, format_key: str = DEFAULT_FORMAT) -> AgendaItem:
    """A slot of `count` parallel workshops created in one go, each a real board with its code and room."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= PARALLEL_MAX:
        raise ValidationError(_("Entre 1 et %(n)d ateliers en parallèle.", n=PARALLEL_MAX), field="count")
    item = add_item(session, actor, meeting, {**data, "kind": "parallel"})
    facilitator = facilitator or actor
    for number in range(1, count + 1):
        room = f"{item.room} {number}".strip() if item.room else _("Salle %(n)d", n=number)
        workshop = boards.create_workshop(session, facilitator, f"{item.title} — {_('atelier')} {number}"[:TITLE_MAX],
                                          place=room[:200], held_on=item.starts_at.date(), format_key=format_key,
                                          description=meeting.title)
        session.add(MeetingWorkshop(meeting_id=meeting.id, workshop_id=workshop.id, item_id=item.id, room=room))
    session.flush()
    return item


def delete_item(session: Session, actor: User, meeting: Meeting, item_id: int) -> None:
    require_organiser(session, actor, meeting)
    item = of_meeting(session, AgendaItem, meeting, item_id, _("Séquence introuvable."))
    session.delete(item)  # its workshops stay boards of the meeting, out of any slot
    session.flush()


def programme(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """The timed items, each parallel slot with its workshops (never the preparation board)."""
    by_item: dict[int | None, list[MeetingWorkshop]] = {}
    for link in meeting.workshops:
        if not link.preparation:
            by_item.setdefault(link.item_id, []).append(link)
    return [{"item": item, "workshops": by_item.get(item.id, [])} for item in meeting.items]


def meeting_workshops(meeting: Meeting) -> list[Workshop]:
    """The meeting's workshops people take part in (not the preparation board)."""
    return [link.workshop for link in meeting.workshops if not link.preparation]


def meeting_workshop_rows(session: Session, meeting: Meeting) -> list[Row]:
    """`meeting_workshops` as plain (id, title, place) rows, in the same order: the registration page is the one
    a crowd opens at once, and loading whole boards as objects was a fifth of its CPU."""
    return list(session.execute(
        select(Workshop.id, Workshop.title, Workshop.place)
        .join(MeetingWorkshop, MeetingWorkshop.workshop_id == Workshop.id)
        .where(MeetingWorkshop.meeting_id == meeting.id, MeetingWorkshop.preparation.is_(False))
        .order_by(MeetingWorkshop.id)))


def workshop_of_meeting(meeting: Meeting, workshop_id: int | None) -> Workshop | None:
    return next((w for w in meeting_workshops(meeting) if w.id == workshop_id), None)


def create_workshops(session: Session, organiser: User, meeting: Meeting, count: int) -> list[Workshop]:
    """`count` parallel workshops over the whole meeting (the CLI's quick set-up)."""
    item = add_parallel_slot(session, organiser, meeting,
                             {"title": _("Ateliers"), "starts_at": meeting.starts_at, "ends_at": meeting.ends_at},
                             count)
    return [link.workshop for link in meeting.workshops if link.item_id == item.id]


# --- Preparation --------------------------------------------------------------------------------------


def preparation_board(session: Session, actor: User, meeting: Meeting, *, create: bool = False) -> Workshop | None:
    """The organisers' private board: its code is shown to organisers only, and only they join it
    (`admit_to_board`)."""
    require_organiser(session, actor, meeting)
    link = next((w for w in meeting.workshops if w.preparation), None)
    if link is None and create:
        workshop = boards.create_workshop(session, actor, f"{_('Préparation')} — {meeting.title}"[:TITLE_MAX],
                                          description=_("Tableau privé des organisateur·rices."))
        link = MeetingWorkshop(meeting_id=meeting.id, workshop_id=workshop.id, preparation=True)
        session.add(link)
        session.flush()
        session.refresh(meeting)
    return link.workshop if link else None


_PREPARED = select(MeetingWorkshop.meeting_id).where(  # built once: it runs at every join
    MeetingWorkshop.workshop_id == bindparam("workshop_id"), MeetingWorkshop.preparation.is_(True))


def admit_to_board(session: Session, workshop: Workshop, user: Any) -> None:
    """The live host's admission check: a meeting's preparation board seats its organisers only (logged in);
    anyone else holding its code, or an old seat's token, is refused (`forbidden`). Other boards: no rule."""
    meeting_id = session.scalar(_PREPARED, {"workshop_id": workshop.id})
    if meeting_id is not None:
        require_organiser(session, user, session.get(Meeting, meeting_id))


def tasks(session: Session, meeting: Meeting) -> list[ChecklistTask]:
    return list(session.scalars(select(ChecklistTask).where(ChecklistTask.meeting_id == meeting.id)
                                .order_by(ChecklistTask.done, ChecklistTask.due_on, ChecklistTask.id)))


def add_task(session: Session, actor: User, meeting: Meeting, text: Any, owner: Any = "",
             due_on: date | None = None) -> ChecklistTask:
    require_organiser(session, actor, meeting)
    task = ChecklistTask(meeting_id=meeting.id, text=clean_name(text, "text", max_len=300, label=_("Tâche")),
                         owner=clean_text(owner or "", "owner", min_len=0, max_len=120, label=_("Qui")),
                         due_on=due_on)
    session.add(task)
    session.flush()
    return task


def toggle_task(session: Session, actor: User, meeting: Meeting, task_id: int) -> ChecklistTask:
    require_organiser(session, actor, meeting)
    task = of_meeting(session, ChecklistTask, meeting, task_id, _("Tâche introuvable."))
    task.done = not task.done
    session.flush()
    return task
