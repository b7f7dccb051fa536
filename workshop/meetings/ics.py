"""The calendar file (ICS) of a meeting: one event with the place, and its programme in the description."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from workshop.meetings.models import Meeting
from workshop.meetings.service import TIMEZONE


def meeting_ics(meeting: Meeting, url: str, place: str, programme_lines: list[str]) -> bytes:
    """Times are stored as the wall-clock time of the meeting's place (TIMEZONE) and written with that zone, so
    every calendar shows them in its own."""
    zone = ZoneInfo(TIMEZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Passerelles//rencontres//FR")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}-{meeting.code}@passerelles")
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_at.replace(tzinfo=zone))
    event.add("dtend", meeting.ends_at.replace(tzinfo=zone))
    event.add("dtstamp", meeting.created_at.replace(tzinfo=zone) if meeting.created_at else meeting.starts_at
              .replace(tzinfo=zone))
    if place:
        event.add("location", place)
    event.add("description", "\n".join([meeting.description, "", *programme_lines, "", url]).strip())
    event.add("url", url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
