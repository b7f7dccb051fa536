"""No script on any page, in a real Chromium: markup planted in a structure's name, a QPV's name and a card's text is
shown as text and runs nothing, and the map, graph, board and room pages work under the Content-Security-Policy
without a single violation."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.board_page import enter_board_as_facilitator
from tests.realtime import LiveServer
from workshop.boards import service as boards
from workshop.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_board
from workshop.devserver import free_port
from workshop.extensions import db
from workshop.live.kernel import current_kernel
from workshop.mapping.demo import seed_structures
from workshop.mapping.models import Qpv, Structure

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture
def hostile(app):
    """The demo workshop, structures and QPV outlines, with markup in a structure, a QPV and a card."""
    with app.test_request_context():
        workshop = seed_board(db.session)
        seed_structures(db.session, 12)
        structure = db.session.scalar(select(Structure).where(Structure.latitude.is_not(None)).order_by(Structure.id))
        structure.name = f"{PAYLOAD} Centre social"
        qpv = db.session.scalar(select(Qpv).where(Qpv.outline_simple.is_not(None)).order_by(Qpv.code))
        qpv.name = f"{PAYLOAD} Quartier"
        participant = boards.join(db.session, {"code": workshop.code, "name": "Karim"}).participant
        current_kernel().perform(db.session, participant.id, "card.add",
                                 {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": f"{PAYLOAD} carte"},
                                 workshop_id=participant.workshop_id, rate_limited=False)
        db.session.commit()
        ids = {"code": workshop.code, "workshop_id": workshop.id, "qpv": qpv.code}
    live = LiveServer(app, port=free_port(5700, 5749)).start()
    yield live, ids
    live.stop()


def assert_clean(page) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__csp") == []
    assert page.console_csp == []
    assert page.js_errors == []


def test_names_on_the_map_are_text_and_nothing_runs(hostile, page):
    live, ids = hostile
    page.goto(f"{live.url}/carte")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    page.wait_for_selector("#map[data-qpv]", timeout=20_000)
    # Open every tooltip and popup whose content mentions the payload (markers, QPV outlines).
    opened = page.evaluate("""() => { let n = 0; window.passerellesMap.eachLayer((layer) => {
        const tip = layer.getTooltip && layer.getTooltip();
        if (!tip) return;
        let content = tip.getContent();
        if (typeof content === "function") content = content(layer);
        const text = typeof content === "string" ? content : content.textContent;
        if (!text.includes("onerror")) return;
        layer.openTooltip();
        if (layer.getPopup && layer.getPopup()) layer.openPopup();
        n++;
      }); return n; }""")
    assert opened >= 2  # the structure's marker and the QPV's outline
    # The popup of a link names both its structures: open the ones that name the planted structure.
    links = page.evaluate("""() => { let n = 0; window.passerellesMap.eachLayer((layer) => {
        if (!(layer instanceof L.Polyline) || !layer.getPopup || !layer.getPopup()) return;
        let content = layer.getPopup().getContent();
        if (typeof content === "function") content = content(layer);
        if (typeof content === "string" || !content.textContent.includes("onerror")) return;
        layer.openPopup(layer.getLatLngs()[0]);
        n++;
      }); return n; }""")
    assert links >= 1
    expect(page.locator(".leaflet-popup-content").filter(has_text="↔").first).to_contain_text("<img src=x onerror=")
    page.wait_for_timeout(300)
    tips = page.locator(".leaflet-tooltip, .leaflet-popup-content")
    texts = " ".join(tips.all_text_contents())
    assert "<img src=x onerror=" in texts and "Quartier" in texts and "Centre social" in texts
    assert page.locator(".leaflet-tooltip img, .leaflet-popup-content img, .leaflet-pane script").count() == 0
    assert_clean(page)


def test_graph_page_runs_under_the_policy(hostile, page):
    live, _ids = hostile
    page.goto(f"{live.url}/carte/graphe")
    page.wait_for_selector("#graph[data-ready='1']", timeout=30_000)
    assert page.locator("#graph canvas").count() >= 1
    expect(page.locator("#bridges")).to_contain_text("<img src=x onerror=")
    assert page.locator("#bridges img").count() == 0
    assert_clean(page)


def test_board_and_room_show_a_card_as_text_and_run_nothing(hostile, page):
    live, ids = hostile
    enter_board_as_facilitator(page, live.url, DEMO_ACCOUNTS[1][0], DEMO_PASSWORD, ids["code"])
    note = page.locator(".note-text").filter(has_text=re.compile(r"<img src=x onerror="))
    expect(note).to_have_count(1)
    assert page.locator(".note img, .note script").count() == 0
    assert_clean(page)

    page.goto(f"{live.url}/ateliers/{ids['workshop_id']}/salle")
    expect(page.locator("main")).to_contain_text("<img src=x onerror=")
    assert page.locator("main img:not([src$='.svg']):not([src*='qr'])").count() == 0
    assert_clean(page)


@pytest.mark.parametrize("path", ["/", "/fiches", "/carte/panorama", "/boites-a-outils", "/connexion"])
def test_other_pages_run_under_the_policy(hostile, page, path):
    live, _ids = hostile
    page.goto(f"{live.url}{path}")
    page.wait_for_load_state("networkidle")
    assert_clean(page)
