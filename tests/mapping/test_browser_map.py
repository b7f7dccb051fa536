"""The map and the relation graph in a real Chromium (Debian's, driven by Playwright), without any tile server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.realtime import LiveServer
from tests.serverproc import ROOT
from workshop.devserver import free_port
from workshop.extensions import db

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts" / "mapping"


@pytest.fixture
def server(app):
    from workshop.mapping.demo import seed_structures

    with app.app_context():
        seeded = seed_structures(db.session, 64)
        db.session.commit()
    live = LiveServer(app, port=free_port(5750, 5799)).start()
    yield live, seeded
    live.stop()


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is missing")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        yield page
        browser.close()


def test_map_shows_markers_links_and_qpv_without_tiles_and_filters(server, page):
    live, seeded = server
    page.goto(f"{live.url}/carte")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    page.wait_for_selector("#map[data-qpv]", timeout=20_000)
    api = json.loads(page.evaluate(f"fetch('{live.url}/api/carte.geojson').then(r => r.text())"))
    assert int(page.get_attribute("#map", "data-markers")) == api["meta"]["on_map"] == 64
    assert int(page.get_attribute("#map", "data-links")) == api["meta"]["links"] > 40
    assert int(page.get_attribute("#map", "data-qpv")) == 32
    assert page.locator(".leaflet-tile").count() == 0  # no tile server configured: the map still draws
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1  # QPV outlines and link lines
    assert page.locator(".marker-cluster").count() + page.locator(".leaflet-interactive").count() > 0
    assert "64" in page.text_content("#map-status")
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)

    page.select_option("select[name=kind]", "college")
    page.wait_for_function("() => document.querySelector('#map').dataset.ready === '1' && "
                           "document.querySelector('#map').dataset.markers !== '64'", timeout=20_000)
    colleges = json.loads(page.evaluate(f"fetch('{live.url}/api/carte.geojson?kind=college').then(r => r.text())"))
    assert int(page.get_attribute("#map", "data-markers")) == colleges["meta"]["on_map"] < 64
    assert page.js_errors == []


def test_map_popup_escapes_names(server, page, app):
    from workshop.mapping.models import Structure

    live, _seeded = server
    with app.app_context():
        structure = db.session.get(Structure, 1)
        structure.name = "<img src=x onerror=alert(1)> École"
        db.session.commit()
    page.goto(f"{live.url}/carte")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    # Find the marker in its cluster group, zoom until it shows, then open its popup. The cluster group does not
    # call back when asked during another zoom animation (the map's own first fit, on a loaded machine: seen in
    # CI), so the test asks again each second until the popup is there.
    assert page.evaluate("""() => { let found = null;
        window.passerellesMap.eachLayer(group => { if (group.zoomToShowLayer) for (const m of group.getLayers()) {
          const tip = m.getTooltip() && m.getTooltip().getContent();
          if ((typeof tip === "string" ? tip : tip.textContent).includes("onerror")) found = [group, m]; } });
        if (found) window.openPlanted = () => found[0].zoomToShowLayer(found[1], () => found[1].openPopup());
        return !!found; }""")
    page.wait_for_function("""() => !!document.querySelector(".leaflet-popup-content strong")
        || (window.openPlanted(), false)""", polling=1000, timeout=30_000)
    assert "<img src=x onerror=alert(1)> École" in page.text_content(".leaflet-popup-content strong")
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.js_errors == []


def test_graph_draws_nodes_edges_and_lists_bridges(server, page):
    live, _seeded = server
    page.goto(f"{live.url}/carte/graphe")
    page.wait_for_selector("#graph[data-ready='1']", timeout=30_000)
    data = json.loads(page.evaluate(f"fetch('{live.url}/api/graphe.json').then(r => r.text())"))
    assert int(page.get_attribute("#graph", "data-nodes")) == len(data["nodes"]) == 64
    assert int(page.get_attribute("#graph", "data-edges")) == len(data["edges"])
    assert page.locator("#graph canvas").count() >= 1
    top = max(data["nodes"], key=lambda n: (n["betweenness"], n["degree"]))
    assert page.locator("#bridges li").count() == 10
    assert top["name"] in page.text_content("#bridges li:first-child")
    page.screenshot(path=str(ARTIFACTS / "graph.png"), full_page=True)
    page.select_option("select[name=level]", "formal_partnership")
    page.wait_for_function("() => document.querySelector('#graph').dataset.ready === '1' && "
                           "document.querySelector('#graph').dataset.nodes !== '64'", timeout=20_000)
    assert int(page.get_attribute("#graph", "data-nodes")) < 64
    assert page.js_errors == []


def test_panorama_charts_render(server, page):
    live, seeded = server
    page.goto(f"{live.url}/carte/panorama")
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("svg.chart rect").count() >= 8  # every level has a bar, even an empty one
    assert "64" in page.text_content(".figures")
    page.screenshot(path=str(ARTIFACTS / "panorama.png"), full_page=False)
    assert page.js_errors == []


PLANTED = '<img src=x onerror="window.ran=1">'


def test_every_tooltip_and_popup_of_the_map_holds_its_names_as_text(server, page, app):
    """Leaflet parses a string given to a tooltip or a popup as HTML. Names planted with markup in every structure
    (the markers, the ends of each link), every QPV (the outlines) and a tried sheet's title (the "tried here"
    layer): each tooltip and popup of every layer (the communes' names too) must be a node holding the names as
    text, and the planted markup must never run."""
    import uuid
    from datetime import date

    from workshop.mapping.models import Qpv, Structure
    from workshop.practices.models import Practice
    from workshop.trials.models import Trial

    live, _seeded = server
    with app.app_context():
        for structure in db.session.query(Structure):
            structure.name = f"{PLANTED} {structure.name}"
        for qpv in db.session.query(Qpv):
            qpv.name = f"{PLANTED} {qpv.name}"
        # The "tried here" layer: a published sheet, its title planted too, tried at a public structure.
        sheet = Practice(uuid=str(uuid.uuid4()), title=f"{PLANTED} Café des parents", status="published")
        place = db.session.query(Structure).filter(Structure.public.is_(True), Structure.validated.is_(True),
                                                   Structure.latitude.is_not(None)).first()
        db.session.add(sheet)
        db.session.flush()
        db.session.add(Trial(practice_id=sheet.id, structure_id=place.id, tried_on=date(2026, 10, 1),
                             recommend="yes", status="approved", author_name="A"))
        db.session.commit()
    page.goto(f"{live.url}/carte")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    page.wait_for_selector("#map[data-qpv]", timeout=20_000)
    page.wait_for_selector("#map[data-trials='1']", timeout=20_000)
    found = page.evaluate("""() => {
      const seen = { nodes: 0, strings: [], planted: 0, links: 0, qpv: 0, trials: 0 };
      const visited = new Set();  // a group's layers are on the map too: each looked at once
      const look = (layer) => {
        if (visited.has(layer)) return;
        visited.add(layer);
        for (const [kind, bound] of [["tooltip", layer.getTooltip && layer.getTooltip()],
                                     ["popup", layer.getPopup && layer.getPopup()],
                                     ["label", layer instanceof L.Tooltip ? layer : null]]) {
          if (!bound) continue;
          let content = bound.getContent ? bound.getContent() : bound._content;
          if (typeof content === "function") content = content(layer);
          if (typeof content === "string") { seen.strings.push(content); continue; }
          seen.nodes += 1;
          if (content.textContent.includes('onerror="window.ran=1"')) {
            seen.planted += 1;
            if (content.textContent.includes("↔")) seen.links += 1;
            if (kind === "tooltip" && layer.feature && layer.feature.properties.code) seen.qpv += 1;
            if (kind === "popup" && content.querySelector && content.querySelector("li a")
                && content.querySelector("li a").textContent.includes("Café des parents")) seen.trials += 1;
          }
        }
        if (layer.getLayers) layer.getLayers().forEach(look);
      };
      window.passerellesMap.eachLayer(look);
      return seen;
    }""")
    assert found["strings"] == []  # no HTML string given to Leaflet
    assert found["links"] > 40 and found["qpv"] == 32 and found["planted"] > 64 + 32 + 40, found
    assert found["trials"] == 1, found  # its popup: the structure's name and the sheet's title, as text
    marker = page.locator(".leaflet-interactive").first
    if marker.count():
        marker.click(force=True)
    assert page.evaluate("() => window.ran") is None
    assert page.locator(".leaflet-pane img").count() == 0
    assert page.js_errors == []
