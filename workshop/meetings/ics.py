"""Calendar files (ICS): the one-event file every invitation attaches (a meeting, a peer group's session), and
the meeting's, with its place and its programme in the description."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from workshop.meetings.models import Meeting
from workshop.meetings.service import TIMEZONE


def event_ics(*, prodid: str, uid: str, summary: str, starts: date | datetime, ends: date | datetime,
              stamp: datetime, place: str, description: str, url: str) -> bytes:
    """One event; dates (not datetimes) make a whole-day event. Timed events carry their zone's definition, so
    every calendar shows them in its own."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("dtstamp", stamp)
    if place:
        event.add("location", place)
    event.add("description", description)
    event.add("url", url)
    calendar.add_component(event)
    if isinstance(starts, datetime):
        calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_ics(meeting: Meeting, url: str, place: str, programme_lines: list[str]) -> bytes:
    """Times are stored as the wall-clock time of the meeting's place (TIMEZONE) and written with that zone."""
    zone = ZoneInfo(TIMEZONE)
    return event_ics(prodid="-//Passerelles//rencontres//FR", uid=f"meeting-{meeting.id}-{meeting.code}@passerelles",
                     summary=meeting.title, starts=meeting.starts_at.replace(tzinfo=zone),
                     ends=meeting.ends_at.replace(tzinfo=zone),
                     stamp=(meeting.created_at or meeting.starts_at).replace(tzinfo=zone), place=place,
                     description="\n".join([meeting.description, "", *programme_lines, "", url]).strip(), url=url)
