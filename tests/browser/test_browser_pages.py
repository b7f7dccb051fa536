"""The public pages on a phone and the cartography and toolkit tools as people use them (issue #13, points 9 and 10):
no page wider than a 320 px phone, search facets folded on a phone, a favicon, a map base layer built from the
imported data, chart labels that are not clipped, a type-ahead for a link's partner, toolkit ordering without a
mouse, a neutral "brouillon" badge.

One server on the demo data (as the accessibility pass seeds it) with a few long names added, for the module.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import log_in
from tests.browser.conftest import ARTIFACTS, LIVE_TIMEOUT, SCREENSHOTS
from tests.browser.test_browser_accessibility import ADMIN_EMAIL, SURFACES, Demo, seed_demo
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser

LONG_CITY = "Saint-Rémy-lès-Chevreuse-et-Villiers-le-Bâcle"
LONG_STRUCTURE = "Centre social et culturel intercommunal Jean-Baptiste-Poquelin-dit-Molière de la Plaine"
LONG_FRAMEWORK = "Programme de réussite éducative et d'accompagnement des familles du quartier des Francs-Moisins"
CLOSED_RED = "rgb(254, 226, 226)"


def _add_long_names(database_url: str) -> dict:
    """What a real import brings and the demo lacks: a long commune and structure name, a long framework label on
    a validated link; and the public link of the published toolkit."""
    from sqlalchemy import select

    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.frameworks import service as frameworks
    from workshop.mapping.models import City, Link, Structure
    from workshop.toolkits.models import Toolkit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None})
    with app.app_context():
        session = db.session
        session.add(City(insee="78575", name=LONG_CITY, departement="78"))
        structure = Structure(name=LONG_STRUCTURE, kind="centre_social", city_insee="78575", latitude=48.70,
                              longitude=2.07, public=True, validated=True,
                              address="Maison des associations, 12 allée Jean-Baptiste-Poquelin-dit-Molière")
        session.add(structure)
        frameworks.save_framework(session, accounts.get_by_email(session, ADMIN_EMAIL), "pre_fm", LONG_FRAMEWORK)
        link = session.scalars(select(Link).where(Link.status == "validated").order_by(Link.id)).first()
        link.frameworks = [*(link.frameworks or []), "pre_fm"]
        session.commit()
        token = session.scalar(select(Toolkit.public_token).where(Toolkit.public_token.is_not(None)))
        data = {"long_structure_id": structure.id, "public_token": token}
        session.remove()
        db.engine.dispose()
    return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages-server")
    url, pg_name = new_database(tmp)
    data = seed_demo(url)
    extra = _add_long_names(url)
    server = ServerProcess(free_port(5670, 5699), url, tmp / "server.log")
    server.start(timeout=120)  # a busy 2-core machine can take more than the default 30 s
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield Demo(url=server.url, **data), extra
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "pages-server.log")
        drop_database(pg_name)


@pytest.fixture
def visitor(browser):
    """A visitor's page (French), axe served, failing on JavaScript errors."""
    pages, errors = [], []

    def open_page(width: int = 1366, height: int = 900) -> Page:
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
        context.set_default_timeout(LIVE_TIMEOUT)
        serve_axe(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def _overflow(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_no_public_page_is_wider_than_a_320px_phone(demo, visitor):
    data, extra = demo
    paths = [s.path(data) for s in SURFACES if s.who == "visitor" and s.status == 200]
    paths += [f"/b/{extra['public_token']}", f"/structures/{extra['long_structure_id']}", "/fiches?q=parents"]
    page = visitor(320, 700)
    wider = {}
    for path in paths:
        page.goto(data.url + path)
        page.wait_for_load_state("load")
        if _overflow(page) > 0:
            wider[path] = _overflow(page)
    assert not wider, f"pages wider than a 320 px phone (px too wide): {wider}"
    # the four pages the issue named, also accessible at that width
    for path in (f"/structures/{extra['long_structure_id']}", "/carte/panorama", "/fiches",
                 f"/b/{extra['public_token']}"):
        page.goto(data.url + path)
        assert_accessible(page, f"{path}@320")


def test_on_a_phone_the_search_facets_are_folded_and_the_first_result_is_near_the_top(demo, visitor):
    data, _extra = demo
    page = visitor(390, 844)
    page.goto(f"{data.url}/fiches")
    first = page.locator(".practice-hit").first
    filters = page.locator("details.facets-fold")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.locator(".facets")).to_be_hidden()
    folded_y = first.bounding_box()["y"]
    page.screenshot(path=str(SCREENSHOTS / "search-390.png"))
    assert_accessible(page, "fiches@390")
    page.get_by_text("Filtres", exact=True).click()  # the summary: unfolds the facets above the results
    expect(page.locator(".facets")).to_be_visible()
    unfolded_y = first.bounding_box()["y"]
    print(f"\nfirst search result at 390 px: y={folded_y:.0f} folded, {unfolded_y:.0f} with the facets open")
    assert folded_y < 844 * 0.7 and unfolded_y > folded_y + 1000  # on the first screen; 1000 px lower unfolded
    box = page.locator("details.facets-fold > summary").bounding_box()
    assert box["height"] >= 44
    page.locator(".facet-value input").first.check()  # a filter submits the search (data-autosubmit)
    expect(page.locator("details.facets-fold > summary")).to_contain_text("(1)")  # folded again, the count says so

    wide = visitor(1366, 900)
    wide.goto(f"{data.url}/fiches")
    expect(wide.locator(".facets")).to_be_visible()  # a wide screen has room for the facets column
    expect(wide.locator("details.facets-fold > summary")).to_be_hidden()


def test_every_page_links_a_favicon_that_exists(demo, visitor):
    data, _extra = demo
    page = visitor()
    for path in ("/", "/presentation/panorama", "/carte"):
        page.goto(data.url + path)
        icon = page.locator("link[rel=icon]")
        expect(icon).to_have_attribute("type", "image/svg+xml")
        response = page.request.get(data.url + icon.get_attribute("href"))
        assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in response.body()


# The map's visible commune names that are cut by its edge or overlap another, and whether a zoom is under way (the
# names move while zooming): what the map test waits on, and what it reports when they do not settle.
LABEL_STATE = """() => {
    const frame = document.querySelector('#map').getBoundingClientRect();
    const shown = [...document.querySelectorAll('.city-label')]
      .filter((n) => getComputedStyle(n).visibility !== 'hidden')
      .map((n) => [n.textContent, n.getBoundingClientRect()]);
    const cut = ([, a]) => a.left < frame.left || a.right > frame.right || a.top < frame.top || a.bottom > frame.bottom;
    const overlaps = ([, a], i) => shown.some(([, b], j) => j !== i && a.left < b.right && b.left < a.right
      && a.top < b.bottom && b.top < a.bottom);
    const bad = shown.filter((s, i) => cut(s) || overlaps(s, i)).map(([name, a]) =>
      `${name} (${Math.round(a.left)},${Math.round(a.top)})-(${Math.round(a.right)},${Math.round(a.bottom)})`);
    return { zooming: Boolean(document.querySelector('#map .leaflet-zoom-anim')), bad,
             zoom: window.passerellesMap && window.passerellesMap.getZoom(), shown: shown.length,
             frame: [frame.left, frame.top, frame.right, frame.bottom].map(Math.round) };
}"""


def test_the_map_has_a_base_layer_of_the_communes_from_the_imported_data(demo, visitor):
    data, _extra = demo
    for width, height in ((1366, 768), (320, 700)):
        page = visitor(width, height)
        page.goto(f"{data.url}/carte")
        expect(page.locator("#map")).to_have_attribute("data-ready", "1")
        expect(page.locator("#map")).to_have_attribute("data-cities", re.compile(r"^[1-9]\d*$"))
        labels = page.locator(".leaflet-tooltip.city-label")
        expect(page.locator(".leaflet-tooltip.city-label >> visible=true").first).to_be_visible()
        names = labels.all_text_contents()
        assert "Aubervilliers" in names and LONG_CITY in names
        # Once the map has settled (it zooms to the structures after the names are placed; the names are sorted
        # out again at the end of each zoom), no two visible commune names overlap, and none is cut by the map's
        # edge (a far-off commune's name was clipped at the left edge at 320 px).
        try:
            page.wait_for_function(f"() => {{ const s = ({LABEL_STATE})(); return !s.zooming && !s.bad.length; }}",
                                   timeout=30_000)
        except PlaywrightTimeoutError:
            page.screenshot(path=str(SCREENSHOTS / f"map-labels-unsettled-{width}.png"))
            pytest.fail(f"the commune names did not settle at {width} px: {page.evaluate(LABEL_STATE)}")
        # the communes' areas are drawn: the map is no longer an empty grey square around the markers. During the
        # first zoom's animation the canvas still holds the view of all France, where the communes are a speck
        # (0.1 %): look once the animation is over and the canvas repainted.
        painted_share = """() => {
            const canvas = document.querySelector('#map canvas');
            const ctx = canvas.getContext('2d');
            const {data} = ctx.getImageData(0, 0, canvas.width, canvas.height);
            let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n / (canvas.width * canvas.height); }"""
        try:
            page.wait_for_function(f"() => ({painted_share})() > 0.01", timeout=10_000)
        except PlaywrightTimeoutError:
            pass  # the assertion below says how much was drawn
        painted = page.evaluate(painted_share)
        assert painted > 0.01, f"only {painted:.1%} of the map is drawn"
        page.locator("#map").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"map-{width}.png"))
        if width == 1366:
            assert_accessible(page, f"map@{width}")


