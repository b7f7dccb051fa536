"""A link between a school of one network and a centre of the other is public only once both confirmed it."""

from __future__ import annotations

from workshop.extensions import db
from workshop.mapping.models import Link


def test_cross_network_link_stays_unpublished_until_both_networks_confirm(app, client, login, make_user,
                                                                           make_structure, make_link, in_network):
    school = make_structure("École élémentaire Jean Vilar", kind="ecole_elementaire", uai="0930612F")
    centre = make_structure("Centre social Floréal", lat=48.94, lon=2.36)
    coord_ef, coord_cs = make_user("member"), make_user("facilitator")
    in_network("ecole-familles", [school], coordinator=coord_ef)
    in_network("centres-sociaux", [centre], coordinator=coord_cs)
    link_id = make_link(school, centre, status="declared")

    login(coord_cs)
    client.post(f"/liens/{link_id}/valider")
    page = client.get(f"/liens/{link_id}").get_data(as_text=True)
    assert "doit encore confirmer ce lien" in page and "En attente de la confirmation de" in page
    with app.app_context():
        assert db.session.get(Link, link_id).status == "declared"
    client.post("/deconnexion")
    assert client.get(f"/liens/{link_id}").status_code == 404  # not public yet
    assert client.get("/api/liens.json").json["links"] == []

    login(coord_ef)
    client.post(f"/liens/{link_id}/valider")
    with app.app_context():
        assert db.session.get(Link, link_id).status == "validated"
    client.post("/deconnexion")
    assert client.get(f"/liens/{link_id}").status_code == 200
    assert len(client.get("/api/liens.json").json["links"]) == 1

    login(coord_cs)  # taking the validation back asks both networks again
    client.post(f"/liens/{link_id}/invalider")
    client.post(f"/liens/{link_id}/valider")
    with app.app_context():
        assert db.session.get(Link, link_id).status == "declared"


def test_link_inside_one_network_keeps_the_single_validation(app, client, login, make_user, make_structure,
                                                             make_link, in_network):
    school = make_structure("École Jean Vilar", kind="ecole_elementaire", uai="0930613G")
    centre = make_structure("Centre social Floréal", lat=48.94, lon=2.36)
    coordinator = make_user("facilitator")
    in_network("centres-sociaux", [school, centre], coordinator=coordinator)
    link_id = make_link(school, centre, status="declared")
    login(coordinator)
    client.post(f"/liens/{link_id}/valider")
    with app.app_context():
        assert db.session.get(Link, link_id).status == "validated"
