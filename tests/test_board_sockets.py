"""The live board protocol (namespace /board) with several real python-socketio clients on a live server."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from tests.realtime import BoardClient, wait_until


@pytest.fixture
def host(board_client, code, facilitator, session_cookie) -> BoardClient:
    """The workshop's facilitator, joined with the session cookie of their login."""
    return board_client(code, cookie=session_cookie(facilitator), name="Samia")


def error_of(answer: dict) -> dict:
    assert answer["ok"] is False, answer
    error = answer["error"]
    assert isinstance(error["message"], str) and error["message"].strip(), answer
    return error


def test_a_card_reaches_every_screen(board_client, code, host):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    assert nadia.participant["role"] == "participant" and nadia.participant["token"]
    assert host.participant["role"] == "facilitator"

    answer = nadia.add_card("Les horaires ne collent pas", column="obstacle", client_id="nadia-1")
    assert answer["ok"] is True
    card = answer["card"]
    assert (card["client_id"], card["column"], card["text"]) == ("nadia-1", "obstacle", "Les horaires ne collent pas")
    assert answer["seq"] == 1
    for client in (nadia, karim, host):
        [event] = client.wait_for_events(1)
        # the facilitator also learns the language the card was written in (#18); participants never do
        shown = {**card, "language": "fr"} if client is host else card
        assert event == {"seq": 1, "type": "card.added", "data": {"card": shown}}

    late = board_client(code, "Élodie")
    assert [c["text"] for c in late.last_join["state"]["cards"]] == ["Les horaires ne collent pas"]
    assert late.last_join["seq"] == 1
    assert [c["key"] for c in late.last_join["state"]["columns"]] == ["obstacle", "lever", "method"]


def test_every_screen_sees_the_same_strictly_increasing_seqs_under_concurrent_posting(board_client, code, host):
    writers = [board_client(code, f"Personne {i}") for i in range(5)]
    start = threading.Barrier(len(writers))
    answers: list[dict] = []
    lock = threading.Lock()

    def post(client: BoardClient) -> None:
        start.wait()
        for i in range(10):
            answer = client.add_card(f"{client.name} : idée {i}", column=("obstacle", "lever", "method")[i % 3])
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=post, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 50 and all(a["ok"] for a in answers), [a for a in answers if not a["ok"]]
    assert sorted(a["seq"] for a in answers) == list(range(1, 51))
    for client in (*writers, host):
        client.wait_for_events(50)
        assert client.seqs == list(range(1, 51)), client.name
    texts = {e["data"]["card"]["text"] for e in host.events}
    assert len(texts) == 50


def test_a_resend_returns_the_same_card_and_broadcasts_nothing(board_client, code):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    first = nadia.add_card("Un café des parents", column="lever", client_id="resend-1")
    again = nadia.add_card("Un café des parents", column="lever", client_id="resend-1")
    assert again["ok"] and again["card"]["id"] == first["card"]["id"]
    assert "seq" not in again
    marker = nadia.add_card("Marqueur", client_id="marker")
    assert marker["seq"] == 2
    karim.wait_for(lambda c: 2 in c.seqs, message="the marker card")
    assert karim.seqs == [1, 2]
    assert [c["client_id"] for c in karim.cards_received()] == ["resend-1", "marker"]


def test_a_dropped_client_catches_up_with_exactly_what_it_missed(board_client, code, live_server):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    nadia.add_card("Avant la coupure", client_id="before")
    karim.wait_for_events(1)
    token = karim.participant["token"]
    karim.disconnect()
    for i in range(3):
        assert nadia.add_card(f"Pendant la coupure {i}", client_id=f"during-{i}")["ok"]

    back = board_client(code, name="Karim", token=token, connect=True)  # joined without `since`: full state
    assert back.participant["id"] == karim.participant["id"]
    assert back.last_join["seq"] == 4 and len(back.last_join["state"]["cards"]) == 4
    resync = back.call("resync", {"since": 1})
    assert resync["ok"] and "state" not in resync
    assert [e["seq"] for e in resync["events"]] == [2, 3, 4]
    assert [e["data"]["card"]["client_id"] for e in resync["events"]] == ["during-0", "during-1", "during-2"]
    assert back.call("resync", {"since": 4}) == {"ok": True, "events": [], "seq": 4}

    # Joining again with `since` gives the missed events directly.
    other = board_client(connect=True)
    answer = other.call("join", {"code": code, "token": token, "since": 2})
    assert answer["ok"] and answer["participant"]["id"] == karim.participant["id"]
    assert [e["seq"] for e in answer["events"]] == [3, 4] and "state" not in answer


