"""The page of next steps due: overdue and due within two weeks, per network (the workshop's structures' and its
meeting's networks) and per person; each sees only what concerns them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db
from workshop.facilitation import due
from workshop.facilitation.models import NextStep
from workshop.mapping.models import City, Structure, structure_network, workshop_structure
from workshop.meetings.models import Meeting, MeetingWorkshop, meeting_network
from workshop.networks import service as networks


@pytest.fixture
def steps(app, make_user):
    admin, anim, coord_ef = (make_user("admin", email="admin@exemple.fr"),
                             make_user("facilitator", email="anim@exemple.fr"),
                             make_user("member", email="coord_ef@exemple.fr"))
    today = date.today()
    with app.test_request_context():
        s = db.session
        cs = networks.ensure_network(s, *networks.DEMO_NETWORKS[0])
        ef = networks.ensure_network(s, *networks.DEMO_NETWORKS[1])
        networks.add_member(s, ef, s.get(User, coord_ef.id), coordinator=True)
        s.add(City(insee="93066", name="Saint-Denis", departement="93"))
        centre = Structure(name="Centre social", kind="centre_social", city_insee="93066")
        s.add(centre)
        s.flush()
        s.execute(structure_network.insert().values(structure_id=centre.id, network_id=cs.id))
        local = boards.create_workshop(s, s.get(User, anim.id), "Atelier du centre")  # network CS by its structure
        s.execute(workshop_structure.insert().values(workshop_id=local.id, structure_id=centre.id))
        plenary = boards.create_workshop(s, s.get(User, admin.id), "Plénière départementale")  # EF by its meeting
        meeting = Meeting(code=uuid.uuid4().hex[:8], title="Rencontre", starts_at=datetime.now(),
                          ends_at=datetime.now(), organiser_id=admin.id)
        s.add(meeting)
        s.flush()
        s.add(MeetingWorkshop(meeting_id=meeting.id, workshop_id=plenary.id))
        s.execute(meeting_network.insert().values(meeting_id=meeting.id, network_id=ef.id))
        s.add_all([
            NextStep(workshop_id=local.id, text="Relancer la mairie", owner="Karim", due_on=today - timedelta(days=3)),
            NextStep(workshop_id=local.id, text="Réserver la salle", owner="karim ", due_on=today + timedelta(days=5)),
            NextStep(workshop_id=local.id, text="Dans deux mois", owner="Léa", due_on=today + timedelta(days=60)),
            NextStep(workshop_id=local.id, text="Déjà fait", owner="Léa", due_on=today, done=True),
            NextStep(workshop_id=plenary.id, text="Envoyer le compte rendu", owner="",
                     due_on=today + timedelta(days=1)),
        ])
        s.commit()
    return {"admin": admin, "anim": anim, "coord_ef": coord_ef}


def test_due_and_overdue_steps_by_network_and_by_person(app, steps):
    with app.app_context():
        listed = due.due_steps(db.session, db.session.get(User, steps["admin"].id), date.today())
        assert [s.text for s in listed] == ["Relancer la mairie", "Envoyer le compte rendu", "Réserver la salle"]
        assert [s.overdue for s in listed] == [True, False, False]
        groups = due.by_network(listed, "Sans réseau")
        assert [(g.label, [s.text for s in g.steps], g.overdue) for g in groups] == [
            ("Centres sociaux", ["Relancer la mairie", "Réserver la salle"], 1),
            ("École-familles", ["Envoyer le compte rendu"], 0)]
        people = due.by_person(listed, "Sans responsable")
        assert [(g.label, len(g.steps)) for g in people] == [("Karim", 2), ("Sans responsable", 1)]
        # a facilitator sees their workshops; a coordinator their networks' (here, through the meeting)
        anim = due.due_steps(db.session, db.session.get(User, steps["anim"].id), date.today())
        assert {s.workshop for s in anim} == {"Atelier du centre"}
        coord = due.due_steps(db.session, db.session.get(User, steps["coord_ef"].id), date.today())
        assert [s.text for s in coord] == ["Envoyer le compte rendu"]


def test_the_page_per_network_and_per_person_in_french_and_english(app, client, login, steps):
    login(steps["admin"])
    assert 'href="/suites-a-donner"' in client.get("/ateliers").get_data(as_text=True)  # from "Mes ateliers"
    page = client.get("/suites-a-donner").get_data(as_text=True)
    assert "3</strong> suites à donner · <strong>1</strong> en retard" in page
    assert "En retard</strong> · Relancer la mairie" in page and "Dans deux mois" not in page
    assert 'href="/ateliers/' in page and "Plénière départementale" in page
    person = client.get("/suites-a-donner?par=personne").get_data(as_text=True)
    assert "Karim <span" in person and "Sans responsable" in person
    english = client.get("/suites-a-donner?lang=en").get_data(as_text=True)
    assert "Next steps: what is due" in english and "Overdue" in english
    client.post("/deconnexion")
    assert client.get("/suites-a-donner").status_code == 302  # to the login page
