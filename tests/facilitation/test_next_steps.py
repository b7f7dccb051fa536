"""Next steps of a workshop: the facilitator keeps them (what, who, by when); only they can; bad input is said."""

from __future__ import annotations

import pytest

from workshop.boards.models import Workshop
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.facilitation import next_steps


def test_facilitator_adds_ticks_off_and_removes_next_steps(client, login, make_user, make_workshop):
    owner = make_user("facilitator")
    workshop = make_workshop(owner, "Rencontre des Trois-Ponts")
    login(owner)
    page = client.get(f"/ateliers/{workshop['id']}/suites")
    assert page.status_code == 200 and "Aucune suite à donner" in page.get_data(as_text=True)
    added = client.post(f"/ateliers/{workshop['id']}/suites",
                        data={"text": "Inviter la principale au prochain café des parents", "owner": "Nadia",
                              "due_on": "2026-12-15"})
    assert added.status_code == 302
    client.post(f"/ateliers/{workshop['id']}/suites", data={"text": "Traduire l'affiche en arabe et en turc"})
    html = client.get(f"/ateliers/{workshop['id']}/suites").get_data(as_text=True)
    assert "Inviter la principale" in html and "Nadia" in html and "15/12/2026" in html
    assert html.index("Inviter la principale") < html.index("Traduire")  # in the order given
    with client.application.app_context():
        first, second = next_steps.list_steps(db.session, db.session.get(Workshop, workshop["id"]))
    assert client.post(f"/ateliers/{workshop['id']}/suites/{first.id}", data={"action": "done"}).status_code == 302
    assert client.post(f"/ateliers/{workshop['id']}/suites/{second.id}", data={"action": "delete"}).status_code == 302
    with client.application.app_context():
        steps = next_steps.list_steps(db.session, db.session.get(Workshop, workshop["id"]))
    assert [(s.text, s.done) for s in steps] == [("Inviter la principale au prochain café des parents", True)]
    assert "is-done" in client.get(f"/ateliers/{workshop['id']}/suites").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "   "}, "Écrivez ce qui doit être fait."),
    ({"text": "x" * 301}, "300 caractères au plus."),
    ({"text": "Relancer la mairie", "owner": "y" * 121}, "120 caractères au plus."),
    ({"text": "Relancer la mairie", "due_on": "15/13/2026"}, "pas une date valide"),
    ({"text": "Relancer\x07 la mairie"}, "caractères invalides"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(client, login, make_user, make_workshop, data,
                                                                   message):
    owner = make_user("facilitator")
    workshop = make_workshop(owner)
    login(owner)
    response = client.post(f"/ateliers/{workshop['id']}/suites", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with client.application.app_context():
        assert next_steps.list_steps(db.session, db.session.get(Workshop, workshop["id"])) == []


def test_only_the_facilitator_of_the_workshop_keeps_its_next_steps(app, client, login, make_user, make_workshop):
    owner = make_user("facilitator")
    workshop = make_workshop(owner)
    other_workshop = make_workshop(owner, "Autre atelier")
    with app.app_context():
        step = next_steps.add_step(db.session, db.session.get(Workshop, workshop["id"]), "Écrire le compte rendu")
        db.session.commit()
        step_id = step.id
    assert client.get(f"/ateliers/{workshop['id']}/suites").status_code == 302  # to the login page
    login(make_user("facilitator"))
    assert client.get(f"/ateliers/{workshop['id']}/suites").status_code == 403
    assert client.post(f"/ateliers/{workshop['id']}/suites/{step_id}", data={"action": "delete"}).status_code == 403
    client.post("/deconnexion")
    login(owner)
    # A step is only reached through its own workshop; an unknown action is refused.
    assert client.post(f"/ateliers/{other_workshop['id']}/suites/{step_id}",
                       data={"action": "delete"}).status_code == 404
    assert client.post(f"/ateliers/{workshop['id']}/suites/{step_id}", data={"action": "tout"}).status_code == 400
    with app.app_context():
        assert len(next_steps.list_steps(db.session, db.session.get(Workshop, workshop["id"]))) == 1


def test_service_refuses_empty_text_and_bounds_the_list(app, make_user, make_workshop, monkeypatch):
    workshop = make_workshop(make_user("facilitator"))
    monkeypatch.setattr(next_steps, "STEPS_MAX", 2)
    with app.app_context():
        target = db.session.get(Workshop, workshop["id"])
        with pytest.raises(ValidationError):
            next_steps.add_step(db.session, target, "")
        next_steps.add_step(db.session, target, "Un")
        next_steps.add_step(db.session, target, "Deux")
        with pytest.raises(ValidationError):
            next_steps.add_step(db.session, target, "Trois")
        assert [s.text for s in next_steps.list_steps(db.session, target)] == ["Un", "Deux"]