def test_panorama_chart_labels_stay_inside_their_chart(demo, visitor):
    data, _extra = demo
    page = visitor(1366, 900)
    page.goto(f"{data.url}/carte/panorama")
    expect(page.locator("svg.chart").first).to_be_visible()
    outside = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].flatMap((svg) => {
        const width = svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map((t) => [t.textContent, t.getBBox()])
          .filter(([, box]) => box.x < 0 || box.x + box.width > width).map(([text]) => text); })""")
    assert not outside, f"labels running past their chart's edge: {outside}"
    assert LONG_FRAMEWORK.split()[0] in page.locator("svg.chart").all_text_contents()[2]


def test_a_links_partner_is_picked_with_a_type_ahead(demo, visitor):
    data, extra = demo
    page = visitor(390, 844)
    log_in(page, data.url, ADMIN_EMAIL, data.password)
    page.goto(f"{data.url}/structures/{data.structure_id}/declarer-un-lien")
    assert page.locator("select#target, select[name=target]").count() == 0  # no 160-option list any more
    partner = page.get_by_role("combobox", name="Structure partenaire")
    partner.press_sequentially("Poquelin", delay=30)
    option = page.get_by_role("option", name=re.compile("Jean-Baptiste-Poquelin"))
    expect(option).to_be_visible()
    assert_accessible(page, "link-declare@390 (list open)")
    partner.press("ArrowDown")
    partner.press("Enter")
    expect(partner).to_have_value(LONG_STRUCTURE)
    page.get_by_label("Niveau de coopération").select_option("coordination")
    page.get_by_role("button", name="Déclarer le lien").click()
    expect(page).to_have_url(re.compile(r"/liens/\d+$"))
    expect(page.locator("main")).to_contain_text(LONG_STRUCTURE)


def test_toolkit_sheets_and_sections_are_ordered_with_the_keyboard(demo, visitor):
    data, _extra = demo
    page = visitor(390, 844)
    log_in(page, data.url, ADMIN_EMAIL, data.password)
    page.goto(f"{data.url}/boites-a-outils/{data.showcase_toolkit_id}/modifier")
    titles = page.locator("[data-practice-id] .entry-title")
    expect(titles.first).to_be_visible()
    before = titles.all_text_contents()
    assert len(before) >= 2
    first_down = page.locator("[data-practice-id]").first.get_by_role("button", name="Descendre")
    box = first_down.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a finger's target on a phone
    first_down.focus()
    page.keyboard.press("Enter")
    after = titles.all_text_contents()
    assert after[:2] == [before[1], before[0]]
    assert page.evaluate("() => document.activeElement.dataset.move") == "down"  # the focus stayed on the button
    expect(page.locator("[data-order-status]")).to_contain_text(f"« {before[0]} » : position 2")
    page.keyboard.press("Shift+Tab")  # back to ↑ of the same sheet
    page.keyboard.press("Enter")
    assert titles.all_text_contents()[:2] == before[:2]
    page.keyboard.press("Enter")  # already first in the first section: nothing moves, and it says so
    expect(page.locator("[data-order-status]")).to_have_text("Déjà en tête.")
    first_down.click()  # a tap works as well
    assert_accessible(page, "toolkit-edit@390")

    page.get_by_role("button", name="Enregistrer").click()
    page.goto(f"{data.url}/boites-a-outils/{data.showcase_toolkit_id}/modifier")
    assert titles.all_text_contents()[:2] == [before[1], before[0]]  # the new order was saved


def test_a_draft_badge_is_neutral_not_the_closed_red(demo, visitor):
    data, _extra = demo
    page = visitor()
    log_in(page, data.url, ADMIN_EMAIL, data.password)
    page.goto(f"{data.url}/boites-a-outils")
    draft = page.locator(".status", has_text="brouillon").first
    expect(draft).to_be_visible()
    assert draft.evaluate("(e) => getComputedStyle(e).backgroundColor") != CLOSED_RED
    page.goto(f"{data.url}/boites-a-outils/{data.toolkit_id}")
    draft = page.locator(".status", has_text="brouillon")
    assert draft.evaluate("(e) => getComputedStyle(e).backgroundColor") != CLOSED_RED
    assert_accessible(page, "toolkit-draft")