def test_clients_survive_a_server_restart_and_resync(board_client, code, live_server):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    nadia.add_card("Avant", client_id="before")
    karim.wait_for_events(1)
    port = live_server.port
    live_server.stop()
    wait_until(lambda: not nadia.connected and not karim.connected, message="clients to see the drop")
    live_server.start()
    assert live_server.port == port
    nadia2 = board_client(code, token=nadia.participant["token"])
    assert nadia2.add_card("Après", client_id="after")["seq"] == 2
    karim2 = board_client(connect=True)
    answer = karim2.call("join", {"code": code, "token": karim.participant["token"], "since": 1})
    assert [e["data"]["card"]["text"] for e in answer["events"]] == ["Après"]


@pytest.mark.parametrize("app_config", [{"RESYNC_MAX_EVENTS": 3}])
def test_too_far_behind_gets_the_whole_state(board_client, code):
    nadia = board_client(code, "Nadia")
    for i in range(5):
        nadia.add_card(f"Idée {i}", client_id=f"c{i}")
    answer = nadia.call("resync", {"since": 1})
    assert answer["ok"] and "events" not in answer
    assert answer["seq"] == 5
    assert [c["text"] for c in answer["state"]["cards"]] == [f"Idée {i}" for i in range(5)]
    assert [e["seq"] for e in nadia.call("resync", {"since": 2})["events"]] == [3, 4, 5]


BAD_PAYLOADS = [
    # (event, payload or absent, French words expected in the message)
    ("card.add", (), "n'a pas la bonne forme"),
    ("card.add", ("un texte",), "n'a pas la bonne forme"),
    ("card.add", ([1, 2],), "n'a pas la bonne forme"),
    ("card.add", (42,), "n'a pas la bonne forme"),
    ("card.add", ({"column": "obstacle", "text": "ok"},), "client_id"),
    ("card.add", ({"client_id": 7, "column": "obstacle", "text": "ok"},), "client_id"),
    ("card.add", ({"client_id": "a b", "column": "obstacle", "text": "ok"},), "client_id"),
    ("card.add", ({"client_id": "x" * 65, "column": "obstacle", "text": "ok"},), "client_id"),
    ("card.add", ({"client_id": "c1", "text": "ok"},), "Colonne inconnue"),
    ("card.add", ({"client_id": "c1", "column": "freins", "text": "ok"},), "Colonne inconnue"),
    ("card.add", ({"client_id": "c1", "column": {"k": 1}, "text": "ok"},), "Colonne inconnue"),
    ("card.add", ({"client_id": "c1", "column": "obstacle"},), "doit être un texte"),
    ("card.add", ({"client_id": "c1", "column": "obstacle", "text": 12},), "doit être un texte"),
    ("card.add", ({"client_id": "c1", "column": "obstacle", "text": ""},), "est vide"),
    ("card.add", ({"client_id": "c1", "column": "obstacle", "text": "  \n "},), "est vide"),
    ("card.add", ({"client_id": "c1", "column": "obstacle", "text": "a" * 501},), "trop long"),
    ("card.add", ({"client_id": "c1", "column": "obstacle", "text": "nul\x00"},), "caractères invalides"),
    ("card.update", ({"text": "ok"},), "Identifiant invalide"),
    ("card.update", ({"id": "1", "text": "ok"},), "Identifiant invalide"),
    ("card.update", ({"id": -3, "text": "ok"},), "Identifiant invalide"),
    ("card.update", ({"id": "{own}", "text": "b" * 501},), "trop long"),
    ("card.update", ({"id": "{own}", "text": "ok", "column": "nulle-part"},), "Colonne inconnue"),
    ("card.update", ({"id": "{own}", "text": "ok", "column": 3},), "Colonne inconnue"),
    ("card.delete", ({"id": True},), "Identifiant invalide"),
    ("card.delete", ("1",), "n'a pas la bonne forme"),
    ("resync", ({},), "since"),
    ("resync", ({"since": "3"},), "séquence"),
    ("resync", ({"since": -1},), "séquence"),
    ("resync", ("3",), "since"),
    ("join", ("ABCD",), "n'a pas la bonne forme"),
    ("join", ({"code": "{code}", "name": ""},), "est vide"),
    ("join", ({"code": "{code}", "name": "n" * 61},), "trop long"),
    ("join", ({"code": "{code}", "name": "Nadia", "token": 5},), "Jeton invalide"),
    ("join", ({"code": "{code}", "name": "Nadia", "since": "x"},), "séquence"),
    ("card.explode", ({"id": 1},), "Action inconnue"),
]


