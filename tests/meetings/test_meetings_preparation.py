"""The organisers' preparation board: only the meeting's organisers sit at it, whoever else holds its code."""

from __future__ import annotations

from tests.conftest import PASSWORD
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db, socketio
from workshop.meetings import service
from workshop.meetings.models import Meeting


def _browser(app, user=None):
    browser = app.test_client()
    if user is not None:
        assert browser.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return socketio.test_client(app, namespace="/board", flask_test_client=browser)


def test_preparation_board_refuses_non_organisers_at_join(app, meeting_id, organiser, make_user):
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        board = service.preparation_board(db.session, db.session.get(User, organiser.id), meeting, create=True)
        code, parallel = board.code, service.meeting_workshops(meeting)[0].code
        old_seat = boards.join(db.session, {"code": code, "name": "Ancienne place"}).token  # made before the rule
        db.session.commit()
    clients = {who: _browser(app, user) for who, user in (
        ("anonymous", None), ("stranger", make_user("facilitator")), ("organiser", organiser),
        ("admin", make_user("admin")))}
    try:
        def join(who: str, **payload) -> dict:
            return clients[who].emit("join", {"code": code, "name": "Nadia", **payload}, namespace="/board",
                                     callback=True)

        for refused in (join("anonymous"), join("stranger"), join("anonymous", token=old_seat)):
            assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        assert join("organiser")["ok"] and join("admin")["ok"]
        other_board = clients["anonymous"].emit("join", {"code": parallel, "name": "Nadia"}, namespace="/board",
                                                callback=True)
        assert other_board["ok"]  # the meeting's workshops stay open to all
    finally:
        for client in clients.values():
            client.disconnect(namespace="/board")
