"""Who may declare and validate links (structure members, network coordinators, admins), membership of a
structure, and the workshops a structure was represented at."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from workshop.extensions import db
from workshop.mapping.models import Link, StructureMember, workshop_structure

LINK = {"level": "cooperation", "formalisation": "informal", "initiative": "both", "description": "Goûters"}


@pytest.fixture
def trio(make_structure):
    """A school and a centre in the "centres-sociaux" network's area, and a college outside any network."""
    return (make_structure("École Jean Vilar", kind="ecole_elementaire"),
            make_structure("Centre social Floréal"),
            make_structure("Collège Politzer", kind="college"))


def declare(client, a, b):
    return client.post(f"/structures/{a}/declarer-un-lien", data={"target": b, **LINK})


def links(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Link.id)))


def member_status(app, structure_id, user) -> str | None:
    with app.app_context():
        member = db.session.get(StructureMember, (structure_id, user.id))
        return member.status if member else None


# --- Declaring ---------------------------------------------------------------------------------------------


def test_signed_in_non_member_cannot_declare(app, client, login, make_user, trio):
    login(make_user("member"))
    page = client.get(f"/structures/{trio[0]}").get_data(as_text=True)
    assert "Déclarer un lien" not in page and "Je travaille ici" in page
    assert client.get(f"/structures/{trio[0]}/declarer-un-lien").status_code == 403
    assert declare(client, trio[0], trio[1]).status_code == 403
    assert links(app) == 0


def test_pending_claim_does_not_allow_declaring_until_validated(app, client, login, make_user, make_member, trio):
    person = make_user("member")
    make_member(person, trio[0], status="claimed")
    login(person)
    assert "attend la validation" in client.get(f"/structures/{trio[0]}").get_data(as_text=True)
    assert declare(client, trio[0], trio[1]).status_code == 403
    with app.app_context():
        db.session.get(StructureMember, (trio[0], person.id)).status = "member"
        db.session.commit()
    assert "Déclarer un lien" in client.get(f"/structures/{trio[0]}").get_data(as_text=True)
    assert declare(client, trio[0], trio[1]).status_code == 302
    assert links(app) == 1


def test_member_of_either_end_may_declare_not_of_a_third_structure(app, make_user, make_member, trio):
    from workshop.accounts.models import User
    from workshop.errors import Forbidden
    from workshop.mapping.links import declare_link

    person = make_user("member")
    make_member(person, trio[1])
    with app.app_context():
        user = db.session.get(User, person.id)
        link = declare_link(db.session, user, trio[0], trio[1], LINK)  # member of the target
        assert link.status == "declared" and link.declared_by_id == person.id
        with pytest.raises(Forbidden):
            declare_link(db.session, user, trio[0], trio[2], LINK)


def test_coordinators_and_admins_may_declare_without_membership(app, client, login, make_user, in_network, trio):
    coordinator, admin = make_user("facilitator"), make_user("admin")
    in_network("autre", [], coordinator=coordinator)
    login(coordinator)
    assert declare(client, trio[0], trio[1]).status_code == 302
    client.post("/deconnexion")
    login(admin)
    assert declare(client, trio[0], trio[2]).status_code == 302
    assert links(app) == 2


# --- Validating ----------------------------------------------------------------------------------------------


def test_network_coordinator_validates_only_links_touching_their_network(app, client, login, make_user,
                                                                         make_link, in_network, trio):
    coordinator = make_user("facilitator")
    in_network("centres-sociaux", [trio[1]], coordinator=coordinator)
    theirs = make_link(trio[0], trio[1], status="declared")
    other = make_link(trio[0], trio[2], status="declared")
    login(coordinator)
    pending = client.get("/carte/a-valider").get_data(as_text=True)
    assert f"/liens/{theirs}" in pending and f"/liens/{other}\"" not in pending
    assert f"/liens/{other}/valider" not in client.get(f"/liens/{other}").get_data(as_text=True)
    assert client.post(f"/liens/{other}/valider").status_code == 403
    assert client.get(f"/liens/{other}/modifier").status_code == 403
    assert client.post(f"/liens/{other}/supprimer").status_code == 403
    assert client.post(f"/liens/{theirs}/valider").status_code == 302
    with app.app_context():
        assert db.session.get(Link, theirs).status == "validated"
        assert db.session.get(Link, other).status == "declared"


def test_admin_validates_any_link_member_none(app, client, login, make_user, make_member, make_link, trio):
    member, admin = make_user("member"), make_user("admin")
    make_member(member, trio[0])
    link_id = make_link(trio[0], trio[2], status="declared")
    login(member)
    assert client.post(f"/liens/{link_id}/valider").status_code == 403  # even a member of one end
    client.post("/deconnexion")
    login(admin)
    assert f"/liens/{link_id}" in client.get("/carte/a-valider").get_data(as_text=True)
    assert client.post(f"/liens/{link_id}/valider").status_code == 302
    with app.app_context():
        assert db.session.get(Link, link_id).status == "validated"


# --- Membership ----------------------------------------------------------------------------------------------