def _fill(value, **names):
    if isinstance(value, dict):
        return {k: _fill(v, **names) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


def test_each_bad_payload_is_answered_invalid_in_french_and_the_connection_stays(board_client, code, host):
    nadia = board_client(code, "Nadia")
    own = nadia.add_card("Mon post-it", client_id="own")["card"]["id"]
    failures = []
    for event, args, words in BAD_PAYLOADS:
        payload = tuple(_fill(a, own=own, code=code) for a in args)
        answer = nadia.call(event, *payload)
        if answer.get("ok") is not False or answer["error"]["code"] != "invalid" \
                or words not in answer["error"]["message"]:
            failures.append((event, payload, answer))
    assert failures == []
    hide = error_of(host.call("card.hide", {"id": own, "hidden": "oui"}))
    assert hide["code"] == "invalid" and "hidden" in hide["message"]
    assert nadia.connected and host.connected
    assert nadia.participant["id"] == nadia.call("join", {"code": code, "token": nadia.participant["token"]}
                                                 )["participant"]["id"]
    assert nadia.add_card("Toujours là", client_id="after")["ok"]
    # Nothing above was recorded: the log holds the two good cards only.
    assert [e["seq"] for e in host.wait_for_events(2)] == [1, 2]


def test_each_forbidden_action_is_refused(board_client, code, host):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    card = nadia.add_card("À Nadia", client_id="n1")["card"]
    refused = {
        "card.hide": karim.call("card.hide", {"id": card["id"], "hidden": True}),
        "card.hide own": nadia.call("card.hide", {"id": card["id"], "hidden": True}),
        "workshop.close": karim.call("workshop.close", {}),
        "card.update other": karim.call("card.update", {"id": card["id"], "text": "Piraté"}),
        "card.delete other": karim.call("card.delete", {"id": card["id"]}),
    }
    for action, answer in refused.items():
        assert error_of(answer)["code"] == "forbidden", action
    stranger = board_client(connect=True)  # connected, never joined
    for event, payload in (("card.add", {"client_id": "s", "column": "obstacle", "text": "Intrus"}),
                           ("resync", {"since": 0}), ("card.delete", {"id": card["id"]}),
                           ("workshop.close", {})):
        error = error_of(stranger.call(event, payload))
        assert error["code"] == "forbidden" and "Rejoignez d'abord" in error["message"], event
    assert karim.connected and stranger.connected
    # The card is untouched and the facilitator may still act on it.
    assert host.call("card.update", {"id": card["id"], "text": "Reformulé par l'animatrice"})["ok"]
    assert host.call("card.delete", {"id": card["id"]})["ok"]
    nadia.wait_for(lambda c: c.seqs == [1, 2, 3], message="add, update, delete")
    assert [e["type"] for e in nadia.events] == ["card.added", "card.updated", "card.deleted"]
    assert error_of(nadia.call("card.update", {"id": card["id"], "text": "encore"}))["code"] == "not_found"


def test_a_card_of_another_workshop_is_not_found(board_client, code, facilitator, make_workshop):
    elsewhere = make_workshop(facilitator, "Autre atelier")["code"]
    nadia, karim = board_client(code, "Nadia"), board_client(elsewhere, "Karim")
    card = nadia.add_card("Ici", client_id="here")["card"]
    assert error_of(karim.call("card.delete", {"id": card["id"]}))["code"] == "not_found"
    assert error_of(karim.call("card.update", {"id": 99999, "text": "x"}))["code"] == "not_found"
    assert karim.events == []


def test_a_closed_workshop_answers_closed(board_client, code, host):
    nadia = board_client(code, "Nadia")
    mine = nadia.add_card("Avant la fermeture", client_id="before")["card"]
    closing = host.call("workshop.close", {})
    assert closing["ok"] and closing["seq"] == 2
    nadia.wait_for(lambda c: c.events_of("workshop.closed"), message="workshop.closed")
    error = error_of(nadia.add_card("Trop tard", client_id="late"))
    assert error["code"] == "closed" and "fermé" in error["message"]
    assert error_of(nadia.call("card.update", {"id": mine["id"], "text": "Modifié"}))["code"] == "closed"
    late = board_client(code, "Karim")
    assert late.last_join["state"]["workshop"]["status"] == "closed"
    assert host.call("workshop.reopen", {})["ok"]
    assert nadia.add_card("Rouvert", client_id="reopened")["seq"] == 4


@pytest.mark.parametrize("app_config", [{"CARD_RATE": "5/10 seconds"}])
def test_a_card_flood_is_rate_limited_not_disconnected(board_client, code):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    answers = [nadia.add_card(f"Spam {i}", client_id=f"spam-{i}") for i in range(8)]
    assert [a["ok"] for a in answers] == [True] * 5 + [False] * 3
    error = error_of(answers[-1])
    assert error["code"] == "rate_limited" and "Attendez quelques secondes" in error["message"]
    assert nadia.connected
    assert nadia.call("resync", {"since": 0})["ok"]  # other events still work
    assert karim.add_card("Moi aussi", client_id="karim-1")["ok"]  # the limit is per person
    karim.wait_for(lambda c: len(c.events) == 6, message="5 cards + 1")


def test_hidden_cards_never_reach_participants(board_client, code, host):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    secret = nadia.add_card("Le nom d'un enfant", client_id="secret")["card"]
    karim.wait_for_events(1)
    assert host.call("card.hide", {"id": secret["id"], "hidden": True})["ok"]
    hidden_event = karim.wait_for(lambda c: c.events_of("card.hidden"), message="card.hidden")[0]
    assert hidden_event["data"]["card"] == {"id": secret["id"], "client_id": "secret", "column": "obstacle",
                                            "hidden": True}
    host_event = host.wait_for(lambda c: c.events_of("card.hidden"), message="card.hidden")[0]
    assert host_event["data"]["card"]["text"] == "Le nom d'un enfant"

    # The author edits the hidden card: participants still get no text.
    assert nadia.call("card.update", {"id": secret["id"], "text": "Un autre nom d'enfant"})["ok"]
    updated = karim.wait_for(lambda c: c.events_of("card.updated"), message="card.updated")[0]
    assert "text" not in updated["data"]["card"]

    for viewer in (board_client(code, "Élodie"), karim):
        state = viewer.call("join", {"code": code, "token": viewer.participant["token"]})
        assert state["state"]["cards"] == [], viewer.name
        replay = viewer.call("resync", {"since": 0})
        assert "enfant" not in repr(replay), viewer.name
    assert "enfant" in repr(host.call("resync", {"since": 0}))
    assert [c["hidden"] for c in host.call("join", {"code": code})["state"]["cards"]] == [True]

    assert host.call("card.hide", {"id": secret["id"], "hidden": False})["ok"]
    shown = karim.wait_for(lambda c: c.events_of("card.shown"), message="card.shown")[0]
    assert shown["data"]["card"]["text"] == "Un autre nom d'enfant"


def test_presence_count_and_names_follow_people(board_client, code, host):
    nadia = board_client(code, "Nadia")
    karim = board_client(code, "Karim")
    seen = nadia.wait_for_presence(lambda p: p["count"] == 3)
    assert seen["names"] == ["Karim", "Nadia", "Samia Animatrice"]
    host.wait_for_presence(lambda p: p["count"] == 3)
    karim.disconnect()
    after = nadia.wait_for_presence(lambda p: p["count"] == 2)
    assert after["names"] == ["Nadia", "Samia Animatrice"]
    # Two tabs of one person count once.
    board_client(code, token=nadia.participant["token"])
    assert host.wait_for_presence(lambda p: p["names"] == ["Nadia", "Samia Animatrice"])["count"] == 2


def test_a_token_brings_a_participant_back_as_themselves(board_client, code):
    nadia = board_client(code, "Nadia")
    card = nadia.add_card("Ma première idée", client_id="first")["card"]
    nadia.disconnect()
    back = board_client(code, token=nadia.participant["token"])
    assert back.participant["id"] == nadia.participant["id"]
    assert back.participant["name"] == "Nadia"
    assert back.call("card.update", {"id": card["id"], "text": "Ma première idée, précisée"})["ok"]
    assert back.add_card("Une autre", client_id="second")["card"]["author"] == "Nadia"
    stranger = board_client(code, name="Nadia")  # same name, no token: someone else
    assert stranger.participant["id"] != nadia.participant["id"]
    assert error_of(stranger.call("card.delete", {"id": card["id"]}))["code"] == "forbidden"


def test_facilitator_role_comes_from_the_session_cookie(board_client, code, make_user, session_cookie):
    other = make_user("facilitator", name="Autre Animateur")
    visitor = board_client(code, cookie=session_cookie(other))
    assert visitor.participant["role"] == "participant"
    assert error_of(visitor.call("workshop.close", {}))["code"] == "forbidden"
    admin = board_client(code, cookie=session_cookie(make_user("admin")))
    assert admin.participant["role"] == "facilitator"
    assert admin.call("workshop.close", {})["ok"]


@pytest.mark.parametrize("app_config", [{"JOIN_FAILURE_RATE": "3/minute", "FAILURE_DELAY_BASE": 1.0}])
def test_join_with_unknown_codes_is_slowed_down_not_locked(board_client, code):
    """Issue #11 point 6: a guesser waits longer at each wrong code; the right code is never refused."""
    guesser = board_client(connect=True)
    for guess in ("AAAAAAAA", "BBBBBBBB"):
        error = error_of(guesser.call("join", {"code": guess, "name": "X"}))
        assert error["code"] == "not_found" and "Aucun atelier" in error["message"]
    started = time.monotonic()
    error = error_of(guesser.call("join", {"code": "CCCCCCCC", "name": "X"}))
    assert error["code"] == "not_found" and time.monotonic() - started >= 1.0
    assert guesser.join(code, "X")["participant"]["role"] == "participant"
    assert guesser.connected


def test_card_text_is_kept_as_typed_not_interpreted(board_client, code):
    nadia, karim = board_client(code, "<b>Nadia</b>"), board_client(code, "Karim")
    text = '<img src=x onerror="alert(1)"> & «guillemets»'
    nadia.add_card(text, client_id=uuid.uuid4().hex)
    [event] = karim.wait_for_events(1)
    assert event["data"]["card"]["text"] == text
    assert event["data"]["card"]["author"] == "<b>Nadia</b>"
