"""Reports ("Signaler"): a reported card hidden from the queue leaves every screen; sheets, structures and links
reported go to the coordinators' queue, which hides, marks edited or dismisses, with who and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.realtime import wait_until
from workshop.extensions import db
from workshop.mapping.models import City, Structure
from workshop.moderation.models import Report
from workshop.privacy import exports


@pytest.fixture
def host(board_client, code, facilitator, session_cookie):
    return board_client(code, cookie=session_cookie(facilitator), name="Samia")


def test_a_reported_card_disappears_from_every_screen_once_hidden(app, client, login, board_client, code, host,
                                                                   facilitator):
    nadia, karim = board_client(code, "Nadia"), board_client(code, "Karim")
    card = nadia.add_card("La directrice de l'école Jaurès ne nous répond jamais", client_id="c-1")["card"]
    for screen in (nadia, karim, host):
        screen.wait_for_events(1)

    refused = karim.call("card.report", {"id": card["id"], "reason": "pas-une-raison"})
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"
    answer = karim.call("card.report", {"id": card["id"], "reason": "institution", "details": "Nominatif"})
    assert answer["ok"] is True and answer["report"]["status"] == "open"
    assert karim.call("card.report", {"id": 999999, "reason": "other"})["error"]["code"] == "not_found"

    login(facilitator)  # the workshop's facilitator decides on their board's cards
    queue = client.get("/moderation").get_data(as_text=True)
    assert "ne nous répond jamais" in queue and "Karim" in queue
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    assert client.post(f"/moderation/{report_id}", data={"action": "hide"}).status_code == 302

    for screen in (nadia, karim):  # the author too: the text leaves every participant's screen
        event = screen.wait_for(lambda c: any(e["type"] == "card.hidden" for e in c.events))
        hidden = next(e for e in screen.events if e["type"] == "card.hidden")["data"]["card"]
        assert hidden["hidden"] is True and "text" not in hidden and "author" not in hidden, event
    wait_until(lambda: any(e["type"] == "card.hidden" for e in host.events))
    late = board_client(code, "Élodie")
    assert all("text" not in c for c in late.last_join["state"]["cards"])
    replay = karim.call("resync", {"since": 0})
    assert "ne nous répond jamais" not in str(replay)
    with app.app_context():
        decided = db.session.get(Report, report_id)
        workshop_id = decided.workshop_id
    assert "ne nous répond jamais" not in client.get(f"/ateliers/{workshop_id}/export.csv").get_data(as_text=True)
    with app.app_context():
        decided = db.session.get(Report, report_id)
        assert decided.status == "hidden" and decided.decided_by_name and decided.decided_at is not None


@pytest.fixture
def structure_id(app):
    with app.app_context():
        db.session.add(City(insee="93066", name="Saint-Denis", departement="93"))
        structure = Structure(name="Centre social Floréal", kind="centre_social", city_insee="93066")
        db.session.add(structure)
        db.session.commit()
        return structure.id


def test_a_reported_structure_goes_to_the_queue_and_is_hidden_with_who_and_when(app, client, login, make_user,
                                                                                 structure_id):
    page = client.get(f"/structures/{structure_id}").get_data(as_text=True)
    assert "Signaler" in page and 'name="reason"' in page
    bad = client.post(f"/signaler/structure/{structure_id}", data={"reason": "x"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid"
    assert bad.json["error"]["message"] == "Choisissez une raison du signalement."
    assert client.post(f"/signaler/structure/{structure_id}", data={"reason": "wrong", "details": "Fermé"}) \
        .status_code == 302
    member = make_user("member")
    login(member)
    assert client.get("/moderation").get_data(as_text=True).count('data-testid="report-') == 0
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    assert client.post(f"/moderation/{report_id}", data={"action": "hide"}).status_code == 403
    client.post("/deconnexion")
    login(make_user("admin"))
    assert "Fermé" in client.get("/moderation").get_data(as_text=True)
    client.post(f"/moderation/{report_id}", data={"action": "hide"})
    with app.app_context():
        assert db.session.get(Structure, structure_id).public is False
        assert db.session.get(Report, report_id).status == "hidden"
    again = client.post(f"/moderation/{report_id}", data={"action": "dismiss"},
                        headers={"Accept": "application/json"})
    assert again.status_code == 400 and again.json["error"]["message"] == "Ce signalement a déjà été traité."


def test_reports_are_in_the_reporters_export_and_leave_with_their_account(app, session, make_user, structure_id):
    from workshop.moderation import service
    from workshop.privacy import people
    reporter = make_user("member", name="Claire Reporter")
    with app.test_request_context():
        user = db.session.get(type(reporter), reporter.id)
        service.report(db.session, "structure", structure_id, {"reason": "other", "details": "Je connais"},
                       user=user)
        db.session.commit()
        assert exports.export_account(db.session, user)["reports"][0]["details"] == "Je connais"
        people.erase_account(db.session, user)
        db.session.commit()
        kept = db.session.scalar(select(Report))
        assert (kept.reporter_user_id, kept.reporter_name, kept.details) == (None, "", "")


def test_the_last_decisions_come_newest_first_whatever_was_decided(app, make_user, structure_id):
    from workshop.moderation import service
    admin = make_user("admin")
    with app.test_request_context():
        user = db.session.get(type(admin), admin.id)
        first = service.report(db.session, "structure", structure_id, {"reason": "wrong"}, user=user)
        second = service.report(db.session, "structure", structure_id, {"reason": "other"})
        service.decide(db.session, user, first.id, "hide")  # closes both reports of the structure
        db.session.commit()
        other = Structure(name="École Anatole-France", kind="ecole_elementaire", city_insee="93066")
        db.session.add(other)
        db.session.flush()
        third = service.report(db.session, "structure", other.id, {"reason": "wrong"}, user=user)
        service.decide(db.session, user, third.id, "dismiss")
        db.session.commit()
        assert [r.id for r in service.decisions(db.session, user)][0] == third.id
        assert {r.status for r in service.decisions(db.session, user)} == {"hidden", "dismissed"}
        assert second.id in [r.id for r in service.decisions(db.session, user)]


def test_a_reported_sheet_and_a_reported_link_leave_public_view_once_hidden(app, client, login, people,
                                                                            make_practice, make_structure,
                                                                            make_link):
    """"Signaler" on a sheet and on a link: each goes to the queue; hiding archives the sheet (its public page
    goes) and takes the link's validation back (it leaves the map), with who decided and when."""
    from workshop.mapping.models import Link
    from workshop.practices.models import Practice

    sheet = make_practice(status="published", title="Café des parents")
    link = make_link(make_structure("École Jaurès", kind="ecole_elementaire"), make_structure("Centre Floréal"))
    visitor = app.test_client()
    assert visitor.get(f"/fiches/{sheet}").status_code == 200
    for kind, target in (("practice", sheet), ("link", link)):
        answer = visitor.post(f"/signaler/{kind}/{target}", data={"reason": "wrong", "details": "À vérifier"},
                              headers={"Accept": "application/json"})
        assert answer.status_code == 200 and answer.json["ok"] is True, kind
    login(people.admin)
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Café des parents" in queue and "École Jaurès ↔ Centre Floréal" in queue
    with app.app_context():
        reports = {r.target_kind: r.id for r in db.session.scalars(select(Report))}
    for kind in ("practice", "link"):
        assert client.post(f"/moderation/{reports[kind]}", data={"action": "hide"}).status_code == 302
    with app.app_context():
        assert db.session.get(Practice, sheet).status == "archived"
        assert db.session.get(Link, link).status != "validated"
        for report_id in reports.values():
            decided = db.session.get(Report, report_id)
            assert decided.status == "hidden" and decided.decided_by_name and decided.decided_at is not None
    assert visitor.get(f"/fiches/{sheet}").status_code in (302, 404)  # the login page: no longer public
    assert "Jaurès" not in visitor.get("/api/liens.json").get_data(as_text=True)
