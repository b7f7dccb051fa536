"""Moderated mode (issue #17) with several real clients: a pending card reaches its author and the facilitator
only (events, acks, snapshots, pages, replays, votes, exports), until accepted (with the facilitator's words) or
refused (erased from the log)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from workshop.boards.models import Card, Workshop
from workshop.extensions import db
from workshop.facilitation.exports import export_rows, markdown
from workshop.live.models import BoardEvent
from workshop.toolkits.report import report_view

SECRET = "Le directeur refuse de nous recevoir"


@pytest.fixture
def room(app, make_user, make_workshop, session_cookie, board_client):
    """A moderated board: (facilitator, alice, bob, workshop); everyone saw the mode turn on."""
    user = make_user("facilitator", name="Fanny Animatrice")
    workshop = make_workshop(user)
    facilitator = board_client(workshop["code"], cookie=session_cookie(user))
    alice, bob = board_client(workshop["code"], "Alice"), board_client(workshop["code"], "Bob")
    assert facilitator.call("board.moderate", {"moderated": True}) == {"ok": True, "moderated": True,
                                                                       "seq": 1}
    for client in (facilitator, alice, bob):
        event = client.wait_for(lambda c: c.events_of("board.moderated"), message="mode")[0]
        assert event["data"] == {"moderated": True}
    return facilitator, alice, bob, workshop


def add(client, text, column="obstacle", client_id=None):
    return client.call("card.add", {"client_id": client_id or uuid.uuid4().hex, "column": column, "text": text})


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def exported(app, workshop_id) -> str:
    """The CSV rows, the Markdown and the report (PDF) of the board, as text."""
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        return dump([export_rows(db.session, workshop), markdown(db.session, workshop),
                     report_view(db.session, workshop)])


def test_a_pending_card_reaches_its_author_and_the_facilitator_and_nothing_of_it_anyone_else(app, room,
                                                                                           board_client):
    facilitator, alice, bob, workshop = room
    ack = add(alice, SECRET)
    assert ack["ok"] and ack["card"]["pending"] is True and ack["card"]["text"] == SECRET
    seq = ack["seq"]
    seen = facilitator.wait_for(lambda c: c.events_of("card.added"), message="inbox")[0]["data"]["card"]
    assert seen["text"] == SECRET and seen["pending"] is True and seen["author"] == "Alice"
    assert alice.wait_for(lambda c: c.events_of("card.added"))[0]["data"]["card"]["text"] == SECRET
    # Bob gets the seq, bare: not the type, not the id, not the column.
    bare = bob.wait_for(lambda c: seq in c.seqs, message="seq")
    assert bare and [e for e in bob.events if e["seq"] == seq] == [{"seq": seq, "type": "withheld", "data": {}}]
    assert SECRET not in dump(bob.events) and str(ack["card"]["client_id"]) not in dump(bob.events)

    # A late joiner's state, a paged state's next page, a replay, a reconnection: nothing of it either.
    late = board_client(workshop["code"], "Chloé")
    assert late.last_join["state"]["cards"] == [] and late.last_join["state"]["workshop"]["moderated"] is True
    assert late.call("state.cards", {"after": 0})["cards"] == []
    replay = bob.call("resync", {"since": 0})
    assert SECRET not in dump(replay) and [e["type"] for e in replay["events"]] == ["board.moderated", "withheld"]
    token = bob.participant["token"]
    bob.disconnect()
    back = board_client()
    answer = back.join(workshop["code"], token=token, since=0)
    assert SECRET not in dump(answer) and SECRET not in dump(back.call("resync", {"since": 0}))
    # The author and the facilitator find it again in their own states.
    assert [c["text"] for c in board_client().join(workshop["code"], token=alice.participant["token"])
            ["state"]["cards"]] == [SECRET]
    assert facilitator.call("resync", {"since": 0})["events"][1]["data"]["card"]["text"] == SECRET

    # Bob cannot reach it another way: a resend of its client_id, reactions, replies, reports, hints, dots.
    card_id = ack["card"]["id"]
    for event, payload in (("card.add", {"client_id": ack["card"]["client_id"], "column": "obstacle", "text": "x"}),
                           ("reaction.toggle", {"card_id": card_id, "kind": "same"}),
                           ("reply.add", {"client_id": "r1", "card_id": card_id, "text": "moi aussi"}),
                           ("card.report", {"id": card_id, "reason": "hurtful"}),
                           ("practice.suggest", {"card_id": card_id})):
        answer = back.call(event, payload)
        assert answer["ok"] is False and answer["error"]["code"] in ("not_found", "closed"), (event, answer)
        assert SECRET not in dump(answer)
    assert back.call("card.add", {"client_id": ack["card"]["client_id"], "column": "obstacle",
                                  "text": "x"})["error"]["code"] == "not_found"
    assert back.call("card.similar", {"text": "directeur refuse recevoir"})["similar"] == []
    assert facilitator.call("phase.set", {"phase": "vote"})["ok"]
    assert back.call("vote.cast", {"kind": "card", "id": card_id})["error"]["code"] == "not_found"
    # Nor the exports: CSV and Markdown rows, the report.
    assert SECRET not in exported(app, workshop["id"])
    # The facilitator revealing private cards or votes does not put it on the board either.
    assert facilitator.call("cards.reveal", {})["ok"]
    assert facilitator.call("votes.reveal", {"revealed": True})["ok"]
    assert SECRET not in dump(back.events) and SECRET not in dump(back.call("resync", {"since": 0}))


def test_accepting_with_new_words_shows_the_card_to_everyone_as_the_facilitator_wrote_it(app, room,
                                                                                       board_client):
    facilitator, alice, bob, workshop = room
    card = add(alice, SECRET)["card"]
    fixed = "La direction n'a pas encore pu nous recevoir"
    ack = facilitator.call("card.accept", {"id": card["id"], "text": fixed})
    assert ack["ok"] and ack["card"]["pending"] is False and ack["card"]["text"] == fixed
    for client in (facilitator, alice, bob):
        shown = client.wait_for(lambda c: c.events_of("card.accepted"), message="accepted")[0]["data"]["card"]
        assert shown["text"] == fixed and shown["pending"] is False and shown["id"] == card["id"]
    assert SECRET not in dump(bob.events)
    assert [c["text"] for c in board_client(workshop["code"], "Chloé").last_join["state"]["cards"]] == [fixed]
    replay = bob.call("resync", {"since": 0})["events"]
    assert [e["type"] for e in replay] == ["board.moderated", "withheld", "card.accepted"]
    assert fixed in exported(app, workshop["id"])
    # Accepted once: a second decision is refused, a vote now counts.
    assert facilitator.call("card.accept", {"id": card["id"]})["error"]["code"] == "invalid"
    assert facilitator.call("card.reject", {"id": card["id"]})["error"]["code"] == "invalid"
    assert facilitator.call("phase.set", {"phase": "vote"})["ok"]
    assert bob.call("vote.cast", {"kind": "card", "id": card["id"]})["ok"]


def test_accepting_without_text_keeps_the_authors_words(room):
    facilitator, alice, bob, _workshop = room
    card = add(alice, "Les horaires du centre")["card"]
    assert facilitator.call("card.accept", {"id": card["id"]})["card"]["text"] == "Les horaires du centre"
    assert bob.wait_for(lambda c: c.events_of("card.accepted"))[0]["data"]["card"]["text"] == "Les horaires du centre"


def test_refusing_erases_the_card_from_the_board_and_its_log(app, room):
    facilitator, alice, bob, workshop = room
    card = add(alice, SECRET)["card"]
    ack = facilitator.call("card.reject", {"id": card["id"]})
    assert ack["ok"] and ack["card"]["deleted"] is True and "text" not in ack["card"]
    gone = alice.wait_for(lambda c: c.events_of("card.deleted"), message="refused")[0]["data"]["card"]
    assert gone["id"] == card["id"] and gone["refused"] is True
    bob.wait_for(lambda c: c.seqs and c.seqs[-1] == ack["seq"])
    assert [e["type"] for e in bob.events] == ["board.moderated", "withheld", "withheld"]
    with app.app_context():
        logged = db.session.scalars(select(BoardEvent.payload).where(BoardEvent.workshop_id == workshop["id"]))
        assert SECRET not in dump(list(logged))
        assert db.session.get(Card, card["id"]).text == ""
    for client in (facilitator, alice, bob):
        assert SECRET not in dump(client.call("resync", {"since": 0}))
    assert alice.call("resync", {"since": 0})["events"][1]["data"]["card"]["deleted"] is True


def test_turning_the_mode_off_leaves_waiting_cards_waiting_and_new_cards_go_straight_up(room):
    facilitator, alice, bob, _workshop = room
    waiting = add(alice, SECRET)["card"]
    assert facilitator.call("board.moderate", {"moderated": False})["ok"]
    bob.wait_for(lambda c: c.events_of("board.moderated")[-1]["data"] == {"moderated": False})
    straight = add(alice, "Un café des parents")["card"]
    assert straight["pending"] is False
    assert bob.wait_for(lambda c: c.events_of("card.added"))[0]["data"]["card"]["text"] == "Un café des parents"
    inbox = [c["id"] for c in facilitator.call("state.cards", {"after": 0})["cards"] if c["pending"]]
    assert inbox == [waiting["id"]]
    assert SECRET not in dump(bob.events)
    # The facilitator's own cards never wait.
    assert facilitator.call("board.moderate", {"moderated": True})["ok"]
    assert add(facilitator, "Consigne : une idée par post-it")["card"]["pending"] is False


def test_only_a_moderator_decides_and_hostile_payloads_get_stable_codes(room, board_client):
    facilitator, alice, bob, workshop = room
    card = add(alice, SECRET)["card"]
    for event, payload in (("card.accept", {"id": card["id"]}), ("card.accept", {"id": card["id"], "text": "x"}),
                           ("card.reject", {"id": card["id"]}), ("board.moderate", {"moderated": False})):
        for who in (alice, bob):
            assert who.call(event, payload)["error"]["code"] == "forbidden", (event, who.name)
    hostile = [
        ("card.accept", {}, "invalid"), ("card.accept", {"id": "1"}, "invalid"),
        ("card.accept", {"id": True}, "invalid"),
        ("card.accept", {"id": 2**63}, "invalid"), ("card.accept", {"id": 999999}, "not_found"),
        ("card.accept", {"id": card["id"], "text": ""}, "invalid"),
        ("card.accept", {"id": card["id"], "text": 3}, "invalid"),
        ("card.accept", {"id": card["id"], "text": "x" * 501}, "invalid"),
        ("card.reject", {"id": [card["id"]]}, "invalid"), ("card.reject", {"id": None}, "invalid"),
        ("board.moderate", {"moderated": "oui"}, "invalid"), ("board.moderate", {"moderated": 1}, "invalid"),
        ("board.moderate", "on", "invalid"), ("card.accept", None, "invalid"),
    ]
    for event, payload, code in hostile:
        answer = facilitator.call(event, payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, (event, payload, answer)
        assert answer["error"]["message"].strip()
    assert facilitator.call("card.accept", {"id": card["id"]})["ok"]  # still pending after all the refusals


def test_a_sheet_is_made_only_of_accepted_cards(room):
    facilitator, alice, _bob, _workshop = room
    card = add(alice, "Les parents relais")["card"]
    refused = facilitator.call("practice.create", {"card_ids": [card["id"]], "title": "Relais"})
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"
    assert refused["error"]["field"] == "card_ids"
    assert facilitator.call("card.accept", {"id": card["id"]})["ok"]
    assert facilitator.call("practice.create", {"card_ids": [card["id"]], "title": "Relais"})["ok"]


def test_silent_writing_and_moderation_together_reveal_to_the_facilitator_first(make_user, make_workshop,
                                                                                 session_cookie, board_client):
    user = make_user("facilitator")
    workshop = make_workshop(user, format_key="metaplan")  # anonymous, private silent writing
    facilitator = board_client(workshop["code"], cookie=session_cookie(user))
    alice, bob = board_client(workshop["code"], "Alice"), board_client(workshop["code"], "Bob")
    assert facilitator.call("board.moderate", {"moderated": True})["ok"]
    card = add(alice, SECRET, "ideas")["card"]
    assert card["pending"] is True and card["private"] is True
    seen = facilitator.wait_for(lambda c: c.events_of("card.added"))[0]["data"]["card"]
    # In the facilitator's inbox, which pre-reads silent writing (as the console does to prepare the clustering)
    assert seen["pending"] is True and seen["text"] == SECRET
    assert SECRET not in dump(bob.events)  # the other participant gets nothing of it
    reveal = facilitator.call("cards.reveal", {})
    assert reveal["ok"]
    revealed = facilitator.wait_for(lambda c: c.events_of("cards.revealed"))[0]["data"]["cards"]
    assert [(c["text"], c["pending"]) for c in revealed] == [(SECRET, True)]
    bob.wait_for(lambda c: c.seqs and c.seqs[-1] == reveal["seq"])
    assert [e for e in bob.events if e["seq"] == reveal["seq"]] == [{"seq": reveal["seq"], "type": "withheld",
                                                                      "data": {}}]
    assert SECRET not in dump(bob.events)
    assert facilitator.call("card.accept", {"id": card["id"]})["ok"]
    assert bob.wait_for(lambda c: c.events_of("card.accepted"))[0]["data"]["card"]["text"] == SECRET


def test_in_frames_a_pending_card_reaches_its_author_and_the_facilitator_only(app, make_user, make_workshop,
                                                                            session_cookie, board_client):
    """Screens that take events in frames get the same views: the author their own, others a bare seq."""
    user = make_user("facilitator", name="Fanny Animatrice")
    workshop = make_workshop(user)
    facilitator = board_client(workshop["code"], cookie=session_cookie(user), frames=True)
    alice = board_client(workshop["code"], "Alice", frames=True)
    bob, carla = board_client(workshop["code"], "Bob", frames=True), board_client(workshop["code"], "Carla")
    assert facilitator.call("board.moderate", {"moderated": True})["ok"]
    ack = add(alice, SECRET)
    assert ack["ok"] and ack["card"]["pending"] is True
    for client in (facilitator, alice):
        card = client.wait_for(lambda c: c.events_of("card.added"), message="the card")[0]["data"]["card"]
        assert card["text"] == SECRET and client.frames, client.name
    for client in (bob, carla):
        client.wait_for(lambda c: ack["seq"] in c.seqs, message="the seq")
        assert [e for e in client.events if e["seq"] == ack["seq"]] == [{"seq": ack["seq"], "type": "withheld",
                                                                         "data": {}}]
        assert SECRET not in dump(client.events), client.name
    assert bob.frames and not carla.frames  # Carla takes events one by one
