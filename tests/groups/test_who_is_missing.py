"""The panorama's "who is missing": schools and social centres of the programme's cities that never came."""

from __future__ import annotations

from datetime import date

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db
from workshop.mapping.missing import who_is_missing
from workshop.peergroups import service as groups
from workshop.programme.models import Programme


def test_who_never_came_counts_lists_filters_the_map_and_follows_months(app, client, facilitator,
                                                                        make_structure):
    came_school = make_structure("École Jean Jaurès", network="REP")
    make_structure("École Pasteur")  # same city as a network's structure: in the programme
    came_centre = make_structure("Centre social Le Phare", kind="centre_social", network="FCS")
    make_structure("Centre social Les Tilleuls", kind="centre_social")
    make_structure("Collège hors programme", kind="college", insee="75056", city="Paris")
    make_structure("Association Lire", kind="association")  # neither school nor centre
    with app.test_request_context():
        user = db.session.get(User, facilitator.id)
        march = boards.create_workshop(db.session, user, "Mars", held_on=date(2026, 3, 12))
        april = boards.create_workshop(db.session, user, "Avril", held_on=date(2026, 4, 2))
        db.session.commit()
        for workshop, name, profile in ((march, "Nadia", {"kind": "school", "structure_id": came_school}),
                                        (april, "Leïla", {"kind": "social_centre", "structure_id": came_centre}),
                                        (april, "Inès", {"kind": "school", "structure_id": came_school})):
            boards.join(db.session, {"code": workshop.code, "name": name, "profile": profile})
        db.session.commit()
        data = who_is_missing(db.session)
    assert [s["name"] for s in data["structures"]] == ["Centre social Les Tilleuls", "École Pasteur"]
    assert (data["schools"], data["schools_total"], data["centres"], data["centres_total"]) == (1, 2, 1, 2)
    assert data["by_month"] == [{"month": "2026-03", "schools": 1, "centres": 0, "new": 1},
                                {"month": "2026-04", "schools": 1, "centres": 1, "new": 1}]

    page = client.get("/carte/panorama").get_data(as_text=True)
    assert "jamais venues" in page and "École Pasteur" in page and "2026-04" in page
    names = [s["name"] for s in client.get("/api/structures.json?missing=1").json["structures"]]
    assert sorted(names) == ["Centre social Les Tilleuls", "École Pasteur"]
    assert len(client.get("/api/structures.json").json["structures"]) == 6
    refused = client.get("/api/structures.json?missing=oui")
    assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid"


def test_the_structure_type_ahead_finds_published_structures_and_refuses_bad_queries(client, make_structure):
    make_structure("École élémentaire Jean Jaurès")
    make_structure("Centre social 100% Quartier", kind="centre_social")
    assert [s["name"] for s in client.get("/api/structures/recherche?q=jaur").json["structures"]] == [
        "École élémentaire Jean Jaurès"]
    assert [s["name"] for s in client.get("/api/structures/recherche?q=100%").json["structures"]] == [
        "Centre social 100% Quartier"]
    assert client.get("/api/structures/recherche?q=%_").json["structures"] == []  # wildcards are literal
    for query in ("", "a", "x" * 81, "\u202eab"):
        answer = client.get("/api/structures/recherche", query_string={"q": query},
                            headers={"Accept": "application/json"})
        assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid"
        assert "Recherche" in answer.json["error"]["message"]


def test_the_programme_cities_are_the_current_programmes_else_the_networks_and_peer_groups(
        app, client, facilitator, make_structure):
    make_structure("École du réseau", network="REP")
    make_structure("École du groupe", insee="69123", city="Lyon")
    make_structure("École du programme", insee="13055", city="Marseille")
    with app.test_request_context():
        groups.create_group(db.session, db.session.get(User, facilitator.id), "Groupe lyonnais",
                            city_insees=["69123"])
        db.session.commit()
        assert [s["name"] for s in who_is_missing(db.session)["structures"]] == ["École du groupe",
                                                                                 "École du réseau"]
        db.session.add(Programme(title="Programme", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                                 cities=["13055"]))
        db.session.commit()
        assert [s["name"] for s in who_is_missing(db.session)["structures"]] == ["École du programme"]
    names = [s["name"] for s in client.get("/api/structures.json?missing=1").json["structures"]]
    assert names == ["École du programme"]