def test_claim_then_network_coordinator_validates(app, client, login, make_user, in_network, trio):
    person, coordinator, outsider = make_user("member"), make_user("facilitator"), make_user("facilitator")
    in_network("centres-sociaux", [trio[1]], coordinator=coordinator)
    in_network("ecoles", [trio[0]], coordinator=outsider)
    login(person)
    assert client.post(f"/structures/{trio[1]}/membres/demander").status_code == 302
    again = client.post(f"/structures/{trio[1]}/membres/demander", follow_redirects=True)
    assert "déjà membre" in again.get_data(as_text=True)
    assert member_status(app, trio[1], person) == "claimed"
    assert client.post(f"/structures/{trio[1]}/membres/{person.id}/valider").status_code == 403  # not oneself
    client.post("/deconnexion")
    login(outsider)  # coordinates another network
    assert person.email not in client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    assert client.post(f"/structures/{trio[1]}/membres/{person.id}/valider").status_code == 403
    client.post("/deconnexion")
    login(coordinator)
    page = client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    assert person.email in page and "demande en attente" in page
    assert client.post(f"/structures/{trio[1]}/membres/{person.id}/valider").status_code == 302
    assert member_status(app, trio[1], person) == "member"


def test_coordinator_attaches_by_email_and_member_may_leave(app, client, login, make_user, trio):
    person, admin, other = make_user("member"), make_user("admin"), make_user("member")
    login(other)
    assert client.post(f"/structures/{trio[2]}/membres/ajouter", data={"email": person.email}).status_code == 403
    client.post("/deconnexion")
    login(admin)
    unknown = client.post(f"/structures/{trio[2]}/membres/ajouter", data={"email": "personne@exemple.fr"},
                          follow_redirects=True)
    assert "Aucun compte" in unknown.get_data(as_text=True)
    bad = client.post(f"/structures/{trio[2]}/membres/ajouter", data={"email": "pas-un-email"},
                      follow_redirects=True)
    assert "invalide" in bad.get_data(as_text=True) and member_status(app, trio[2], person) is None
    response = client.post(f"/structures/{trio[2]}/membres/ajouter", data={"email": person.email.upper()})
    assert response.status_code == 302 and member_status(app, trio[2], person) == "member"
    client.post("/deconnexion")
    login(other)
    assert client.post(f"/structures/{trio[2]}/membres/{person.id}/retirer").status_code == 403
    client.post("/deconnexion")
    login(person)
    assert "Vous êtes membre" in client.get(f"/structures/{trio[2]}").get_data(as_text=True)
    assert client.post(f"/structures/{trio[2]}/membres/{person.id}/retirer").status_code == 302
    assert member_status(app, trio[2], person) is None


def test_anonymous_cannot_claim(client, trio):
    response = client.post(f"/structures/{trio[0]}/membres/demander")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


# --- Workshops represented -------------------------------------------------------------------------------------


def test_facilitator_sets_structures_shown_on_structure_page(app, client, login, make_user, make_workshop,
                                                             make_structure, trio):
    facilitator, other, admin = make_user("facilitator"), make_user("facilitator"), make_user("admin")
    hidden = make_structure("Centre non publié", public=False)
    workshop = make_workshop(facilitator, "Atelier parents-école de Floréal", place="Salle Nelson Mandela",
                             held_on=date(2026, 3, 14))
    login(facilitator)
    assert f"/ateliers/{workshop['id']}/structures" in client.get("/ateliers").get_data(as_text=True)
    form = client.get(f"/ateliers/{workshop['id']}/structures").get_data(as_text=True)
    assert "Centre social Floréal" in form and "Centre non publié" not in form
    refused = client.post(f"/ateliers/{workshop['id']}/structures", data={"structures": [trio[0], hidden]})
    assert refused.status_code == 400 and "non publiée" in refused.get_data(as_text=True)
    assert client.post(f"/ateliers/{workshop['id']}/structures", data={"structures": ["x"]}).status_code == 400
    saved = client.post(f"/ateliers/{workshop['id']}/structures", data={"structures": [trio[0], trio[1]]})
    assert saved.status_code == 302
    assert client.post(f"/ateliers/{workshop['id']}/structures", data={"structures": [trio[1]]}).status_code == 302
    with app.app_context():
        rows = db.session.execute(select(workshop_structure.c.structure_id)).scalars().all()
        assert rows == [trio[1]]
    board = f"/j/{workshop['code']}"
    page = client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    assert "Atelier parents-école de Floréal" in page and "14/03/2026" in page and "Salle Nelson Mandela" in page
    assert board in page  # its facilitator gets the board
    assert "Atelier parents-école" not in client.get(f"/structures/{trio[0]}").get_data(as_text=True)
    client.post("/deconnexion")
    public = client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    assert "Atelier parents-école de Floréal" in public and board not in public
    login(other)
    assert client.get(f"/ateliers/{workshop['id']}/structures").status_code == 403
    assert client.post(f"/ateliers/{workshop['id']}/structures", data={"structures": [trio[2]]}).status_code == 403
    assert board not in client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    client.post("/deconnexion")
    login(admin)
    assert board in client.get(f"/structures/{trio[1]}").get_data(as_text=True)
    assert client.get("/ateliers/999999/structures").status_code == 404
