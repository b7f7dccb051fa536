"""Fixtures of the meetings tests: an organiser and a meeting with two parallel workshops."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.mail.smtp import smtp  # noqa: F401  (the mail tests' SMTP server fixture)
from workshop.extensions import db


@pytest.fixture
def organiser(make_user):
    return make_user("facilitator", name="Claire Organisatrice")


@pytest.fixture
def make_meeting(app):
    """make_meeting(user, capacity=2, workshops=2, **data) -> meeting id (starts in 10 days, 9:30-12:30)."""
    from workshop.accounts.models import User
    from workshop.meetings import service

    def make(user, *, capacity: int | None = 2, workshops: int = 2, **data) -> int:
        with app.test_request_context():
            actor = db.session.get(User, user.id)
            starts = service.now().replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=10)
            meeting = service.create_meeting(db.session, actor, {
                "title": "Rencontre départementale école-familles", "starts_at": starts,
                "ends_at": starts + timedelta(hours=3), "capacity": capacity, "place": "Centre social Boris-Vian",
                **data})
            if workshops:
                service.create_workshops(db.session, actor, meeting, workshops)
            db.session.commit()
            return meeting.id

    return make


@pytest.fixture
def meeting_id(organiser, make_meeting):
    return make_meeting(organiser)
