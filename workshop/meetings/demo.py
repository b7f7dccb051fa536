"""Demo meetings: one past (attendance, cards, restitution published) and one upcoming (registrations and a
waiting list). Idempotent: a meeting already there by title is left alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards.models import Participant
from workshop.live.kernel import current_kernel
from workshop.meetings import registration as registrations
from workshop.meetings import service
from workshop.meetings.models import Meeting, Registration
from workshop.networks.models import Network

PAST = "Rencontre départementale école-familles — Roubaix"
UPCOMING = "Temps de travail EF-FD — Tourcoing"
PEOPLE = (
    ("Awa Diallo", "school", "Roubaix", "Directrice d'école"),
    ("Jules Martin", "social_centre", "Roubaix", "Référent familles"),
    ("Inès Benali", "parent", "Roubaix", ""),
    ("Karim Haddad", "social_centre", "Tourcoing", "Animateur CLAS"),
    ("Sophie Lefebvre", "school", "Tourcoing", "Coordonnatrice REP+"),
    ("Malika Ouali", "association", "Wattrelos", "Médiatrice"),
    ("Thomas Dubois", "institution", "Lille", "Chargé de mission Cité éducative"),
    ("Fatou Sarr", "parent", "Tourcoing", ""),
)
CARDS = (
    ("lever", "Un café des parents animé ensemble dans le hall de l'école"),
    ("obstacle", "Les horaires du centre social ne collent pas avec ceux de l'école"),
    ("method", "Une réunion de rentrée commune pour présenter le CLAS aux familles"),
)
SYNTHESIS = ("**Ce que nous retenons** : la liaison école / centre social tient quand une personne en est "
             "garante.\n\n- Généraliser le café des parents\n- Caler un calendrier commun à la rentrée")


def _meeting(session: Session, organiser: User, title: str, days: int, capacity: int, place: str) -> Meeting:
    starts = service.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=days)
    meeting = service.create_meeting(session, organiser, {
        "title": title, "kind": "working_time", "starts_at": starts, "ends_at": starts + timedelta(hours=7),
        "capacity": capacity, "place": place,
        "description": "Écoles, centres sociaux et parents du territoire se retrouvent pour partager ce qui marche."},
        list(session.scalars(select(Network.id))))
    service.add_item(session, organiser, meeting, {"title": "Accueil et plénière d'ouverture", "kind": "plenary",
                                                   "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                                                   "room": "Grande salle"})
    service.add_parallel_slot(session, organiser, meeting, {
        "title": "Freins et leviers", "starts_at": starts + timedelta(hours=1),
        "ends_at": starts + timedelta(hours=3), "room": "Salle"}, 2)
    service.add_item(session, organiser, meeting, {"title": "Pause déjeuner", "kind": "break",
                                                   "starts_at": starts + timedelta(hours=3),
                                                   "ends_at": starts + timedelta(hours=4)})
    return meeting


def _register(session: Session, meeting: Meeting, index: int, spec: tuple) -> Registration:
    name, kind, city, role = spec
    workshops = service.meeting_workshops(meeting)
    person, _token = registrations.register(session, meeting, {
        "name": name, "profile_kind": kind, "city": city, "role": role,
        "workshop_id": workshops[index % len(workshops)].id,
        "email": f"{name.split()[0].lower()}@exemple.fr" if index % 2 else None})
    return person


def seed_meetings(session: Session, organiser: User) -> None:
    """The two demo meetings (once each)."""
    if session.scalar(select(Meeting.id).where(Meeting.title == PAST)) is None:
        meeting = _meeting(session, organiser, PAST, 3, 30, "Centre social des Trois-Ponts, Roubaix")
        for index, spec in enumerate(PEOPLE):
            person = _register(session, meeting, index, spec)
            if index != 2:
                registrations.check_in(session, organiser, meeting, person)
                _workshop, _ = registrations.open_board(session, person)
                seat = session.get(Participant, person.participant_id)
                column, text = CARDS[index % len(CARDS)]
                current_kernel().perform(session, seat.id, "card.add", {
                    "client_id": uuid.uuid4().hex, "column": column, "text": text}, workshop_id=seat.workshop_id,
                    rate_limited=False)
        shift = timedelta(days=60)  # held two months ago
        meeting.starts_at -= shift
        meeting.ends_at -= shift
        for item in meeting.items:
            item.starts_at -= shift
            item.ends_at -= shift
        service.set_synthesis(session, organiser, meeting, SYNTHESIS, published=True)
        meeting.registration_open = False
    if session.scalar(select(Meeting.id).where(Meeting.title == UPCOMING)) is None:
        meeting = _meeting(session, organiser, UPCOMING, 21, 6, "Collège Marie-Curie, Tourcoing")
        for index, spec in enumerate(PEOPLE):
            _register(session, meeting, index, spec)  # 6 places: the last two wait
        service.add_task(session, organiser, meeting, "Réserver les salles", "Claire", meeting.starts_at.date()
                         - timedelta(days=14))
        service.add_task(session, organiser, meeting, "Prévoir une interprète LSF", "Samia")
    session.flush()
