"""The board → practice flow with real Socket.IO clients on a live server."""

from __future__ import annotations

import json
import urllib.request

from tests.practices.conftest import sheet
from workshop.accounts.models import User
from workshop.extensions import db
from workshop.practices import reviews, rights, sheets


def test_cards_become_a_practice_and_everyone_sees_which(app, people, make_workshop, session_cookie,
                                                         board_client, live_server):
    workshop = make_workshop(people.coord_cs, title="Atelier formalisation")
    facilitator = board_client(workshop["code"], cookie=session_cookie(people.coord_cs))
    nadia = board_client(workshop["code"], "Nadia")
    obstacle = nadia.add_card("Les parents n'osent pas entrer dans l'école", "obstacle")["card"]
    lever = nadia.add_card("Un café des parents dans le hall", "lever")["card"]
    method = nadia.add_card("Réunion de rentrée commune", "method")["card"]

    refused = nadia.call("practice.create", {"card_ids": [obstacle["id"]], "title": "Par Nadia"})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    invalid = facilitator.call("practice.create", {"card_ids": "tout", "title": "x"})
    assert invalid["ok"] is False and invalid["error"]["code"] == "invalid"

    ack = facilitator.call("practice.create", {"card_ids": [obstacle["id"], lever["id"], method["id"]],
                                               "title": "Café des parents à l'école"})
    assert ack["ok"], ack
    practice = ack["practice"]
    event = nadia.wait_for(lambda c: c.events_of("practice.created"), message="practice.created")[0]
    assert event["data"]["card_ids"] == [obstacle["id"], lever["id"], method["id"]]
    assert event["data"]["practice"]["title"] == "Café des parents à l'école"
    assert event["data"]["practice"]["url"] == f"/fiches/{practice['id']}"

    with app.app_context():
        saved = rights.get_practice(db.session, practice["id"])
        assert "entrer dans l" in saved.obstacles and "café des parents" in saved.levers
        assert "Réunion de rentrée" in saved.steps and saved.status == "draft"
        assert saved.provenance["workshop_title"] == "Atelier formalisation"
        assert {c["author"] for c in saved.provenance["cards"]} == {"Nadia"}

    with urllib.request.urlopen(f"{live_server.url}/api/ateliers/{workshop['code']}/fiches") as response:
        links = json.load(response)
    assert links["practices"][0]["card_ids"] == [obstacle["id"], lever["id"], method["id"]]


def test_an_obstacle_card_shows_what_helped_elsewhere_and_can_be_pinned(app, people, make_workshop,
                                                                         session_cookie, board_client):
    with app.test_request_context():
        member, admin = db.session.get(User, people.member.id), db.session.get(User, people.admin.id)
        practice = sheets.create_practice(db.session, member, sheet(
            title="Accorder les horaires", obstacles="Les horaires de l'école et du centre social ne collent pas.",
            levers="Un créneau commun le mercredi matin.", networks=[people.net_cs]))
        reviews.transition(db.session, member, practice.id, "submit")
        reviews.transition(db.session, admin, practice.id, "publish")
        practice_id = practice.id
        draft_id = sheets.create_practice(db.session, member, sheet(title="Horaires brouillon",
                                                                     obstacles="horaires")).id
        db.session.commit()
    workshop = make_workshop(people.coord_cs)
    facilitator = board_client(workshop["code"], cookie=session_cookie(people.coord_cs))
    karim = board_client(workshop["code"], "Karim")
    card = karim.add_card("Nos horaires ne sont pas compatibles avec ceux de l'école", "obstacle")["card"]

    found = karim.call("practice.suggest", {"card_id": card["id"]})
    assert found["ok"], found
    assert [p["id"] for p in found["practices"]] == [practice_id]
    assert "mercredi" in found["practices"][0]["excerpt"]
    assert karim.call("practice.suggest", {"card_id": 999999})["error"]["code"] == "not_found"

    assert karim.call("practice.pin", {"practice_id": practice_id})["error"]["code"] == "forbidden"
    assert facilitator.call("practice.pin", {"practice_id": draft_id})["error"]["code"] == "not_found"
    pinned = facilitator.call("practice.pin", {"practice_id": practice_id, "card_id": card["id"]})
    assert pinned["ok"], pinned
    event = karim.wait_for(lambda c: c.events_of("practice.pinned"), message="practice.pinned")[0]
    assert event["data"]["practice"]["id"] == practice_id and event["data"]["card_id"] == card["id"]
    assert facilitator.call("practice.pin", {"practice_id": practice_id})["error"]["code"] == "invalid"
    assert facilitator.call("practice.unpin", {"practice_id": practice_id})["ok"]
    karim.wait_for(lambda c: c.events_of("practice.unpinned"), message="practice.unpinned")


