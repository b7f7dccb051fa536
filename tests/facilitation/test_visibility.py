"""Nothing hidden, private or deleted reaches someone who may not read it: not in live events, acks, replays,
sheets made from the board, or the report (issue #11, point 4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.board_helpers import act, events_since
from workshop.boards.models import Card
from workshop.errors import NotFound, ValidationError
from workshop.live.models import BoardEvent
from workshop.toolkits.report import report_view


def _add(session, who, text, column):
    return act(session, who, "card.add", {"client_id": f"c{abs(hash(text))}", "column": column, "text": text})


def test_a_hidden_reply_stays_hidden_in_replays_and_in_the_ack_of_a_resend(board, session):
    workshop, facilitator, (alice, bob, _) = board()
    card = _add(session, alice, "Les horaires", "obstacle").card
    reply = act(session, bob, "reply.add", {"client_id": "r1", "card_id": card["id"], "text": "Famille Dupont"})
    act(session, facilitator, "reply.hide", {"id": reply.extra["reply"]["id"]})
    for viewer in (alice, bob):
        assert "Dupont" not in repr(events_since(session, workshop.id, 0, viewer, 100))
    assert "Dupont" in repr(events_since(session, workshop.id, 0, facilitator, 100))
    again = act(session, bob, "reply.add", {"client_id": "r1", "card_id": card["id"], "text": "Famille Dupont"})
    assert again.event is None and again.extra["reply"] == {"id": reply.extra["reply"]["id"],
                                                            "card_id": card["id"], "hidden": True}


def test_a_deleted_card_leaves_its_text_nowhere(board, session):
    workshop, facilitator, (alice, bob, _) = board()
    card = _add(session, alice, "Le fils Martin est absent", "obstacle").card
    act(session, alice, "card.update", {"id": card["id"], "text": "Le fils Martin est souvent absent"})
    deleted = act(session, facilitator, "card.delete", {"id": card["id"]})
    assert deleted.event["data"]["card"] == {"id": card["id"], "client_id": card["client_id"],
                                             "column": "obstacle", "deleted": True}
    for viewer in (alice, bob, facilitator):
        assert "Martin" not in repr(events_since(session, workshop.id, 0, viewer, 100))
    logged = session.scalars(select(BoardEvent.payload).where(BoardEvent.workshop_id == workshop.id)).all()
    assert len(logged) == 3 and "Martin" not in repr(logged)  # added, updated, deleted: tombstones
    assert session.get(Card, card["id"]).text == ""


def test_silent_writing_reaches_no_other_participant_sheet_or_report(board, session, app):
    """The facilitator pre-reads it (to prepare the clustering); no other participant, sheet or report gets it."""
    workshop, facilitator, (alice, bob, _) = board("metaplan")
    card = _add(session, alice, "Ma voisine Mme Leroy", "ideas").card
    assert card["private"] is True
    hidden = act(session, facilitator, "card.hide", {"id": card["id"]})
    assert hidden.event and "Leroy" in repr(hidden.card)
    assert "Leroy" not in repr(events_since(session, workshop.id, 0, bob, 100))
    assert "Leroy" in repr(events_since(session, workshop.id, 0, facilitator, 100))
    with pytest.raises(ValidationError):
        act(session, facilitator, "practice.create", {"card_ids": [card["id"]]})
    act(session, facilitator, "card.hide", {"id": card["id"], "hidden": False})
    with pytest.raises(NotFound):
        act(session, bob, "practice.suggest", {"card_id": card["id"]})
    with app.test_request_context():
        assert "Leroy" not in repr(report_view(session, workshop))
    assert act(session, alice, "practice.suggest", {"card_id": card["id"]}).extra == {"practices": []}
