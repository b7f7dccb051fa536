"""The "Où en est-on ?" review, live: the facilitator marks the carried steps, every screen sees it."""

from __future__ import annotations

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.facilitation import next_steps
from workshop.peergroups import service


def second_session(app, facilitator) -> str:
    """A group whose first session left two steps open: the code of its second session."""
    with app.test_request_context():
        user = db.session.get(User, facilitator.id)
        group = service.create_group(db.session, user, "Groupe des Tilleuls")
        first = service.next_session(db.session, user, group)
        next_steps.add_step(db.session, first, "Inviter la principale", owner="Samia")
        next_steps.add_step(db.session, first, "Réserver la salle")
        second = service.next_session(db.session, user, group)
        db.session.commit()
        return second.code


def test_marks_are_live_on_every_screen_and_only_the_facilitator_marks(app, board_client, facilitator,
                                                                       session_cookie):
    code = second_session(app, facilitator)
    host = board_client(code, cookie=session_cookie(facilitator))
    nadia = board_client(code, "Nadia")
    state = nadia.last_join["state"]
    assert state["facilitation"]["phase"]["label"] == "Où en est-on ?"
    review = state["review"]
    assert [(r["text"], r["status"], r["session"]) for r in review] == [
        ("Inviter la principale", "open", 1), ("Réserver la salle", "open", 1)]

    answer = host.call("review.mark", {"id": review[0]["id"], "status": "done"})
    assert answer["ok"] is True
    for client in (host, nadia):
        [event] = client.wait_for(lambda c: c.events_of("review.marked"))
        assert event["data"]["step"] == {**review[0], "status": "done"}

    refused = nadia.call("review.mark", {"id": review[1]["id"], "status": "dropped"})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    for payload in ({"id": review[1]["id"], "status": "finished"}, {"id": "1", "status": "done"},
                    {"id": 10**6, "status": "done"}, ["x"]):
        error = host.call("review.mark", payload)["error"]
        assert error["code"] in ("invalid", "not_found") and error["message"].strip()
    assert host.call("review.mark", {"id": review[1]["id"], "status": "dropped"})["ok"]
    late = board_client(code, "Karim")
    assert [r["status"] for r in late.last_join["state"]["review"]] == ["done", "dropped"]
