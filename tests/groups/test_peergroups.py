"""Peer groups: creating one, who may start a session, the next session carrying the open steps, the page."""

from __future__ import annotations

import re

from sqlalchemy import select

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db
from workshop.facilitation import next_steps
from workshop.facilitation.control import phases_of
from workshop.peergroups import service
from workshop.peergroups.models import CarriedStep


def new_group(app, facilitator, name="Groupe de pairs Saint-Denis"):
    with app.test_request_context():
        group = service.create_group(db.session, db.session.get(User, facilitator.id), name,
                                     purpose="Parents et école")
        db.session.commit()
        return group.id


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_three_sessions_carry_the_open_steps_until_done_or_dropped(app, facilitator):
    group_id = new_group(app, facilitator)
    with app.test_request_context():
        user, group = db.session.get(User, facilitator.id), service.get_group(db.session, group_id)
        first = service.next_session(db.session, user, group)
        assert first.title == "Groupe de pairs Saint-Denis — séance 1"
        assert phases_of(first)[0]["key"] != "ou-en-est-on"  # nothing to review yet
        for text in ("Inviter le principal", "Café des parents en mars", "Charte commune"):
            next_steps.add_step(db.session, first, text)
        db.session.commit()

        second = service.next_session(db.session, user, group)
        assert phases_of(second)[0]["key"] == "ou-en-est-on"
        items = list(db.session.scalars(select(CarriedStep).where(CarriedStep.workshop_id == second.id)
                                        .order_by(CarriedStep.position)))
        assert len(items) == 3
        items[0].status = "done"
        db.session.get(type(next_steps.list_steps(db.session, first)[0]), items[0].step_id).done = True
        items[1].status = "dropped"
        items[2].status = "ongoing"
        next_steps.add_step(db.session, second, "Réunir les CPE")
        db.session.commit()

        third = service.next_session(db.session, user, group)
        db.session.commit()
        assert [s.number for s in group.sessions] == [1, 2, 3]
        texts = [step.text for step, _n in service.open_steps(db.session, group)]
        assert texts == ["Charte commune", "Réunir les CPE"]
        carried = db.session.scalars(select(CarriedStep.step_id).where(CarriedStep.workshop_id == third.id))
        assert len(list(carried)) == 2


def test_only_facilitators_of_the_group_and_coordinators_start_a_session(app, client, login, make_user,
                                                                         facilitator):
    group_id = new_group(app, facilitator)
    member, outsider, admin = make_user("member"), make_user("facilitator"), make_user("admin")
    with app.test_request_context():
        service.add_member(db.session, db.session.get(User, facilitator.id), service.get_group(db.session, group_id),
                           member.email)
        db.session.commit()
    for person, status in ((member, 403), (outsider, 403)):
        login(person)
        page = client.get(f"/groupes/{group_id}")
        assert page.status_code == 200 and "Séance suivante" not in page.get_data(as_text=True)
        token = csrf(client.get("/groupes").get_data(as_text=True)) if person is outsider else csrf(
            page.get_data(as_text=True))
        answer = client.post(f"/groupes/{group_id}/seance", data={"csrf_token": token},
                             headers={"Accept": "application/json"})
        assert answer.status_code == status
        assert answer.json["error"]["code"] == "forbidden" and "séance" in answer.json["error"]["message"]
        client.post("/deconnexion", data={"csrf_token": token})
    login(admin)
    page = client.get(f"/groupes/{group_id}").get_data(as_text=True)
    answer = client.post(f"/groupes/{group_id}/seance", data={"csrf_token": csrf(page)})
    assert answer.status_code == 302
    assert "séance 1" in client.get(f"/groupes/{group_id}").get_data(as_text=True)


def test_a_member_outside_the_group_cannot_see_it_and_forms_refuse_bad_input(app, client, login, make_user,
                                                                             facilitator):
    group_id = new_group(app, facilitator)
    stranger = make_user("member")
    login(stranger)
    assert client.get(f"/groupes/{group_id}").status_code == 403
    assert client.get("/groupes").status_code == 200
    client.post("/deconnexion", data={"csrf_token": csrf(client.get("/groupes").get_data(as_text=True))})
    login(facilitator)
    page = client.get("/groupes").get_data(as_text=True)
    refused = client.post("/groupes", data={"csrf_token": csrf(page), "name": "", "format_key": "freins-leviers"})
    assert refused.status_code == 200 and "field-error" in refused.get_data(as_text=True)
    unknown = client.post("/groupes", data={"csrf_token": csrf(page), "name": "X", "format_key": "nope"})
    assert "Groupe de pairs créé" not in unknown.get_data(as_text=True)
    made = client.post("/groupes", data={"csrf_token": csrf(page), "name": "Groupe REP+ Nord",
                                         "purpose": "Se voir chaque trimestre", "format_key": "freins-leviers"},
                       follow_redirects=True)
    assert "Groupe REP+ Nord" in made.get_data(as_text=True)
    page = client.get(f"/groupes/{group_id}").get_data(as_text=True)
    nobody = client.post(f"/groupes/{group_id}/membres", data={"csrf_token": csrf(page), "email": "x@y.fr",
                                                               "role": "member"}, follow_redirects=True)
    assert "Aucun compte ne porte cette adresse." in nobody.get_data(as_text=True)
    bad_date = client.post(f"/groupes/{group_id}/seance", data={"csrf_token": csrf(page), "held_on": "2026-02-31"},
                           follow_redirects=True)  # the token: refused for the date, not for a missing token
    assert "Date invalide." in bad_date.get_data(as_text=True) and "séance 1" not in bad_date.get_data(as_text=True)


def test_who_came_by_profile_is_shown_to_those_who_run_the_group_not_to_its_members(app, client, login,
                                                                                    make_user, facilitator):
    group_id = new_group(app, facilitator)
    member = make_user("member")
    with app.test_request_context():
        user, group = db.session.get(User, facilitator.id), service.get_group(db.session, group_id)
        service.add_member(db.session, user, group, member.email)
        workshop = service.next_session(db.session, user, group)
        boards.join(db.session, {"code": workshop.code, "name": "Karim", "profile": {"kind": "parent"}})
        db.session.commit()
    login(facilitator)
    page = client.get(f"/groupes/{group_id}").get_data(as_text=True)
    assert "Parent : 1" in page
    client.post("/deconnexion", data={"csrf_token": csrf(page)})
    login(member)
    page = client.get(f"/groupes/{group_id}").get_data(as_text=True)
    assert "séance 1" in page and "Parent : 1" not in page
