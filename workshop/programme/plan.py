"""Programme rules: who coordinates, the programme itself, its time plan, time recorded and budget lines.

Plain functions over a session: they flush and raise, the front that called them commits.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.mapping.models import City
from workshop.networks import service as networks
from workshop.networks.models import Network
from workshop.programme.models import BudgetLine, Programme, TimeEntry, TimePlan
from workshop.programme.parsing import parse_amount, parse_date
from workshop.programme.vocabulary import BUDGET_CATEGORIES, WORK_KINDS
from workshop.validation import clean_name, clean_text

HOURS_PER_DAY = Decimal("24")
HOURS_PLANNED_MAX = Decimal("100000")
MEETINGS_MAX = 10_000
CITIES_MAX = 500
_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")


def signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_coordinate(user: Any, programme: Programme) -> bool:
    """The programme's coordinators and admins: they see and edit its budget and plan."""
    if not signed_in(user):
        return False
    return user.is_admin or any(c.id == user.id for c in programme.coordinators)


def require_coordinator(user: Any, programme: Programme) -> None:
    if not can_coordinate(user, programme):
        raise Forbidden(_("Seul·es les coordinateur·rices du programme peuvent faire cela."))


def can_create(user: Any) -> bool:
    """Admins create programmes (and coordinate the ones they create)."""
    return signed_in(user) and user.is_admin


def can_record_time(session: Session, user: Any, programme: Programme) -> bool:
    """Coordinators, and anyone belonging to one of the networks."""
    return can_coordinate(user, programme) or (signed_in(user) and bool(networks.networks_of(session, user)))


def list_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc())))


def get_programme(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("Programme introuvable."))
    return programme


def current_programme(session: Session, today: date | None = None) -> Programme | None:
    """The programme running today; else the one that starts next; else the latest one."""
    today = today or date.today()
    running = session.scalar(select(Programme).where(Programme.starts_on <= today, Programme.ends_on >= today)
                             .order_by(Programme.starts_on.desc(), Programme.id.desc()).limit(1))
    if running is not None:
        return running
    return session.scalar(select(Programme).where(Programme.starts_on > today).order_by(Programme.starts_on)
                          .limit(1)) or session.scalar(select(Programme).order_by(Programme.ends_on.desc()).limit(1))


def _cities(session: Session, value: Any) -> list[str]:
    """INSEE codes separated by commas, spaces or lines; each must be a known commune."""
    codes = [c for c in re.split(r"[\s,;]+", value.strip()) if c] if isinstance(value, str) else None
    if codes is None or len(codes) > CITIES_MAX:
        raise ValidationError(_("Communes : au plus %(n)d codes INSEE.", n=CITIES_MAX), field="cities")
    wrong = [c for c in codes if not _INSEE.fullmatch(c)]
    if wrong:
        raise ValidationError(_("Code INSEE invalide : %(c)s (5 caractères, par exemple 69123).", c=wrong[0][:20]),
                              field="cities")
    known = set(session.scalars(select(City.insee).where(City.insee.in_(codes)))) if codes else set()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(_("Commune inconnue : %(c)s.", c=unknown[0]), field="cities")
    return list(dict.fromkeys(codes))


def save_programme(session: Session, user: Any, data: dict[str, Any], programme: Programme | None = None
                   ) -> Programme:
    """Create a programme (admins; its creator coordinates it) or edit one (its coordinators)."""
    if programme is None and not can_create(user):
        raise Forbidden(_("Seul·es les coordinateur·rices créent un programme."))
    if programme is not None:
        require_coordinator(user, programme)
    title = clean_name(data.get("title"), "title", max_len=200, label=_("Titre"))
    aims = clean_text(data.get("aims", ""), "aims", min_len=0, max_len=5000, label=_("Objectifs"))
    starts = parse_date(data.get("starts_on"), "starts_on", _("Début"))
    ends = parse_date(data.get("ends_on"), "ends_on", _("Fin"))
    if ends < starts:
        raise ValidationError(_("La fin du programme doit venir après son début."), field="ends_on")
    meetings = str(data.get("planned_meetings", "0")).strip() or "0"
    if not meetings.isdigit() or int(meetings) > MEETINGS_MAX:
        raise ValidationError(_("Rencontres prévues : un nombre entier entre 0 et %(n)d.", n=MEETINGS_MAX),
                              field="planned_meetings")
    cities = _cities(session, data.get("cities", ""))
    if programme is None:
        programme = Programme(title=title, starts_on=starts, ends_on=ends)
        programme.coordinators.append(session.get(User, user.id))
        session.add(programme)
    programme.title, programme.aims, programme.starts_on, programme.ends_on = title, aims, starts, ends
    programme.planned_meetings, programme.cities = int(meetings), cities
    session.flush()
    return programme


def add_coordinator(session: Session, user: Any, programme: Programme, email: Any) -> User:
    """Name an account, found by its e-mail, a coordinator of the programme (its coordinators and admins)."""
    require_coordinator(user, programme)
    person = accounts.get_by_email(session, email) if isinstance(email, str) and email.strip() else None
    if person is None:
        raise ValidationError(_("Aucun compte avec cette adresse e-mail."), field="email")
    if person in programme.coordinators:
        raise Conflict(_("%(name)s coordonne déjà ce programme.", name=person.name), field="email")
    programme.coordinators.append(person)
    session.flush()
    return person


