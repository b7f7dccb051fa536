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
