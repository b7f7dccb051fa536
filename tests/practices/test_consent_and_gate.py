"""Publishing a sheet: the quality gate, and the consent of the network whose school or centre it names."""

from __future__ import annotations

import pytest

from tests.practices.conftest import sheet
from workshop.accounts.models import User
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.mapping.models import City, Structure, structure_network
from workshop.practices import reviews, sheets


def user(u) -> User:
    return db.session.get(User, u.id)


def school_of(session, network_id: int) -> int:
    """A published school of one network (the map domain's structure)."""
    if session.get(City, "59512") is None:
        session.add(City(insee="59512", name="Roubaix", departement="59"))
    school = Structure(name="École Jules-Ferry", kind="ecole", city_insee="59512")
    session.add(school)
    session.flush()
    session.execute(structure_network.insert().values(structure_id=school.id, network_id=network_id))
    return school.id


def test_sheet_naming_the_other_networks_school_stays_private_until_it_approves(session, people, client):
    school = school_of(session, people.net_ef)
    practice = sheets.create_practice(session, user(people.member), sheet(
        networks=[people.net_cs], structures=[{"id": school, "name": "École Jules-Ferry"}]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    # The school's network now reviews the sheet too.
    assert {n.id for n in practice.networks} == {people.net_cs, people.net_ef}
    reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    assert practice.status == "submitted"
    assert [n.id for n in reviews.missing_approvals(session, practice)] == [people.net_ef]
    session.commit()
    assert client.get(f"/fiches/{practice.id}").status_code == 302  # anonymous: not public, to the login page
    with pytest.raises(ValidationError):  # the first network cannot approve twice
        reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    reviews.transition(session, user(people.coord_ef), practice.id, "publish")
    assert practice.status == "published"
    session.commit()
    assert client.get(f"/fiches/{practice.id}").status_code == 200


@pytest.mark.parametrize("school_network, first, then", [("net_ef", "coord_ef", "coord_cs"),
                                                          ("net_cs", "coord_cs", None)])
def test_whichever_network_approves_first_the_sheet_waits_for_the_other(session, people, school_network, first,
                                                                        then):
    """Naming the other network's school: both approve, in any order; naming one's own: one approval is enough."""
    school = school_of(session, getattr(people, school_network))
    practice = sheets.create_practice(session, user(people.member), sheet(
        networks=[people.net_cs], structures=[{"id": school, "name": "École Jules-Ferry"}]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    reviews.transition(session, user(getattr(people, first)), practice.id, "publish")
    if then is None:
        assert practice.status == "published"
        return
    assert practice.status == "submitted"
    assert [n.id for n in reviews.missing_approvals(session, practice)] == [people.net_cs]
    reviews.transition(session, user(getattr(people, then)), practice.id, "publish")
    assert practice.status == "published"


@pytest.mark.parametrize("field, empty, missing", [
    ("summary", "", "summary"), ("context", "<p> </p>", "context"), ("transferability", "", "transferability")])
def test_quality_gate_refuses_a_thin_sheet_and_says_what_is_missing(session, people, field, empty, missing):
    practice = sheets.create_practice(session, user(people.member), sheet(networks=[people.net_cs],
                                                                         **{field: empty}))
    reviews.transition(session, user(people.member), practice.id, "submit")
    with pytest.raises(ValidationError) as refused:
        reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    assert refused.value.code == "incomplete" and refused.value.details == {"missing": [missing]}
    assert "Avant publication, il manque à cette fiche" in refused.value.message
    assert practice.status == "submitted"


def test_quality_gate_wants_a_city_or_a_structure(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet(networks=[people.net_cs], cities=[],
                                                                         structures=[]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    with pytest.raises(ValidationError, match="au moins une ville ou une structure"):
        reviews.transition(session, user(people.coord_cs), practice.id, "publish")


def test_review_page_lists_what_is_missing_and_publishing_answers_400(client, login, people, make_practice):
    practice_id = make_practice(status="submitted", summary="", transferability="")
    login(people.coord_cs)
    page = client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    assert 'data-code="incomplete"' in page and "un résumé" in page and "la transférabilité" in page
    refused = client.post(f"/fiches/{practice_id}/statut", data={"action": "publish"},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "incomplete"
    assert "il manque à cette fiche : un résumé, la transférabilité" in refused.json["error"]["message"]


def test_each_networks_coordinators_see_what_waits_for_their_consent(session, people, client, login):
    school = school_of(session, people.net_ef)
    practice = sheets.create_practice(session, user(people.member), sheet(
        title="Fiche qui nomme l'école", networks=[people.net_cs],
        structures=[{"id": school, "name": "École Jules-Ferry"}]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    session.commit()
    login(people.coord_ef)
    page = client.get("/reseaux/en-attente").get_data(as_text=True)
    assert "Fiche qui nomme l&#39;école" in page and 'data-testid="waiting-ecole-familles"' in page
    client.post("/deconnexion")
    login(people.coord_cs)  # the social centres' network already approved: nothing waits for it
    page = client.get("/reseaux/en-attente").get_data(as_text=True)
    assert 'data-testid="waiting-centres-sociaux"' in page and "Fiche qui nomme" not in page
    client.post("/deconnexion")
    login(people.other)
    assert "Seul·es les coordinateur·rices" in client.get("/reseaux/en-attente").get_data(as_text=True)


def test_an_edit_of_a_published_sheet_naming_the_other_networks_school_waits_for_its_approval(session, people,
                                                                                            client):
    own, other = school_of(session, people.net_cs), school_of(session, people.net_ef)
    named = [{"id": own, "name": "École Jules-Ferry"}]
    practice = sheets.create_practice(session, user(people.member), sheet(networks=[people.net_cs],
                                                                         structures=named))
    reviews.transition(session, user(people.member), practice.id, "submit")
    reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    assert practice.status == "published"
    sheets.update_practice(session, user(people.coord_cs), practice.id, sheet(  # an edit naming no new network
        networks=[people.net_cs], structures=named, summary="Un café chaque mois."), practice.version)
    assert practice.status == "published"

    sheets.update_practice(session, user(people.coord_cs), practice.id, sheet(
        networks=[people.net_cs], structures=[*named, {"id": other, "name": "École Condorcet"}]), practice.version)
    assert practice.status == "submitted"  # private again until the school's network approves
    assert [n.id for n in reviews.missing_approvals(session, practice)] == [people.net_ef]
    session.commit()
    assert client.get(f"/fiches/{practice.id}").status_code == 302
    reviews.transition(session, user(people.coord_ef), practice.id, "publish")
    assert practice.status == "published"  # the editor's network approved the edit when making it


def test_a_sheet_from_a_workshop_the_other_network_took_part_in_waits_for_its_approval(session, people, client):
    """A sheet that names no school of the other network but comes from a workshop one of its schools took part
    in (the map's "who took part" of the workshop) is that network's business too: private until it approves."""
    from sqlalchemy import insert

    from workshop.boards import service as boards
    from workshop.mapping.models import workshop_structure

    school = school_of(session, people.net_ef)
    workshop = boards.create_workshop(session, user(people.coord_cs), "Atelier commun")
    session.execute(insert(workshop_structure).values(workshop_id=workshop.id, structure_id=school))
    practice = sheets.create_practice(session, user(people.coord_cs), sheet(networks=[people.net_cs]),
                                      source_workshop_id=workshop.id)
    assert school not in [s["id"] for s in practice.structures]  # nothing on the sheet itself names the school
    reviews.transition(session, user(people.coord_cs), practice.id, "submit")
    reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    assert practice.status == "submitted"
    assert [n.id for n in reviews.missing_approvals(session, practice)] == [people.net_ef]
    session.commit()
    assert client.get(f"/fiches/{practice.id}").status_code == 302  # not public
    reviews.transition(session, user(people.coord_ef), practice.id, "publish")
    assert practice.status == "published"