def remove_coordinator(session: Session, user: Any, programme: Programme, user_id: int) -> User:
    """Take a coordinator off the programme (its coordinators and admins); one always remains."""
    require_coordinator(user, programme)
    person = next((c for c in programme.coordinators if c.id == user_id), None)
    if person is None:
        raise NotFound(_("Cette personne ne coordonne pas ce programme."))
    if len(programme.coordinators) == 1:
        raise Conflict(_("Un programme garde au moins un·e coordinateur·rice."))
    programme.coordinators.remove(person)
    session.flush()
    return person


def recent_time_entries(session: Session, user: Any, programme: Programme, limit: int) -> list[TimeEntry]:
    """The latest time entries with the names of who worked: for the programme's coordinators only."""
    if not can_coordinate(user, programme):
        return []
    return list(session.scalars(select(TimeEntry).where(TimeEntry.programme_id == programme.id)
                                .order_by(TimeEntry.worked_on.desc(), TimeEntry.id.desc()).limit(limit)))


def _network(session: Session, value: Any, *, optional: bool = False) -> Network | None:
    text = str(value or "").strip()
    if optional and text == "":
        return None
    network = session.get(Network, int(text)) if text.isdigit() and len(text) < 10 else None
    if network is None:
        raise ValidationError(_("Choisissez un réseau de la liste."), field="network")
    return network


def _kind(value: Any) -> str:
    if value not in WORK_KINDS:
        raise ValidationError(_("Choisissez un type de travail de la liste."), field="kind")
    return value


def set_time_plan(session: Session, user: Any, programme: Programme, data: dict[str, Any]) -> TimePlan:
    """Plan the hours of one network for one kind of work (replaces the previous figure)."""
    require_coordinator(user, programme)
    network, kind = _network(session, data.get("network")), _kind(data.get("kind"))
    hours = parse_amount(data.get("hours"), "hours", _("Heures prévues"), maximum=HOURS_PLANNED_MAX)
    plan = session.scalar(select(TimePlan).where(TimePlan.programme_id == programme.id,
                                                 TimePlan.network_id == network.id, TimePlan.kind == kind))
    if plan is None:
        plan = TimePlan(programme=programme, network_id=network.id, kind=kind, hours=hours)
        session.add(plan)
    plan.hours = hours
    session.flush()
    return plan


def record_time(session: Session, user: Any, programme: Programme, data: dict[str, Any]) -> TimeEntry:
    """Record hours worked on a day of the programme's period (not in the future), for a network and a kind."""
    if not can_record_time(session, user, programme):
        raise Forbidden(_("Seul·es les membres des réseaux du programme enregistrent du temps."))
    network, kind = _network(session, data.get("network")), _kind(data.get("kind"))
    worked_on = parse_date(data.get("worked_on"), "worked_on", _("Date"))
    if not programme.starts_on <= worked_on <= programme.ends_on:
        raise ValidationError(_("La date doit être dans la période du programme (du %(a)s au %(b)s).",
                                a=programme.starts_on.strftime("%d/%m/%Y"), b=programme.ends_on.strftime("%d/%m/%Y")),
                              field="worked_on")
    if worked_on > date.today():
        raise ValidationError(_("On n'enregistre pas du temps à venir : choisissez une date passée."),
                              field="worked_on")
    hours = parse_amount(data.get("hours"), "hours", _("Heures"), maximum=HOURS_PER_DAY, allow_zero=False)
    person = clean_name(data.get("person") or user.name, "person", max_len=120, label=_("Qui"))
    entry = TimeEntry(programme_id=programme.id, network_id=network.id, kind=kind, worked_on=worked_on,
                      hours=hours, person=person, recorded_by_id=user.id)
    session.add(entry)
    session.flush()
    return entry


def save_budget_line(session: Session, user: Any, programme: Programme, data: dict[str, Any],
                     line: BudgetLine | None = None) -> BudgetLine:
    """Add or edit a budget line; committed and spent may not exceed what they follow."""
    require_coordinator(user, programme)
    category = data.get("category")
    if category not in BUDGET_CATEGORIES:
        raise ValidationError(_("Choisissez une catégorie de la liste."), field="category")
    label = clean_name(data.get("label", ""), "label", min_len=0, max_len=200, label=_("Intitulé"))
    network = _network(session, data.get("network"), optional=True)
    planned = parse_amount(data.get("planned"), "planned", _("Prévu"))
    committed = parse_amount(data.get("committed"), "committed", _("Engagé"))
    spent = parse_amount(data.get("spent"), "spent", _("Dépensé"))
    if spent > committed and committed > 0:
        raise ValidationError(_("Le dépensé ne peut pas dépasser l'engagé."), field="spent")
    if line is None:
        line = BudgetLine(programme=programme)
        session.add(line)
    line.category, line.label, line.network_id = category, label, network.id if network else None
    line.planned, line.committed, line.spent = planned, committed, spent
    session.flush()
    return line


def get_budget_line(session: Session, user: Any, programme: Programme, line_id: int) -> BudgetLine:
    require_coordinator(user, programme)
    line = session.get(BudgetLine, line_id)
    if line is None or line.programme_id != programme.id:
        raise NotFound(_("Ligne budgétaire introuvable."))
    return line


def delete_budget_line(session: Session, user: Any, programme: Programme, line_id: int) -> None:
    session.delete(get_budget_line(session, user, programme, line_id))
    session.flush()
