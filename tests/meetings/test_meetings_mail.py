"""A registration is confirmed by e-mail (a place with the calendar file, or the waiting list), and a person who
moves up from the waiting list hears it: read back from a real SMTP server."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from tests.mail.smtp import smtp_config


@pytest.fixture
def app_config(smtp):
    return smtp_config(smtp)


def register(client, meeting_id: int, name: str, email: str, lang: str = "fr"):
    return client.post(f"/rencontres/{meeting_id}/inscription?lang={lang}",
                       data={"name": name, "email": email, "profile_kind": "parent", "workshop_id": ""})


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_place_then_the_waiting_list_then_moving_up(app, client, smtp, organiser, make_meeting):
    meeting_id = make_meeting(organiser, capacity=1)
    first = register(client, meeting_id, "Nadia", "nadia@exemple.fr")
    assert first.status_code == 302
    confirmed = smtp.wait_for("nadia@exemple.fr")
    assert confirmed["Subject"].strip().startswith("Inscription confirmée")
    text = body(confirmed)
    assert "Votre inscription à « Rencontre départementale école-familles » est confirmée." in text
    personal = first.headers["Location"]
    assert personal in text  # the personal link, to see or cancel
    [calendar] = [part for part in confirmed.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = next(iter(Calendar.from_ical(calendar.get_content()).walk("VEVENT")))
    assert str(event["summary"]) == "Rencontre départementale école-familles"

    other = app.test_client()
    assert register(other, meeting_id, "Karim", "karim@exemple.fr", lang="en").status_code == 302
    waiting = smtp.wait_for("karim@exemple.fr")
    assert waiting["Subject"].strip().startswith("Waiting list")  # in the language of the page he registered on
    assert not [part for part in waiting.iter_attachments()]  # no calendar file for a place not (yet) held

    page = client.get(personal).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    assert client.post(personal + "/annuler", data=data).status_code == 302
    moved = smtp.wait_for("karim@exemple.fr", count=2)
    assert "you move from the waiting list" in body(moved).lower() or "waiting list to a place" in body(moved)
    assert [part.get_content_type() for part in moved.iter_attachments()] == ["text/calendar"]


def test_no_address_no_message(client, smtp, organiser, make_meeting):
    meeting_id = make_meeting(organiser)
    assert register(client, meeting_id, "Sans adresse", "").status_code == 302
    assert smtp.messages == []
