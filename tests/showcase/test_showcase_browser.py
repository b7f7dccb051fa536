"""In real Chromium: the home page shows what the programme produced with the join box in reach on a phone, and a
coordinator presents a toolkit full-screen with the keyboard (screenshots in docs/ and tests/artifacts/)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import join_with_name, notes_with_text, open_card_menu
from tests.browser.conftest import ARTIFACTS, DOCS, browser, new_page  # noqa: F401  (fixtures)
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database
from workshop.devserver import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production server on ports 5980-5999 with the demo data of the showcase."""
    tmp = tmp_path_factory.mktemp("showcase-browser")
    url, pg_name = new_database(tmp)
    from workshop import create_app
    from workshop.demo import DEMO_PASSWORD, seed_board
    from workshop.extensions import db
    from workshop.mapping.demo import seed_structures
    from workshop.practices.demo import seed_up_to
    from workshop.showcase.demo import TOOLKIT, seed_showcase
    from workshop.toolkits.models import Toolkit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        db.create_all()
        code = seed_board(db.session).code
        seed_up_to(db.session, 10)
        seed_structures(db.session, 24)
        seed_showcase(db.session, DEMO_PASSWORD)
        db.session.commit()
        toolkit_id = db.session.query(Toolkit.id).filter(Toolkit.title == TOOLKIT).scalar()
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(free_port(5980, 5999), url, tmp / "server.log").start()
    try:
        yield server, toolkit_id, code
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "showcase-server.log")
        drop_database(pg_name)


def test_home_shows_results_and_keeps_the_join_box_in_reach_on_a_phone(site, new_page):  # noqa: F811
    server, _toolkit, _code = site
    page = new_page(viewport={"width": 390, "height": 740})
    serve_axe(page.context)
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Ce que le programme a produit")).to_be_visible()
    box = page.locator(".join-box").bounding_box()
    assert box is not None and box["y"] + 120 < 740, box  # the code field is on the first screen
    for width in (320, 390, 1366):
        page.set_viewport_size({"width": width, "height": 740 if width < 400 else 900})
        page.screenshot(path=str(ARTIFACTS / f"showcase-home-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, width
    assert_accessible(page, "showcase-home")
    page.screenshot(path=str(DOCS / "home.png"))
    page.locator(".city-list a").first.click()
    expect(page.get_by_role("heading", name="Structures")).to_be_visible()
    assert_accessible(page, "showcase-city")


def test_a_toolkit_is_presented_full_screen_with_the_keyboard(site, new_page):  # noqa: F811
    server, toolkit_id, _code = site
    page = new_page(viewport={"width": 1366, "height": 768})
    serve_axe(page.context)
    page.goto(f"{server.url}/boites-a-outils/{toolkit_id}")
    page.get_by_role("link", name="Présenter en plein écran").click()
    slides = page.locator(".slide")
    total = slides.count()
    assert total >= 5  # cover, two section titles, sheets, thanks
    visible = page.locator(".slide:not([hidden])")
    expect(visible).to_have_count(1)
    expect(visible.get_by_role("heading", level=2)).to_have_text("Ouvrir l'école aux familles : ce qui a marché")
    assert page.locator(".topbar").count() == 0  # no site chrome
    title_size = visible.locator("h2").evaluate("h => parseFloat(getComputedStyle(h).fontSize)")
    assert title_size >= 48, title_size  # read from the back of a room
    page.screenshot(path=str(DOCS / "presentation-cover.png"))
    assert_accessible(page, "presentation")

    page.keyboard.press("ArrowRight")
    expect(page.locator("#deck-count")).to_have_text(f"2 / {total}")
    page.keyboard.press("PageDown")  # a clicker's "next"
    expect(page.locator("#deck-count")).to_have_text(f"3 / {total}")
    expect(visible.locator(".slide-summary")).to_be_visible()
    page.screenshot(path=str(DOCS / "presentation-sheet.png"))
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 700})
        page.screenshot(path=str(ARTIFACTS / f"showcase-presentation-{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.keyboard.press("PageUp")
    expect(page.locator("#deck-count")).to_have_text(f"2 / {total}")
    page.keyboard.press("End")
    expect(page.locator("#deck-count")).to_have_text(f"{total} / {total}")
    page.keyboard.press("ArrowRight")  # past the end stays at the end
    expect(page.locator("#deck-count")).to_have_text(f"{total} / {total}")
    page.keyboard.press("Home")
    expect(page.locator("#deck-count")).to_have_text(f"1 / {total}")
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement !== null")
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement === null")
    page.keyboard.press("Escape")  # out of full screen, Escape leaves the presentation
    expect(page).to_have_url(f"{server.url}/boites-a-outils/{toolkit_id}")

    page.goto(f"{server.url}/presentation/panorama?lang=en")
    expect(page.locator(".slide:not([hidden]) h2")).to_have_text("What the programme produced")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#deck-count")).to_contain_text("2 /")
    page.screenshot(path=str(DOCS / "presentation-panorama.png"))


def test_a_participant_reports_a_card_from_the_board(site, new_page):  # noqa: F811
    server, _toolkit, code = site
    ines = new_page(viewport={"width": 390, "height": 800})
    ines.goto(f"{server.url}/j/{code}")
    join_with_name(ines, "Inès")
    note = notes_with_text(ines, "obstacle", "Les parents ne se sentent pas légitimes pour entrer dans l'école.")
    open_card_menu(note).get_by_role("menuitem", name="Signaler").click()
    note.get_by_label("Pourquoi signaler ce post-it ?").select_option("hurtful")
    note.get_by_role("button", name="Envoyer le signalement").click()
    expect(note.locator(".note-state")).to_have_text("signalé : merci, l'animation va le relire")
    expect(open_card_menu(note).get_by_role("menuitem", name="Signaler")).to_have_count(0)
    ines.screenshot(path=str(ARTIFACTS / "showcase-card-reported-390.png"))
