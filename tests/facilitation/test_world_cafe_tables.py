"""World café by tables: the facilitator sets the tables, each participant sits at one (changeable during rounds),
cards posted in a round column carry their table, late joiners learn their table in the join state."""

from __future__ import annotations

import uuid

import pytest

from tests.board_helpers import act, board_state
from workshop.errors import Closed, Forbidden, ValidationError


def post(client, client_id, column, text) -> dict:
    ack = client.call("card.add", {"client_id": client_id, "column": column, "text": text})
    assert ack["ok"], ack
    return ack["card"]


def add(session, participant, text, column):
    return act(session, participant, "card.add", {"client_id": uuid.uuid4().hex, "column": column, "text": text})


def tables_state(session, workshop, viewer) -> dict:
    return board_state(session, workshop, viewer)["facilitation"]["tables"]


def test_world_cafe_has_four_tables_and_seats_people_round_robin(board, session):
    workshop, facilitator, people = board("world-cafe", participants=5)
    state = tables_state(session, workshop, people[0])
    assert state["count"] == 4 and state["columns"] == ["round1", "round2", "round3"]
    assert [tables_state(session, workshop, p)["mine"] for p in people] == [1, 2, 3, 4, 1]
    assert tables_state(session, workshop, facilitator)["mine"] is None
    other, _f, others = board("freins-leviers", participants=1)
    assert tables_state(session, other, others[0]) == {"count": 0, "columns": [], "mine": None, "seat": None,
                                                        "rank": None}


def test_cards_in_round_columns_record_the_authors_table_not_in_harvest(board, session):
    workshop, facilitator, (alice, bob, _carol) = board("world-cafe")
    assert add(session, alice, "Idée A", "round1").card["table"] == 1
    assert add(session, bob, "Idée B", "round1").card["table"] == 2
    act(session, facilitator, "phase.set", {"phase": "harvest"})
    assert add(session, alice, "Ce qu'on retient", "harvest").card["table"] is None


def test_participant_changes_table_during_rounds_only_and_within_range(board, session):
    workshop, facilitator, (alice, bob, _carol) = board("world-cafe")
    act(session, facilitator, "phase.set", {"phase": "round2"})
    change = act(session, alice, "participant.table", {"table": 3})
    assert change.event["type"] == "participant.table"
    assert change.event["data"]["seat"] == {"participant_id": alice.id, "table": 3}
    assert tables_state(session, workshop, alice)["mine"] == 3
    assert add(session, alice, "Au tour 2", "round2").card["table"] == 3
    for bad in (0, 5, "2", True, None, 2.0):
        with pytest.raises(ValidationError):
            act(session, alice, "participant.table", {"table": bad})
    with pytest.raises(Forbidden):  # nobody chooses for someone else
        act(session, alice, "participant.table", {"table": 2, "participant_id": bob.id})
    act(session, facilitator, "participant.table", {"table": 4, "participant_id": bob.id})  # the facilitator may seat
    assert tables_state(session, workshop, bob)["mine"] == 4
    act(session, facilitator, "phase.set", {"phase": "harvest"})
    with pytest.raises(Closed):
        act(session, alice, "participant.table", {"table": 1})
    assert tables_state(session, workshop, alice)["mine"] == 3


def test_facilitator_sets_the_number_of_tables(board, session):
    workshop, facilitator, (alice, bob, carol) = board("world-cafe")
    act(session, facilitator, "phase.set", {"phase": "round1"})
    act(session, carol, "participant.table", {"table": 4})
    change = act(session, facilitator, "settings.update", {"tables": 2})
    assert change.event["data"]["settings"]["tables"] == 2
    assert [tables_state(session, workshop, p)["mine"] for p in (alice, bob, carol)] == [1, 2, 2]
    with pytest.raises(ValidationError):
        act(session, alice, "participant.table", {"table": 3})
    for bad in (0, 21, "4", True):
        with pytest.raises(ValidationError):
            act(session, facilitator, "settings.update", {"tables": bad})
    with pytest.raises(Forbidden):
        act(session, alice, "settings.update", {"tables": 3})
    other, other_facilitator, _ = board("afom")
    with pytest.raises(ValidationError):
        act(session, other_facilitator, "settings.update", {"tables": 3})


def test_two_tables_live_cards_carry_their_table_and_a_change_in_round_two(make_user, make_workshop,
                                                                             session_cookie, board_client):
    user = make_user("facilitator", name="Fanny Animatrice")
    workshop = make_workshop(user, format_key="world-cafe")
    facilitator = board_client(workshop["code"], cookie=session_cookie(user))
    alice = board_client(workshop["code"], "Alice")
    bob = board_client(workshop["code"], "Bob")
    assert alice.last_join["state"]["facilitation"]["tables"]["mine"] == 1
    assert bob.last_join["state"]["facilitation"]["tables"]["mine"] == 2
    assert facilitator.call("settings.update", {"tables": 2})["ok"]
    assert post(alice, "a1", "round1", "Table 1 parle")["table"] == 1
    assert post(bob, "b1", "round1", "Table 2 parle")["table"] == 2
    for client in (facilitator, alice, bob):
        cards = client.wait_for(lambda c: len(c.events_of("card.added")) == 2 and c.events_of("card.added"),
                                message="round 1 cards")
        assert {e["data"]["card"]["text"]: e["data"]["card"]["table"] for e in cards} == \
            {"Table 1 parle": 1, "Table 2 parle": 2}
    refused = alice.call("participant.table", {"table": 2, "participant_id": bob.participant["id"]})
    assert refused["error"]["code"] == "forbidden"
    assert facilitator.call("phase.set", {"phase": "round2"})["ok"]
    moved = alice.call("participant.table", {"table": 2})
    assert moved["ok"] and moved["table"] == 2
    assert alice.call("participant.table", {"table": 3})["error"]["code"] == "invalid"
    seat = bob.wait_for(lambda c: c.events_of("participant.table"), message="seat")[0]
    assert seat["data"]["seat"] == {"participant_id": alice.participant["id"], "table": 2}
    assert post(alice, "a2", "round2", "Nouvelle table")["table"] == 2
    late = board_client(workshop["code"], "Chloé")  # third arrival, two tables: table 1
    state = late.last_join["state"]
    assert state["facilitation"]["tables"] == {"count": 2, "columns": ["round1", "round2", "round3"], "mine": 1,
                                               "seat": None, "rank": 2}
    assert sorted((c["text"], c["table"]) for c in state["cards"]) == \
        [("Nouvelle table", 2), ("Table 1 parle", 1), ("Table 2 parle", 2)]
    back = board_client(token=alice.participant["token"], connect=True)
    back.join(workshop["code"], token=alice.participant["token"])
    assert back.last_join["state"]["facilitation"]["tables"]["mine"] == 2
