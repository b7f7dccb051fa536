"""A facilitator's seat moderates only with that facilitator's login and active account (issue #11, point 3)."""

from __future__ import annotations

import pytest

from tests.board_helpers import act
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.errors import Forbidden, ValidationError
from workshop.extensions import db


def _seat(app, user_id: int, workshop_id: int):
    """The facilitator joins with their account: (participant id, board token)."""
    with app.test_request_context():
        workshop = db.session.get(Workshop, workshop_id)
        joined = boards.join(db.session, {"code": workshop.code}, db.session.get(User, user_id))
        db.session.commit()
        return joined.participant.id, joined.token


def test_a_facilitator_token_alone_opens_no_seat(app, make_user, make_workshop):
    samia = make_user("facilitator")
    workshop = make_workshop(samia)
    seat, token = _seat(app, samia.id, workshop["id"])
    with app.test_request_context():
        with pytest.raises(ValidationError):  # no login, no name: the person is asked for a name
            boards.join(db.session, {"code": workshop["code"], "token": token})
        other = boards.join(db.session, {"code": workshop["code"], "token": token, "name": "Personne suivante"})
        assert other.participant.id != seat and not boards.is_moderator(other.participant)
        back = boards.join(db.session, {"code": workshop["code"], "token": token}, db.session.get(User, samia.id))
        assert back.participant.id == seat and boards.is_moderator(back.participant)


def test_a_disabled_account_moderates_nothing_more(app, make_user, make_workshop):
    samia = make_user("facilitator")
    workshop = make_workshop(samia)
    seat, _token = _seat(app, samia.id, workshop["id"])
    with app.test_request_context():
        db.session.get(User, samia.id).active = False
        db.session.commit()
        with pytest.raises(Forbidden):
            act(db.session, boards.get_participant(db.session, seat), "board.lock", {"locked": True})

