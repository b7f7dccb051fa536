"""The department view: each network's figures side by side, the links that join them and the co-published
sheets, counted from the data; what is not public is only ever a number."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import insert, select

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.mapping.models import Link, workshop_structure
from workshop.meetings.models import Meeting, meeting_network
from workshop.networks import service as networks
from workshop.networks import sides
from workshop.networks.models import LinkConsent, Network
from workshop.practices.models import Practice, PracticeVersion, practice_network


@pytest.fixture
def department(app, make_user, make_structure, make_link, make_workshop, in_network):
    """Two networks, CS (centres sociaux) and EF (école-familles); the expected figures are in each test."""
    coord_cs, coord_ef, member = make_user("facilitator"), make_user("member"), make_user("member")
    ids = {
        "c1": make_structure("Centre social Floréal"), "c2": make_structure("Centre social Cosmonautes"),
        "c3": make_structure("Centre social caché", public=False),
        "e1": make_structure("École Jean Vilar", kind="ecole_elementaire", uai="0930612F"),
        "e2": make_structure("École proposée", kind="ecole_elementaire", validated=False),
        "e3": make_structure("École Anatole France", kind="ecole_elementaire", uai="0930613G"),
        "x": make_structure("Association du quartier", kind="association"),
    }
    cs = in_network("centres-sociaux", [ids["c1"], ids["c2"], ids["c3"]], coordinator=coord_cs)
    ef = in_network("ecole-familles", [ids["e1"], ids["e2"], ids["e3"]], coordinator=coord_ef)
    links = {
        "inside_cs": make_link(ids["c1"], ids["c2"]),
        "cross_2021": make_link(ids["c1"], ids["e1"], since=2021),
        "cross_created_2022": make_link(ids["c2"], ids["e1"], created_at=datetime(2022, 5, 1)),
        "to_hidden": make_link(ids["c1"], ids["c3"]),  # validated, but one end is not public
        "declared_ef": make_link(ids["e3"], ids["x"], status="declared"),
        "cross_waiting": make_link(ids["c2"], ids["e3"], status="declared", since=2024),
        "inside_ef": make_link(ids["e1"], ids["x"], since=2019),
    }
    w1, w2 = make_workshop(coord_cs)["id"], make_workshop(coord_cs)["id"]
    with app.app_context():
        db.session.add(LinkConsent(link_id=links["cross_waiting"], network_id=cs))  # only one network agreed
        networks.add_member(db.session, db.session.get(Network, cs), db.session.get(User, member.id))
        db.session.execute(insert(workshop_structure), [
            {"workshop_id": w1, "structure_id": ids["c1"]}, {"workshop_id": w1, "structure_id": ids["e1"]},
            {"workshop_id": w2, "structure_id": ids["c2"]}])
        day = datetime(2026, 3, 10, 9)
        meetings = [Meeting(code=uuid.uuid4().hex[:8], title=title, starts_at=day, ends_at=day, public=public,
                            organiser_id=coord_cs.id) for title, public in (("Plénière", True), ("Bureau", False))]
        db.session.add_all(meetings)
        db.session.flush()
        db.session.execute(insert(meeting_network), [
            {"meeting_id": meetings[0].id, "network_id": cs}, {"meeting_id": meetings[0].id, "network_id": ef},
            {"meeting_id": meetings[1].id, "network_id": cs}])
        authors = {"a": coord_cs.id, "b": coord_ef.id, "c": member.id}
        for title, status, nets, writers in (("Café des parents commun", "published", [cs, ef], "ab"),
                                             ("Accueil du mercredi", "published", [cs], "a"),
                                             ("Brouillon école", "draft", [ef], "c")):
            sheet = Practice(uuid=str(uuid.uuid4()), title=title, status=status)
            db.session.add(sheet)
            db.session.flush()
            db.session.execute(insert(practice_network), [{"practice_id": sheet.id, "network_id": n} for n in nets])
            for number, writer in enumerate(writers, start=1):
                db.session.add(PracticeVersion(practice_id=sheet.id, number=number, data={},
                                               author_id=authors[writer], author_name="Nom privé " + writer))
        db.session.commit()
    return {"cs": cs, "ef": ef, "links": links, "structures": ids}


def _figures(view, network_id):
    return next(n for n in view.networks if n.id == network_id)


def test_each_network_is_counted_from_the_data(app, department):
    with app.app_context():
        view = sides.department_view(db.session)
    cs, ef = _figures(view, department["cs"]), _figures(view, department["ef"])
    # CS: c1, c2 published, c3 hidden; links c1-c2, c1-e1, c2-e1 public (c1-c3 has a hidden end), c2-e3 waiting;
    # two members (one coordinates); workshops w1 (c1) and w2 (c2); the plenary is public, the board meeting not;
    # two published sheets written by a and b (the draft does not count).
    assert (cs.structures, cs.private_structures, cs.links, cs.internal_links, cs.waiting_links) == (2, 1, 3, 1, 1)
    assert (cs.people, cs.coordinators, cs.workshops, cs.meetings, cs.private_meetings) == (2, 1, 2, 1, 1)
    assert (cs.sheets, cs.contributors) == (2, 2)
    # EF: e1, e3 published, e2 not validated; links c1-e1, c2-e1, e1-x public; e3-x and c2-e3 waiting.
    assert (ef.structures, ef.private_structures, ef.links, ef.internal_links, ef.waiting_links) == (2, 1, 3, 1, 2)
    assert (ef.people, ef.coordinators, ef.workshops, ef.meetings, ef.private_meetings) == (1, 1, 1, 1, 0)
    assert (ef.sheets, ef.contributors) == (1, 2)


def test_links_joining_the_two_networks_and_their_years(app, department):
    with app.app_context():
        view = sides.department_view(db.session)
    assert view.cross_count == 2
    assert [link["id"] for link in view.cross_links] == [department["links"]["cross_2021"],
                                                          department["links"]["cross_created_2022"]]
    # 2021 from `since`; 2022 from the creation date of a link without `since`
    assert view.by_year == [{"year": 2021, "added": 1, "total": 1}, {"year": 2022, "added": 1, "total": 2}]
    assert [sheet["title"] for sheet in view.co_published] == ["Café des parents commun"]


def test_a_link_waiting_for_the_other_network_is_counted_apart_never_listed(app, department):
    waiting = department["links"]["cross_waiting"]
    with app.app_context():
        view = sides.department_view(db.session)
        assert view.cross_waiting == 1 and view.cross_count == 2
        assert waiting not in [link["id"] for link in view.cross_links]
        assert 2024 not in [year["year"] for year in view.by_year]
        # once the second network confirms (the consent rule validates it), it is public and counted
        db.session.add(LinkConsent(link_id=waiting, network_id=department["ef"]))
        db.session.get(Link, waiting).status = "validated"
        db.session.commit()
        view = sides.department_view(db.session)
    assert (view.cross_count, view.cross_waiting) == (3, 0)
    assert view.by_year[-1] == {"year": 2024, "added": 1, "total": 3}


def test_the_page_shows_both_networks_in_french_and_english_without_private_data(client, department):
    page = client.get("/reseaux").get_data(as_text=True)
    assert "Les réseaux côte à côte" in page and "Liens entre les deux réseaux" in page
    for network in ("cs", "ef"):
        assert f'data-testid="side-{department[network]}"' in page
    assert "École Jean Vilar ↔" in page or "↔ École Jean Vilar" in page  # a public cross link, named
    assert "Café des parents commun" in page  # co-published
    for private in ("Centre social caché", "École proposée", "École Anatole France ↔", "Nom privé",
                    "Brouillon école", "Bureau", "Test"):  # hidden structures, waiting link, people, draft
        assert private not in page, private
    english = client.get("/reseaux?lang=en").get_data(as_text=True)
    assert "The networks side by side" in english and "Links between the two networks" in english
    assert "Les réseaux côte à côte" not in english


def test_the_menu_offers_the_page_to_everyone(client):
    assert 'href="/reseaux"' in client.get("/carte").get_data(as_text=True)


def test_map_and_graph_mark_the_links_joining_the_networks_and_the_graph_filters(client, department):
    links, ids = department["links"], department["structures"]
    lines = {f["properties"]["id"]: f["properties"]["cross"]
             for f in client.get("/api/carte.geojson").json["features"] if f["properties"]["type"] == "link"}
    assert lines == {links["inside_cs"]: False, links["cross_2021"]: True, links["cross_created_2022"]: True,
                     links["inside_ef"]: False}  # the waiting one is not public, the hidden end's neither
    graph = client.get("/api/graphe.json").json
    assert sorted(e["id"] for e in graph["edges"] if e["cross"]) == [links["cross_2021"], links["cross_created_2022"]]
    node = {n["id"]: n for n in graph["nodes"]}
    # one component: the triangle c1, c2, e1 and x hanging from e1, so e1 reaches everyone in one step
    assert max(node, key=lambda i: node[i]["closeness"]) == ids["e1"]
    assert all(isinstance(n["community"], int) and n["community"] >= 1 for n in graph["nodes"])
    only_cs = client.get(f"/api/graphe.json?network={department['cs']}").json
    assert {n["id"] for n in only_cs["nodes"]} == {ids["c1"], ids["c2"]}
    assert {e["id"] for e in client.get("/api/graphe.json?level=information").json["edges"]} == set()


def test_a_planted_name_is_shown_as_text(app, client, department):
    from workshop.mapping.models import Structure

    with app.app_context():
        db.session.get(Structure, department["structures"]["e1"]).name = "<script>alert(1)</script> École"
        db.session.commit()
    page = client.get("/reseaux").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; École" in page and "<script>alert(1)" not in page


def test_the_page_reuses_the_view_until_something_it_counts_changes(app, client, department):
    """/reseaux is computed once per state of the data (costly at department scale); any change it shows is seen."""
    with app.app_context():
        first = sides.cached_department_view(db.session)
        assert sides.cached_department_view(db.session) is first  # unchanged data: the same view, not recomputed
        changes = [
            lambda: setattr(db.session.scalars(select(Meeting).where(Meeting.title == "Bureau")).one(), "public", True),
            lambda: networks.add_member(db.session, db.session.get(Network, department["ef"]),
                                        db.session.scalars(select(User).order_by(User.id.desc())).first()),
            lambda: setattr(db.session.scalars(select(Practice).where(Practice.title == "Brouillon école")).one(),
                            "status", "published"),
            lambda: setattr(db.session.get(Network, department["cs"]), "short_name", "CS renommé"),
            lambda: setattr(db.session.get(Link, department["links"]["cross_waiting"]), "status", "validated"),
        ]
        seen = [first]
        for change in changes:
            change()
            db.session.commit()
            view = sides.cached_department_view(db.session)
            assert all(view is not before for before in seen)
            assert view == sides.department_view(db.session)  # the same figures as computed afresh
            seen.append(view)
    cs, ef = _figures(seen[-1], department["cs"]), _figures(seen[-1], department["ef"])
    assert (cs.meetings, ef.people, ef.sheets, cs.short_name, seen[-1].cross_count) == (2, 2, 2, "CS renommé", 3)
    assert "CS renommé" in client.get("/reseaux").get_data(as_text=True)


def test_every_table_the_view_reads_moves_its_fingerprint_else_it_is_not_cached(app, department, monkeypatch, caplog):
    """A query on a new table added to the view without its line in the fingerprint would serve a stale page:
    the view found reading a table the fingerprint does not watch is computed afresh, and says so."""
    with app.app_context():
        _view, read = sides.tables_read(db.session, lambda: sides.department_view(db.session))
        assert {"network", "meeting", "practice_version", "structure_link"} <= {t.name for t in read}
        assert read <= sides.watched_tables()
        watches = sides._watches
        monkeypatch.setattr(sides, "_watches", lambda: {t: q for t, q in watches().items() if t.name != "meeting"})
        sides._views.clear()
        first = sides.cached_department_view(db.session)
        assert sides.cached_department_view(db.session) is not first  # a meeting made public would go unseen
        assert "does not watch meeting" in caplog.text
