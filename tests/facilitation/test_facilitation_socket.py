"""Facilitation with several real python-socketio clients against a live server: what each screen receives."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from workshop.extensions import db
from workshop.facilitation.models import Vote


@pytest.fixture
def room(make_user, make_workshop, session_cookie, board_client):
    """room(format, n) -> (facilitator client, [participant clients], workshop dict)."""

    def make(format_key: str = "freins-leviers", people: int = 2):
        user = make_user("facilitator", name="Fanny Animatrice")
        workshop = make_workshop(user, format_key=format_key)
        facilitator = board_client(workshop["code"], cookie=session_cookie(user))
        assert facilitator.participant["role"] == "facilitator"
        clients = [board_client(workshop["code"], f"Personne{i}") for i in range(people)]
        return facilitator, clients, workshop

    return make


def add(client, text, column):
    ack = client.call("card.add", {"client_id": uuid.uuid4().hex, "column": column, "text": text})
    assert ack["ok"], ack
    return ack["card"]


def raw(client) -> str:
    """Everything the client received as events, serialised: what its browser would hold."""
    return json.dumps(client.events, ensure_ascii=False)


def test_phase_changes_reach_everyone_and_participants_get_forbidden(room, board_client):
    facilitator, (alice, bob), workshop = room()
    ack = alice.call("phase.set", {"phase": "vote"})
    assert ack == {"ok": False, "error": {"code": "forbidden", "message": ack["error"]["message"]}}
    for event in ("board.lock", "cards.reveal", "timer.start", "votes.reveal", "undo", "group.delete",
                  "spotlight.set", "spotlight.clear", "reply.hide", "column.add", "groups.suggest"):
        assert alice.call(event, {})["error"]["code"] == "forbidden", event
    assert facilitator.call("phase.set", {"phase": "vote"})["ok"]
    for client in (alice, bob, facilitator):
        event = client.wait_for(lambda c: c.events_of("phase.changed"), message="phase")[0]
        assert event["data"]["phase"]["key"] == "vote" and event["data"]["phase"]["instructions"]
    ack = alice.call("card.add", {"client_id": "x1", "column": "obstacle", "text": "Trop tard"})
    assert ack["error"]["code"] == "closed"
    late = board_client(workshop["code"], "Retardataire")
    assert late.last_join["state"]["facilitation"]["phase"]["key"] == "vote"


def test_private_writing_sends_no_text_to_other_participants_until_reveal(room):
    facilitator, (alice, bob), _workshop = room("metaplan")  # anonymous, private silent writing
    card = add(alice, "Notre secret : le café des parents", "ideas")
    assert card["text"] == "Notre secret : le café des parents"
    bob.wait_for(lambda c: c.events_of("card.added"), message="card")
    facilitator.wait_for(lambda c: c.events_of("card.added"), message="card")
    alice.wait_for(lambda c: c.events_of("card.added"), message="card")
    for other in (bob, facilitator):
        assert "Personne0" not in raw(other)  # anonymous: no author name, to the facilitator either
        assert other.events_of("card.added")[0]["data"]["card"]["private"] is True
    assert "café des parents" not in raw(bob)
    # The facilitator pre-reads silent writing to prepare the clustering (their board shows it on demand).
    assert facilitator.events_of("card.added")[0]["data"]["card"]["text"] == card["text"]
    assert alice.events_of("card.added")[0]["data"]["card"]["text"] == card["text"]
    # a reconnecting screen gets the same view
    assert "café des parents" not in json.dumps(bob.call("resync", {"since": 0}), ensure_ascii=False)
    assert facilitator.call("cards.reveal", {})["ok"]
    for client in (alice, bob, facilitator):
        revealed = client.wait_for(lambda c: c.events_of("cards.revealed"), message="reveal")[0]
        assert [c["text"] for c in revealed["data"]["cards"]] == [card["text"]]
    assert "Personne0" not in raw(bob) and "Personne0" not in raw(facilitator)


def test_named_workshop_facilitator_pre_reads_who_wrote_and_what(room):
    facilitator, (alice, bob), _workshop = room("afom")
    add(alice, "Atout : une cour partagée", "strengths")
    seen = facilitator.wait_for(lambda c: c.events_of("card.added"), message="card")[0]["data"]["card"]
    assert seen["author"] == "Personne0" and seen["text"] == "Atout : une cour partagée"
    assert seen["private"] is True
    bob.wait_for(lambda c: c.events_of("card.added"), message="card")
    assert "cour partagée" not in raw(bob)
    bob_seen = bob.wait_for(lambda c: c.events_of("card.added"), message="card")[0]["data"]["card"]
    assert "author" not in bob_seen


def test_votes_hidden_until_reveal_then_ranking_for_all(room):
    facilitator, (alice, bob), _workshop = room()
    cards = [add(facilitator, f"Idée {i}", "obstacle") for i in range(3)]
    assert facilitator.call("phase.set", {"phase": "vote"})["ok"]
    ack = alice.call("vote.cast", {"kind": "card", "id": cards[0]["id"]})
    assert ack["ok"] and ack["used"] == 1 and ack["budget"] == 3
    bob.wait_for(lambda c: c.events_of("vote.cast"), message="vote")
    assert bob.events_of("vote.cast")[0]["data"]["vote"] is None
    assert bob.events_of("vote.cast")[0]["data"]["total"] == 1
    assert alice.wait_for(lambda c: c.events_of("vote.cast"))[0]["data"]["vote"]["target_id"] == cards[0]["id"]
    bob.call("vote.cast", {"kind": "card", "id": cards[0]["id"]})
    bob.call("vote.cast", {"kind": "card", "id": cards[1]["id"]})
    assert facilitator.call("votes.reveal", {"revealed": True})["ok"]
    results = alice.wait_for(lambda c: c.events_of("votes.revealed"))[0]["data"]["results"]
    assert results["cards"] == [{"id": cards[0]["id"], "dots": 2}, {"id": cards[1]["id"], "dots": 1}]
    assert alice.call("vote.cast", {"kind": "card", "id": cards[2]["id"]})["error"]["code"] == "closed"


@pytest.mark.slow
def test_vote_storm_loses_no_vote_and_never_exceeds_the_budget(app, room, board_client):
    """30 people fire 5 dots each at once (budget 3): exactly 90 dots, 3 each, every ack answered."""
    facilitator, _none, workshop = room(people=0)
    cards = [add(facilitator, f"Proposition {i}", "obstacle") for i in range(4)]
    assert facilitator.call("phase.set", {"phase": "vote"})["ok"]
    voters = [board_client(workshop["code"], f"Votant{i}") for i in range(30)]
    acks: dict[int, list] = {i: [] for i in range(len(voters))}
    start = threading.Barrier(len(voters))

    def storm(i, client):
        start.wait()
        for k in range(5):  # one more than allowed, and a second dot on a card (refused here)
            try:
                acks[i].append(client.call("vote.cast", {"kind": "card", "id": cards[(i + k) % 4]["id"]}))
            except Exception as error:  # noqa: BLE001 - a lost ack is what this test looks for
                acks[i].append({"ok": False, "error": {"code": "lost", "field": None, "message": repr(error)}})

    threads = [threading.Thread(target=storm, args=(i, c)) for i, c in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for i, answers in acks.items():
        accepted = [a for a in answers if a["ok"]]
        assert len(answers) == 5 and len(accepted) == 3, (i, answers)
        assert all(a["error"]["field"] == "budget" for a in answers if not a["ok"])
    with app.app_context():
        votes = db.session.scalars(db.select(Vote).where(Vote.workshop_id == workshop["id"])).all()
        per_person: dict[int, int] = {}
        for vote in votes:
            per_person[vote.participant_id] = per_person.get(vote.participant_id, 0) + 1
    assert len(votes) == 90 and set(per_person.values()) == {3}
    assert facilitator.call("votes.reveal", {})["ok"]
    results = facilitator.wait_for(lambda c: c.events_of("votes.revealed"))[0]["data"]["results"]
    assert results["total"] == 90 and sum(r["dots"] for r in results["cards"]) == 90
    for client in (facilitator, *voters):  # every screen got every dot event, in seq order, without a gap
        client.wait_for(lambda c: len(c.events_of("vote.cast")) == 90, message="90 dot events")
        seqs = client.seqs
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs


def test_groups_moves_spotlight_and_undo_are_live(room):
    facilitator, (alice, bob), _workshop = room()
    a = add(alice, "Pas de salle disponible", "obstacle")
    b = add(bob, "Pas de salle disponible le soir", "obstacle")
    similar = bob.call("card.similar", {"text": "pas de salle libre"})
    assert similar["ok"] and {s["id"] for s in similar["similar"]} >= {a["id"]}
    suggestions = facilitator.call("groups.suggest", {})["suggestions"]
    assert suggestions and set(suggestions[0]["card_ids"]) == {a["id"], b["id"]}
    ack = facilitator.call("group.create", {"card_ids": [a["id"], b["id"]], "kind": "merge", "name": "Salles"})
    assert ack["ok"]
    group = alice.wait_for(lambda c: c.events_of("group.created"))[0]["data"]["group"]
    assert group["kind"] == "merge" and group["card_ids"] == [a["id"], b["id"]]
    assert facilitator.call("spotlight.set", {"kind": "group", "id": group["id"]})["ok"]
    assert bob.wait_for(lambda c: c.events_of("spotlight.changed"))[0]["data"]["spotlight"] == \
        {"kind": "group", "id": group["id"]}
    assert facilitator.call("undo", {})["ok"]
    assert alice.wait_for(lambda c: c.events_of("group.deleted"))[0]["data"]["undo"] is True


def test_timer_is_authoritative_for_a_reconnecting_screen(room, board_client):
    facilitator, (alice,), workshop = room(people=1)
    assert facilitator.call("timer.start", {"seconds": 120})["ok"]
    timer = alice.wait_for(lambda c: c.events_of("timer.started"))[0]["data"]["timer"]
    assert timer["running"] and timer["ends_at"]
    again = board_client(workshop["code"], token=alice.last_join["participant"]["token"])
    state_timer = again.last_join["state"]["facilitation"]["timer"]
    assert state_timer["running"] and 110 <= state_timer["remaining"] <= 120
    assert state_timer["ends_at"] == timer["ends_at"]


def test_timer_end_locks_the_board_when_asked(room):
    facilitator, (alice,), _workshop = room(people=1)
    assert facilitator.call("timer.start", {"seconds": 5, "lock_on_end": True})["ok"]
    ended = alice.wait_for(lambda c: c.events_of("timer.ended"), timeout=15)[0]
    assert ended["data"]["locked"] is True
    ack = alice.call("card.add", {"client_id": "late1", "column": "obstacle", "text": "Après la cloche"})
    assert ack["error"]["code"] == "closed"
    assert facilitator.call("board.lock", {"locked": False})["ok"]
    assert alice.call("card.add", {"client_id": "late2", "column": "obstacle", "text": "Rouvert"})["ok"]


def test_reactions_and_replies_in_anonymous_workshop_carry_no_names(room):
    facilitator, (alice, bob), _workshop = room("analyse-de-pratiques")
    card = add(facilitator, "Récit de la situation", "account")
    assert bob.call("reaction.toggle", {"card_id": card["id"], "kind": "dig"})["ok"]
    reply = bob.call("reply.add", {"card_id": card["id"], "client_id": "r1", "text": "On a vécu pareil"})
    assert reply["ok"]
    event = alice.wait_for(lambda c: c.events_of("reply.added"))[0]
    assert event["data"]["reply"]["text"] == "On a vécu pareil" and event["data"]["reply"]["author"] is None
    assert "Personne1" not in raw(alice)
    assert facilitator.call("reply.hide", {"id": reply["reply"]["id"]})["ok"]
    hidden = alice.wait_for(lambda c: c.events_of("reply.hidden"))[0]["data"]["reply"]
    assert hidden == {"id": reply["reply"]["id"], "card_id": card["id"], "hidden": True}


def test_bad_payloads_answer_invalid_and_keep_the_connection(room):
    facilitator, (alice,), _workshop = room(people=1)
    for event, payload in [("vote.cast", {"id": "x"}), ("vote.cast", None), ("phase.set", {"phase": 3}),
                           ("timer.start", {"seconds": -1}), ("group.create", {"card_ids": "1,2"}),
                           ("card.move", {"id": 999999}), ("group.rename", {"id": True, "name": "x"}),
                           ("column.add", {"label": "", "key": "x"}), ("spotlight.set", {"kind": "evil"})]:
        client = alice if event == "vote.cast" else facilitator
        ack = client.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found", "closed"), (event, ack)
    assert alice.connected and facilitator.connected


def test_the_facilitator_groups_silent_writing_before_the_reveal_and_no_text_leaks(room):
    """Issue #13: the facilitator pre-reads private cards and clusters them before the reveal; the grouping event
    carries ids only, so another participant learns where a card went, never what it says."""
    facilitator, (alice, bob), _workshop = room("metaplan")
    first = add(alice, "Les horaires du soir excluent les familles", "ideas")
    second = add(bob, "Les familles travaillent tard le soir", "ideas")
    facilitator.wait_for(lambda c: len(c.events_of("card.added")) == 2, message="cards")
    ack = facilitator.call("group.create", {"card_ids": [first["id"], second["id"]], "name": "Le soir"})
    assert ack["ok"], ack
    for client in (alice, bob, facilitator):
        group = client.wait_for(lambda c: c.events_of("group.created"), message="group")[0]["data"]["group"]
        assert group["card_ids"] == [first["id"], second["id"]] and group["name"] == "Le soir"
    assert "horaires du soir" not in raw(bob) and "travaillent tard" not in raw(alice)
    assert "horaires du soir" not in json.dumps(bob.call("resync", {"since": 0}), ensure_ascii=False)
    assert facilitator.call("cards.reveal", {})["ok"]
    revealed = bob.wait_for(lambda c: c.events_of("cards.revealed"), message="reveal")[0]["data"]["cards"]
    assert first["text"] in [c["text"] for c in revealed]
    assert "Le soir" in json.dumps(bob.call("resync", {"since": 0}), ensure_ascii=False)  # the group stays
