"""Personal data of registrations: what a person gets back (export), erasure on request, and the retention
purge of meetings held more than RETENTION_MONTHS ago. Counts by profile, city and network stay: they carry no
name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.mail import tokens
from workshop.meetings import registration as registrations
from workshop.meetings import service
from workshop.meetings.models import Meeting, Registration

ERASED_NAME = "Participant·e effacé·e"


def export_registration(registration: Registration) -> dict:
    """Everything a registration holds about its person."""
    return {
        "meeting": registration.meeting_id,
        "name": registration.name, "email": registration.email, "profile": registration.profile_kind,
        "structure": registration.structure.name if registration.structure else registration.structure_name,
        "city": registration.city, "network": registration.network.name if registration.network else None,
        "role": registration.role, "workshop": registration.workshop.title if registration.workshop else None,
        "needs": registration.needs, "status": registration.status, "walk_in": registration.walk_in,
        "registered_at": registration.created_at.isoformat() if registration.created_at else None,
        "checked_in_at": registration.checked_in_at.isoformat() if registration.checked_in_at else None,
    }


def by_email(session: Session, email: str) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.email == email).order_by(Registration.id)))


def erase(session: Session, registration: Registration) -> None:
    """Cancel (if the meeting is still to come: the next person waiting moves up) and de-identify; the
    personal link stops working."""
    meeting = session.get(Meeting, registration.meeting_id)
    if meeting.ends_at >= service.now() and registration.status != "cancelled":
        registrations.cancel(session, registration)
    _blank(registration)
    session.flush()


def _blank(registration: Registration) -> None:
    registration.name = ERASED_NAME
    registration.email = None
    registration.needs = ""
    registration.role = ""
    registration.structure_name = ""
    registration.token_hash = tokens.new_token()[1]  # a hash of a token nobody holds: the link is dead


def purge_registrations(session: Session, cutoff: datetime, *, dry_run: bool = False) -> int:
    """De-identify the registrations of meetings that ended before `cutoff`; returns how many."""
    found = list(session.scalars(select(Registration).join(Meeting, Meeting.id == Registration.meeting_id)
                                 .where(Meeting.ends_at < cutoff, Registration.name != ERASED_NAME)))
    if not dry_run:
        for registration in found:
            _blank(registration)
        session.flush()
    return len(found)
