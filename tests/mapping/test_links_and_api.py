"""Declaring and validating links, permissions, the public API and the panorama."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workshop.extensions import db
from workshop.mapping.models import Link, LinkChange, Structure

LINK = {"level": "cooperation", "formalisation": "framework", "frameworks": ["clas"], "shared": ["premises"],
        "parents_place": "associated", "since": "2019", "frequency": "weekly", "initiative": "both",
        "description": "Accompagnement scolaire au centre social, réunion de rentrée commune."}


@pytest.fixture
def pair(make_structure):
    return (make_structure("École élémentaire Jean Vilar", kind="ecole_elementaire", uai="0930612F"),
            make_structure("Centre social Floréal", lat=48.94, lon=2.36))


def declare(client, a, b, **fields):
    return client.post(f"/structures/{a}/declarer-un-lien", data={"target": b, **LINK, **fields})


def test_anonymous_cannot_declare(client, pair):
    response = declare(client, *pair)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_member_declares_coordinator_validates_then_public(app, client, login, make_user, make_member, pair):
    member, admin = make_user("member"), make_user("admin")
    make_member(member, pair[0])
    login(member)
    response = declare(client, *pair)
    assert response.status_code == 302
    with app.app_context():
        link = db.session.scalar(select(Link))
        assert (link.status, link.level, link.frameworks, link.since) == ("declared", "cooperation", ["clas"], 2019)
        link_id = link.id
    anonymous = app.test_client()
    assert anonymous.get("/api/liens.json").json["links"] == []
    assert anonymous.get(f"/liens/{link_id}").status_code == 404
    assert client.get(f"/liens/{link_id}").status_code == 200  # the declarer sees it
    assert client.post(f"/liens/{link_id}/valider").status_code == 403  # a member cannot validate
    assert client.post(f"/liens/{link_id}/modifier", data={**LINK, "level": "information"}).status_code == 403
    client.post("/deconnexion")
    login(admin)
    assert "Floréal" in client.get("/carte/a-valider").get_data(as_text=True)
    assert client.post(f"/liens/{link_id}/valider").status_code == 302
    links = anonymous.get("/api/liens.json").json["links"]
    assert [(k["id"], k["level"]) for k in links] == [(link_id, "cooperation")]
    assert client.post(f"/liens/{link_id}/modifier", data={**LINK, "level": "co_construction"}).status_code == 302
    with app.app_context():
        history = db.session.scalars(select(LinkChange).order_by(LinkChange.id)).all()
        assert [c.action for c in history] == ["declared", "validated", "edited"]
        assert history[-1].changes == {"level": ["cooperation", "co_construction"]}
        assert history[-1].user_name == admin.name
    page = client.get(f"/liens/{link_id}").get_data(as_text=True)
    assert "Historique" in page and "modifié" in page


def test_network_coordinator_may_validate(app, client, login, make_user, make_link, in_network, pair):
    coordinator = make_user("facilitator")
    in_network("centres-sociaux", [pair[1]], coordinator=coordinator)
    link_id = make_link(*pair, status="declared")
    login(coordinator)
    assert client.post(f"/liens/{link_id}/valider").status_code == 302
    with app.app_context():
        assert db.session.get(Link, link_id).status == "validated"


@pytest.mark.parametrize("field, value", [("level", "best_friends"), ("formalisation", "x"), ("since", "1800"),
                                          ("frameworks", "not_a_framework"), ("parents_place", "boss")])
def test_bad_link_fields_get_a_field_error_not_a_500(app, client, login, make_user, make_member, pair, field,
                                                    value):
    member = make_user("member")
    make_member(member, pair[0])
    login(member)
    response = declare(client, *pair, **{field: value})
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Link)) is None


def test_second_link_between_same_pair_is_refused(client, login, make_user, make_member, pair):
    member = make_user("member")
    make_member(member, pair[0])
    make_member(member, pair[1])
    login(member)
    assert declare(client, *pair).status_code == 302
    response = declare(client, pair[1], pair[0])
    assert response.status_code == 400 and "existe déjà" in response.get_data(as_text=True)


def test_only_coordinators_edit_structures_and_coordinates_are_range_checked(app, client, login, make_user, pair):
    login(make_user("member"))
    assert client.get(f"/structures/{pair[0]}/modifier").status_code == 403
    client.post("/deconnexion")
    login(make_user("admin"))
    data = {"name": "École Jean Vilar", "kind": "ecole_elementaire", "latitude": "95", "longitude": "2.3",
            "priority": "", "public": "y"}
    response = client.post(f"/structures/{pair[0]}/modifier", data=data)
    assert response.status_code == 400 and "hors plage" in response.get_data(as_text=True)
    response = client.post(f"/structures/{pair[0]}/modifier", data={**data, "latitude": "48.9",
                                                                    "qpv_code": "QN09301M"})
    assert response.status_code == 302
    structure = client.get("/api/structures.json?qpv=QN09301M").json["structures"]
    assert [s["name"] for s in structure] == ["École Jean Vilar"]


def test_public_api_shows_published_data_only(client, make_structure, make_link):
    a = make_structure("Centre A", lat=48.90, lon=2.30)
    b = make_structure("École B", kind="ecole_primaire", lat=48.91, lon=2.31)
    hidden = make_structure("Centre caché", public=False)
    nowhere = make_structure("Association sans coordonnées", kind="association", lat=None, lon=None)
    make_link(a, b, level="formal_partnership", frameworks=["clas"])
    make_link(a, hidden)
    make_link(b, nowhere, status="declared")
    data = client.get("/api/carte.geojson").json
    points = {f["properties"]["name"] for f in data["features"] if f["geometry"]["type"] == "Point"}
    lines = [f["properties"] for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert points == {"Centre A", "École B"}
    assert [(k["source"], k["target"], k["level"]) for k in lines] == [(a, b, "formal_partnership")]
    assert data["meta"] == {"structures": 3, "on_map": 2, "links": 1}
    names = {s["name"] for s in client.get("/api/structures.json").json["structures"]}
    assert names == {"Centre A", "École B", "Association sans coordonnées"}
    assert client.get(f"/structures/{hidden}").status_code == 404
    only_clas = client.get("/api/carte.geojson?framework=clas&kind=ecole_primaire").json["meta"]
    assert only_clas == {"structures": 1, "on_map": 1, "links": 0}
    assert client.get("/api/carte.geojson?level=cooperation").json["meta"]["links"] == 0
    bad = client.get("/api/carte.geojson?kind=piscine")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid"


def test_graph_gives_degree_and_betweenness_of_the_bridge(client, make_structure, make_link):
    ids = [make_structure(name) for name in ("A", "Pont", "C", "D")]
    make_link(ids[0], ids[1])
    make_link(ids[1], ids[2])
    make_link(ids[1], ids[3])
    nodes = {n["name"]: n for n in client.get("/api/graphe.json").json["nodes"]}
    assert nodes["Pont"]["degree"] == 3 and nodes["Pont"]["betweenness"] == pytest.approx(1.0)
    assert nodes["A"]["degree"] == 1 and nodes["A"]["betweenness"] == 0


def test_structure_page_lists_links_and_practices_naming_it(app, client, make_structure, make_link):
    a = make_structure("Centre social des Tilleuls")
    b = make_structure("Collège Pablo Neruda", kind="college")
    make_link(a, b, level="co_construction")
    from workshop.practices.models import Practice

    with app.app_context():
        db.session.add(Practice(uuid="0" * 36, title="Café des parents au collège", status="published",
                                structures=[{"id": a, "name": "Centre social des Tilleuls"}]))
        db.session.add(Practice(uuid="1" * 36, title="Brouillon", status="draft",
                                structures=[{"id": a, "name": "Centre social des Tilleuls"}]))
        db.session.commit()
    page = client.get(f"/structures/{a}").get_data(as_text=True)
    assert "Collège Pablo Neruda" in page and "Co-construction" in page
    assert "Café des parents au collège" in page and "Brouillon" not in page


def test_panorama_counts_and_pdf(app, client, make_structure, make_link, tmp_path):
    a = make_structure("Centre A", qpv_code="QN09301M")
    b = make_structure("École B", kind="ecole_primaire")
    make_structure("Association seule", kind="association", insee="93001", city="Aubervilliers")
    make_link(a, b, level="cooperation", formalisation="framework", frameworks=["clas", "reaap"])
    page = client.get("/carte/panorama").get_data(as_text=True)
    assert "33 %" in page and "Association seule" in page and "<svg" in page and "REAAP" in page
    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf"), PDF_INLINE_WAIT=60)
    try:
        response = client.get("/carte/panorama.pdf")
    finally:
        from workshop.printing.renderer import shutdown_pool

        shutdown_pool()
    pdf = response.data
    response.close()
    assert response.status_code == 200 and pdf.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Panorama" in text and "Aubervilliers" in text


def test_import_page_is_for_admins_and_reports(client, login, make_user):
    from tests.mapping.conftest import annuaire_file, annuaire_row

    login(make_user("member"))
    assert client.get("/admin/cartographie/import").status_code == 403
    client.post("/deconnexion")
    login(make_user("admin"))
    data = {"format": "annuaire", "departement": "93", "cities": "", "dry_run": "y",
            "file": (__import__("io").BytesIO(annuaire_file(annuaire_row("0930612F"), annuaire_row("X"))), "a.csv")}
    response = client.post("/admin/cartographie/import", data=data, content_type="multipart/form-data",
                           follow_redirects=True)  # to the page of the import's job
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "simulation" in page and "Ligne 3" in page
    assert client.get("/api/structures.json").json["structures"] == []
    data["file"] = (__import__("io").BytesIO(b"x;y\n1;2\n"), "a.csv")
    response = client.post("/admin/cartographie/import", data=data, content_type="multipart/form-data",
                           follow_redirects=True)  # to the page of the import's job
    assert response.status_code == 400 and "Identifiant_de_l_etablissement" in response.get_data(as_text=True)


def test_tile_server_is_a_setting_and_map_page_works_without(app, client):
    page = client.get("/carte").get_data(as_text=True)
    assert '"tileUrl": ""' in page and "Fond de carte construit" in page
    app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get("/carte").get_data(as_text=True)
    assert "tiles.example.org" in page and "Fond de carte construit" not in page


def test_api_answers_304_when_data_did_not_change(client, make_structure):
    make_structure("Centre A")
    first = client.get("/api/carte.geojson")
    again = client.get("/api/carte.geojson", headers={"If-None-Match": first.headers["ETag"].strip('"')})
    assert again.status_code == 304
    make_structure("Centre B")
    changed = client.get("/api/carte.geojson", headers={"If-None-Match": first.headers["ETag"].strip('"')})
    assert changed.status_code == 200 and changed.json["meta"]["structures"] == 2


def test_api_answers_afresh_after_any_edit_counts_do_not_see(app, client, make_structure):
    """Edits that keep every count (a renamed structure, an outline drawn again) still give a new answer:
    SQLAlchemy stamps each update, whoever writes it."""
    from tests.mapping.test_imports import outlines, run, square

    centre = make_structure("Centre A")

    def etag_then_unchanged(url: str) -> str:
        etag = client.get(url).headers["ETag"].strip('"')
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        return etag

    before = etag_then_unchanged("/api/carte.geojson")
    with app.app_context():
        db.session.get(Structure, centre).name = "Centre social Maurice-Ravel"
        db.session.commit()
    renamed = client.get("/api/carte.geojson", headers={"If-None-Match": before})
    assert renamed.status_code == 200
    assert [f["properties"]["name"] for f in renamed.json["features"]] == ["Centre social Maurice-Ravel"]

    feature = {"code_qp": "QN09301M", "lib_qp": "Franc Moisin"}
    run(app, outlines((feature, square(2.3539, 48.9356))), "qpv-outlines")
    before = etag_then_unchanged("/api/qpv.geojson")
    run(app, outlines((feature, square(2.3600, 48.9400))), "qpv-outlines")  # same QPV, drawn again
    redrawn = client.get("/api/qpv.geojson", headers={"If-None-Match": before})
    assert redrawn.status_code == 200
