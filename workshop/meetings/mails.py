"""What a registration tells its person by e-mail: a place or the waiting list, then moving up from it.

Sent through the mail outbox (a job after the view commits), in the page's language, with the meeting as a
calendar file. Only people who gave an address hear anything; the address was asked for this and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import format_date, format_time
from sqlalchemy.orm import Session

from workshop.mail import outbox
from workshop.meetings import ics, restitution, service
from workshop.meetings.models import Meeting, Registration
from workshop.printing.markup import base_url

TEMPLATE = "registration"


def calendar_file(session: Session, meeting: Meeting) -> bytes:
    """The meeting as an ICS file: the same one its page offers for download."""
    lines = [f"{p['item'].starts_at:%H:%M}–{p['item'].ends_at:%H:%M} {p['item'].title}"
             for p in service.programme(session, meeting)]
    return ics.meeting_ics(meeting, base_url() + url_for("meetings.show", meeting_id=meeting.id),
                           restitution.place_line(session, meeting), lines)


def _send(session: Session, registration: Registration, meeting: Meeting, personal_url: str | None,
          moved_up: bool) -> None:
    starts = service.local_time(meeting.starts_at)
    context = {"name": registration.name, "meeting": meeting.title, "status": registration.status,
               "moved_up": moved_up, "when": f"{format_date(starts, 'full')}, {format_time(starts, 'short')}",
               "place": restitution.place_line(session, meeting), "personal_url": personal_url,
               "meeting_url": base_url() + url_for("meetings.show", meeting_id=meeting.id)}
    attachment = {"filename": f"rencontre-{meeting.id}.ics", "mimetype": "text/calendar",
                  "content": calendar_file(session, meeting).decode()}
    outbox.queue(session, registration.email, TEMPLATE, context, registration.language,
                 attachments=[attachment] if registration.status == "registered" else [])


def registered(session: Session, registration: Registration, meeting: Meeting, token: str) -> None:
    """Confirm a registration (a place, or the waiting list) with the personal link to see or cancel it, in the
    language of the page it was made on (registration.register keeps it), which later messages keep."""
    if registration.email:
        _send(session, registration, meeting, base_url() + url_for("meetings.mine", token=token), False)


def moved_up(session: Session, people: Iterable[Registration], meeting: Meeting) -> None:
    """Tell people who moved up from the waiting list that they have a place (their link is in the first mail:
    only its hash is kept)."""
    for registration in people:
        if registration.email:
            _send(session, registration, meeting, None, True)
