"""The department view and the links joining the two networks, in Chromium: the networks side by side at
1366 px and one under the other at 390 px (axe finds nothing serious), the map's "links between the two networks"
filter, and the graph's closeness, communities and the same filter."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.conftest import SCREENSHOTS as SHOTS
from tests.serverproc import SECRET_KEY

pytestmark = pytest.mark.browser


def _seed(database_url: str) -> None:
    """The demo's structures (in the two networks) and one named link joining them, validated by both."""
    from sqlalchemy import select

    from workshop import create_app
    from workshop.extensions import db
    from workshop.mapping.demo import seed_structures
    from workshop.mapping.models import City, Link, Structure, structure_network
    from workshop.networks import service as networks

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        session = db.session
        seed_structures(session, 60)
        if session.scalar(select(Structure.id).where(Structure.name == "Centre social Floréal (réseaux)")) is None:
            if session.get(City, "93066") is None:
                session.add(City(insee="93066", name="Saint-Denis", departement="93"))
            ends = [Structure(name="Centre social Floréal (réseaux)", kind="centre_social", city_insee="93066",
                              latitude=48.935, longitude=2.355),
                    Structure(name="École Jean Vilar (réseaux)", kind="ecole_elementaire", city_insee="93066",
                              latitude=48.94, longitude=2.36)]
            session.add_all(ends)
            session.flush()
            for end, slug in zip(ends, ("centres-sociaux", "ecole-familles"), strict=True):
                network = networks.ensure_network(session, *next(n for n in networks.DEMO_NETWORKS if n[0] == slug))
                session.execute(structure_network.insert().values(structure_id=end.id, network_id=network.id))
            low, high = sorted(e.id for e in ends)
            session.add(Link(source_id=ends[0].id, target_id=ends[1].id, pair_low=low, pair_high=high,
                             status="validated", level="cooperation", since=2019))
        session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def networks_live(live):
    _seed(live.seeded.database_url)
    return live


def _demo_sides(page):
    """The two demo networks' columns, whatever other networks the shared server holds."""
    return page.locator("[data-testid^='side-']").filter(
        has=page.get_by_role("heading", name=re.compile(r"^(Centres sociaux|École-familles)$")))


def _page(new_page, **options):
    page = new_page(**options)
    serve_axe(page.context)
    return page


def test_networks_side_by_side_on_desktop_and_stacked_on_a_phone(networks_live, new_page):
    page = _page(new_page, viewport={"width": 1366, "height": 900})
    page.goto(networks_live.url + "/carte")
    page.get_by_role("link", name="Réseaux", exact=True).click()  # in the menu, for everyone
    expect(page.get_by_role("heading", name="Les réseaux côte à côte")).to_be_visible()
    sides = _demo_sides(page)  # the server is shared: an earlier test may have added a network of its own
    expect(sides).to_have_count(2)
    grid = page.locator("[data-testid^='side-']")  # the layout: the first two columns, whichever networks
    first, second = grid.nth(0).bounding_box(), grid.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 1 and second["x"] >= first["x"] + first["width"]  # two columns
    cross = page.get_by_test_id("cross")
    named = "Centre social Floréal (réseaux) ↔ École Jean Vilar (réseaux)"
    expect(cross.get_by_role("link", name=named)).to_be_visible()
    expect(page.get_by_test_id("cross-years").get_by_role("rowheader", name="2019")).to_be_visible()
    assert_accessible(page, "reseaux@1366")
    page.screenshot(path=str(SHOTS / "networks-1366.png"), full_page=True)
    network_id = sides.nth(0).get_attribute("data-testid").removeprefix("side-")
    sides.nth(0).get_by_role("link", name="Voir ses structures sur la carte").click()
    page.wait_for_selector("#map[data-ready='1']")
    expect(page.locator("select[name=network]")).to_have_value(network_id)  # the map opens on that network
    only = json.loads(page.evaluate(f"fetch('/api/carte.geojson?network={network_id}').then(r => r.text())"))
    assert int(page.get_attribute("#map", "data-markers")) == only["meta"]["on_map"]

    phone = _page(new_page, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(networks_live.url + "/reseaux")
    sides = _demo_sides(phone)
    first, second = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"]  # one under the other
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone, "reseaux@390")
    phone.screenshot(path=str(SHOTS / "networks-390.png"), full_page=True)


def test_the_map_and_the_graph_show_the_links_between_the_networks_alone(networks_live, new_page):
    page = _page(new_page, viewport={"width": 1366, "height": 900})
    page.goto(networks_live.url + "/carte")
    page.wait_for_selector("#map[data-ready='1']")
    api = json.loads(page.evaluate("fetch('/api/carte.geojson').then(r => r.text())"))
    crossing = [f for f in api["features"] if f["properties"]["type"] == "link" and f["properties"]["cross"]]
    shown = int(page.get_attribute("#map", "data-links"))
    assert int(page.get_attribute("#map", "data-cross-links")) == len(crossing) >= 1
    assert int(page.get_attribute("#map", "data-shown-links")) == shown > len(crossing)
    page.get_by_label("Montrer seulement les liens entre les deux réseaux").check()
    expect(page.locator("#map")).to_have_attribute("data-shown-links", str(len(crossing)))
    assert_accessible(page, "carte-liens-entre-reseaux")
    page.screenshot(path=str(SHOTS / "networks-map-cross-1366.png"))
    page.get_by_label("Montrer seulement les liens entre les deux réseaux").uncheck()
    expect(page.locator("#map")).to_have_attribute("data-shown-links", str(shown))

    page.goto(networks_live.url + "/carte/graphe#liens-entre-reseaux")  # as the department view links it
    page.wait_for_selector("#graph[data-ready='1']")
    expect(page.get_by_label("Montrer seulement les liens entre les deux réseaux")).to_be_checked()
    cross_edges = page.get_attribute("#graph", "data-cross-edges")
    expect(page.locator("#graph")).to_have_attribute("data-shown-edges", cross_edges)
    page.get_by_label("Couleur des points").select_option("community")
    expect(page.locator("#graph")).to_have_attribute("data-colour", "community")
    node = page.evaluate("""() => {
        const cy = window.passerellesGraph;
        const node = cy.nodes().filter((n) => n.data('label') === 'École Jean Vilar (réseaux)')[0];
        node.emit('tap');
        return {color: node.data('color'), raw: node.data('raw')};
    }""")
    assert node["raw"]["community"] >= 1 and node["raw"]["closeness"] > 0
    panel = page.get_by_test_id("node-closeness")
    expect(panel).to_contain_text(f"proximité {node['raw']['closeness']:.3f}")
    expect(panel).to_contain_text(f"communauté {node['raw']['community']}")
    assert_accessible(page, "graphe-communautes")
    page.screenshot(path=str(SHOTS / "networks-graph-communities-1366.png"))