def test_co_editors_see_each_others_typing_and_saves(app, people, make_practice):
    from workshop.extensions import socketio

    practice_id = make_practice(author=people.member)
    browsers = {}
    for person in (people.member, people.coord_cs, people.other):
        browser = app.test_client()
        assert browser.post("/connexion", data={"email": person.email, "password": "motdepasse-1"}).status_code == 302
        browsers[person.email] = browser
    karim = socketio.test_client(app, namespace="/practice", flask_test_client=browsers[people.member.email])
    claire = socketio.test_client(app, namespace="/practice", flask_test_client=browsers[people.coord_cs.email])
    stranger = socketio.test_client(app, namespace="/practice", flask_test_client=browsers[people.other.email])
    anonymous = socketio.test_client(app, namespace="/practice")
    try:
        assert not anonymous.is_connected("/practice")
        refused = stranger.emit("join", {"practice_id": practice_id}, namespace="/practice", callback=True)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        assert karim.emit("join", {"practice_id": practice_id}, namespace="/practice", callback=True)["ok"]
        joined = claire.emit("join", {"practice_id": practice_id}, namespace="/practice", callback=True)
        assert joined["ok"] and joined["editors"] == ["Coord Cs", "Member"]
        karim.get_received("/practice")
        claire.get_received("/practice")

        ack = claire.emit("typing", {"practice_id": practice_id, "field": "context", "value": "On écrit ensemble"},
                          namespace="/practice", callback=True)
        assert ack["ok"]
        typed = [m["args"][0] for m in karim.get_received("/practice") if m["name"] == "typing"]
        assert typed == [{"field": "context", "value": "On écrit ensemble", "by": "Coord Cs", "version": None}]
        assert claire.get_received("/practice") == []  # not echoed to the typist
        # The typist's form version goes with the keystroke, so a form already on a newer save can drop it.
        claire.emit("typing", {"practice_id": practice_id, "field": "context", "value": "v1", "version": 1},
                    namespace="/practice", callback=True)
        typed = [m["args"][0] for m in karim.get_received("/practice") if m["name"] == "typing"]
        assert typed == [{"field": "context", "value": "v1", "by": "Coord Cs", "version": 1}]
        for version in ("1", 0, True, 2**40):
            refused = claire.emit("typing", {"practice_id": practice_id, "field": "context", "value": "x",
                                             "version": version}, namespace="/practice", callback=True)
            assert refused["error"]["code"] == "invalid", version
        assert karim.get_received("/practice") == []
        bad = claire.emit("typing", {"practice_id": practice_id, "field": "version", "value": "9"},
                          namespace="/practice", callback=True)
        assert bad["error"]["code"] == "invalid"

        from tests.practices.test_practices_http import form

        response = browsers[people.coord_cs.email].post(
            f"/fiches/{practice_id}/modifier", data=form(1, context="Texte enregistré", networks=[people.net_cs]))
        assert response.status_code == 302
        saved = [m["args"][0] for m in karim.get_received("/practice") if m["name"] == "saved"]
        assert saved[0]["version"] == 2 and saved[0]["by"] == "Coord Cs"
        assert "Texte enregistré" in saved[0]["fields"]["context"]
        # The same form sent again changes nothing: no new version, so nobody is told of one.
        again = browsers[people.coord_cs.email].post(
            f"/fiches/{practice_id}/modifier", data=form(2, context="Texte enregistré", networks=[people.net_cs]))
        assert again.status_code == 302
        assert [m for m in karim.get_received("/practice") if m["name"] == "saved"] == []
    finally:
        for client in (karim, claire, stranger):
            if client.is_connected("/practice"):
                client.disconnect("/practice")


def test_restoring_an_old_version_tells_the_co_editors(app, people, make_practice):
    """A restore makes a new version like a save does, so the others editing the sheet are told of it."""
    from tests.practices.test_practices_http import form
    from workshop.extensions import socketio

    practice_id = make_practice(author=people.member)
    claire = app.test_client()
    assert claire.post("/connexion", data={"email": people.coord_cs.email,
                                            "password": "motdepasse-1"}).status_code == 302
    assert claire.post(f"/fiches/{practice_id}/modifier", data=form(1, context="Deuxième texte",
                                                                    networks=[people.net_cs])).status_code == 302
    browser = app.test_client()
    logged = browser.post("/connexion", data={"email": people.member.email, "password": "motdepasse-1"})
    assert logged.status_code == 302
    karim = socketio.test_client(app, namespace="/practice", flask_test_client=browser)
    try:
        assert karim.emit("join", {"practice_id": practice_id}, namespace="/practice", callback=True)["ok"]
        karim.get_received("/practice")
        restored = claire.post(f"/fiches/{practice_id}/historique/1/restaurer", data={"version": "2"})
        assert restored.status_code == 302
        saved = [m["args"][0] for m in karim.get_received("/practice") if m["name"] == "saved"]
        assert len(saved) == 1 and saved[0]["version"] == 3 and saved[0]["by"] == "Coord Cs"
        assert "Deuxième texte" not in saved[0]["fields"]["context"]
    finally:
        karim.disconnect("/practice")


def test_an_unexpected_failure_still_gets_an_answer(app, people, make_practice, monkeypatch):
    """A bug behind a co-editing event answers {"ok": false, "code": "internal"} in French, not silence."""
    from workshop.extensions import socketio
    from workshop.practices import coediting

    practice_id = make_practice(author=people.member)
    browser = app.test_client()
    logged = browser.post("/connexion", data={"email": people.member.email, "password": "motdepasse-1"})
    assert logged.status_code == 302
    editor = socketio.test_client(app, namespace="/practice", flask_test_client=browser)

    def broken(*_args):
        raise RuntimeError("panne")

    monkeypatch.setattr(coediting, "require_edit", broken)
    try:
        ack = editor.emit("join", {"practice_id": practice_id}, namespace="/practice", callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "internal"
        assert "réessayez" in ack["error"]["message"]
        unknown = editor.emit("effacer", {}, namespace="/practice", callback=True)
        assert unknown["error"] == {"code": "invalid", "message": "Action inconnue."}
    finally:
        editor.disconnect("/practice")
