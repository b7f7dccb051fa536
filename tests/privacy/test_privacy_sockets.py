"""Erasure reaches open screens at once, over real Socket.IO clients on a live server."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def code(make_user, make_workshop):
    return make_workshop(make_user("facilitator", name="Samia Animatrice"), "Atelier RGPD")["code"]


def test_an_open_screen_drops_the_erased_cards_and_a_resync_or_late_joiner_never_gets_them(board_client, client,
                                                                                           code):
    nadia = board_client(code, "Nadia")
    karim = board_client(code, "Karim")
    mine = nadia.add_card("La famille Martin ne vient plus")["card"]
    karim.add_card("Café des parents le jeudi")
    karim.wait_for(lambda c: len(c.events_of("card.added")) == 2, message="both cards")

    response = client.post("/api/donnees-personnelles/effacer", json={"code": code,
                                                                       "token": nadia.participant["token"]})
    assert response.status_code == 200 and response.get_json()["erased"]["cards"] == 1

    event = karim.wait_for(lambda c: next(iter(c.events_of("privacy.erased")), None), message="the erasure")
    assert event["data"]["cards"] == [mine["id"]] and event["data"]["participants"] == [nadia.participant["id"]]
    assert "Martin" not in json.dumps(event, ensure_ascii=False)

    replay = karim.call("resync", {"since": 0})
    assert replay["ok"]
    text = json.dumps(replay, ensure_ascii=False)
    assert "Martin" not in text and "Nadia" not in text and "Café des parents le jeudi" in text

    # Her open socket is shown under the pseudonym: no screen lists her name any more.
    karim.wait_for(lambda c: c.presence and "Nadia" not in c.presence[-1]["names"], message="the pseudonym")
    assert "Participant·e effacé·e" in karim.presence[-1]["names"]
    late = board_client(code, "Léa")
    state = json.dumps(late.last_join, ensure_ascii=False)
    assert "Martin" not in state and "Nadia" not in state and "Café des parents le jeudi" in state


def test_erasing_a_person_tells_only_them_and_the_facilitator_of_their_waiting_cards(board_client, client,
                                                                                  make_user, make_workshop,
                                                                                  session_cookie):
    """Moderated mode: a pending card exists for its author and moderators only, its erasure too."""
    user = make_user("facilitator", name="Fanny Animatrice")
    code = make_workshop(user, "Atelier modéré")["code"]
    facilitator = board_client(code, cookie=session_cookie(user))
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    shown = nadia.add_card("Le goûter du mercredi")["card"]
    assert facilitator.call("board.moderate", {"moderated": True})["ok"]
    waiting = nadia.add_card("La directrice ne répond plus")["card"]
    assert waiting["pending"] is True
    karim.add_card("Ma carte en attente")

    response = client.post("/api/donnees-personnelles/effacer", json={"code": code,
                                                                       "token": nadia.participant["token"]})
    assert response.status_code == 200 and response.get_json()["erased"]["cards"] == 2

    def erased_ids(events):
        return sorted(e["data"]["card"]["id"] if "card" in e["data"] else i
                      for e in events if e["type"] == "privacy.erased"
                      for i in ([None] if "card" in e["data"] else e["data"]["cards"]))

    for screen in (facilitator, nadia):  # the moderator and the author drop both cards
        screen.wait_for(lambda c: len(c.events_of("privacy.erased")) == 2, message="both erasures")
        assert erased_ids(screen.events) == sorted([shown["id"], waiting["id"]])
        own = next(e for e in screen.events_of("privacy.erased") if "card" in e["data"])["data"]["card"]
        assert own["pending"] is True and own["deleted"] is True and "text" not in own
    # Karim gets the card he saw, and a bare seq for the other: not even the id of a card he never saw.
    last = facilitator.events_of("privacy.erased")[-1]["seq"]
    karim.wait_for(lambda c: last in c.seqs, message="the second erasure's seq")
    assert erased_ids(karim.events) == [shown["id"]]
    assert [e for e in karim.events if e["seq"] == last] == [{"seq": last, "type": "withheld", "data": {}}]
    replay = karim.call("resync", {"since": 0})
    assert erased_ids(replay["events"]) == [shown["id"]] and replay["events"][-1]["type"] == "withheld"
    assert erased_ids(facilitator.call("resync", {"since": 0})["events"]) == sorted([shown["id"], waiting["id"]])
