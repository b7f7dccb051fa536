"""Fixtures of the facilitation tests: a workshop per format, its facilitator and participants."""

from __future__ import annotations

import pytest

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db


@pytest.fixture
def board(session, make_user):
    """board(format_key) -> (workshop, facilitator participant, [three participants]) in the test session."""

    def make(format_key: str = "freins-leviers", participants: int = 3, **settings):
        user = db.session.get(User, make_user("facilitator").id)
        workshop = boards.create_workshop(session, user, "Atelier", format_key=format_key)
        if settings:
            workshop.settings = {**workshop.settings, **settings}
        facilitator = boards.join(session, {"code": workshop.code}, user).participant
        people = [boards.join(session, {"code": workshop.code, "name": f"P{i}"}).participant
                  for i in range(participants)]
        session.commit()
        return workshop, facilitator, people

    return make
