"""The room screen as a projector, in Chromium at 1366x768 and 1920x1080: the join code large while the room is
empty and in a corner once someone has joined, no site menu, full screen, cards legible from the back of the room,
the facilitator's spotlight shown large, reactions, the timer, the vote results; accessible; English all through."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import (
    ONLINE,
    choose_column,
    column,
    join_with_name,
    log_in,
    notes_with_text,
    open_card_menu,
    post_card,
)
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser
PROJECTOR = {"width": 1366, "height": 768}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CARD = "Pas de salle commune pour se réunir avec les parents"
LEVER = "Un café des parents le vendredi matin"


def px(locator, prop: str = "font-size") -> float:
    """A size in CSS pixels. The projector redraws a node when the room changes (someone joins, a reaction): one
    replaced between being found and read is detached, with no computed style (''): it is read again."""
    for _attempt in range(50):
        value = locator.evaluate(f"(n) => n.isConnected ? getComputedStyle(n).getPropertyValue('{prop}') : ''")
        if value:
            return float(value.removesuffix("px"))
        time.sleep(0.1)
    raise AssertionError(f"no {prop} for {locator}: never attached long enough to be read")


def keep(shot, page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot(page, name), SCREENSHOTS / f"{name}.png")


def test_the_projector_follows_the_room_and_the_facilitators_focus(live, new_page, shot):
    room = new_page(viewport=PROJECTOR)
    serve_axe(room.context)
    log_in(room, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    room.goto(f"{live.url}/ateliers/{live.seeded.workshop_id}/salle")
    projector = room.get_by_test_id("projector")
    join_box = room.get_by_test_id("room-join")

    # Empty room: the way in fills the first screen; the app's menu and "Déconnexion" are gone.
    expect(projector).to_have_attribute("data-join", "center")
    expect(room.get_by_role("button", name="Déconnexion")).to_be_hidden()
    expect(room.get_by_role("link", name="Fiches pratiques")).to_be_hidden()
    qr = join_box.locator("img.qr")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 280
    assert qr.bounding_box()["y"] + qr.bounding_box()["height"] <= PROJECTOR["height"]  # no scrolling to find it
    assert px(room.get_by_test_id("room-code")) >= 64
    expect(room.get_by_test_id("room-loopback")).to_be_visible()  # the test server listens on 127.0.0.1
    assert_accessible(room, "projector-empty-1366")
    keep(shot, room, "projector-empty-1366")

    # Full screen through the Fullscreen API, and back.
    room.get_by_role("button", name="Plein écran").click()
    expect(room.get_by_role("button", name="Quitter le plein écran")).to_have_attribute("aria-pressed", "true")
    assert room.evaluate("() => document.fullscreenElement === document.documentElement")
    room.get_by_role("button", name="Quitter le plein écran").click()
    expect(room.get_by_role("button", name="Plein écran")).to_have_attribute("aria-pressed", "false")

    # A participant joins and posts: the code goes to the corner, still readable, and the card is legible at 3 m.
    nadia = new_page(**PHONE)
    nadia.goto(f"{live.url}/j/{live.code}")
    join_with_name(nadia, "Nadia")
    expect(projector).to_have_attribute("data-join", "corner")
    expect(room.get_by_test_id("room-people")).to_have_text("1 dans la salle")
    expect(room.get_by_test_id("room-code")).to_be_visible()
    assert qr.bounding_box()["width"] <= 160
    post_card(nadia, "obstacle", CARD)
    note = room.get_by_test_id("room-board").locator(".room-note").filter(has_text=CARD)
    expect(note).to_be_visible()
    card_px = px(note.locator(".room-note-text"))
    print(f"projector card text at 1366 px: {card_px:.1f} px")
    assert card_px >= 24
    notes_with_text(nadia, "obstacle", CARD).get_by_role("button", name="Moi aussi").click()
    expect(note.locator(".room-note-meta")).to_have_text("Moi aussi 1")

    # The facilitator can put the code back large, and into the corner again.
    room.get_by_role("button", name="Afficher le code en grand").click()
    expect(projector).to_have_attribute("data-join", "center")
    room.get_by_role("button", name="Code dans le coin").click()
    expect(projector).to_have_attribute("data-join", "corner")
    assert_accessible(room, "projector-live-1366")
    keep(shot, room, "projector-live-1366")

    # The facilitator spotlights the card from the board: the projector shows it large, with its reactions.
    samia = room.context.new_page()
    samia.set_viewport_size({"width": 1366, "height": 900})
    samia.goto(f"{live.url}/j/{live.code}")
    expect(samia.locator("#connection")).to_have_attribute("data-state", ONLINE)
    open_card_menu(notes_with_text(samia, "obstacle", CARD)).get_by_role("menuitem", name="Projecteur").click()
    stage = room.get_by_test_id("room-spotlight")
    expect(stage.get_by_test_id("spotlight-text")).to_have_text(CARD)
    expect(stage).to_contain_text("Moi aussi 1")
    expect(stage).to_contain_text("Freins")
    assert_accessible(room, "projector-spotlight-1366")
    expect(room.get_by_test_id("room-board")).to_be_hidden()
    spot_px = px(stage.get_by_test_id("spotlight-text"))
    print(f"projector spotlight text at 1366 px: {spot_px:.1f} px")
    assert spot_px >= 48

    # The timer runs on the wall.
    samia.get_by_role("button", name="Lancer").click()
    timer = room.get_by_test_id("room-timer")
    expect(timer).to_have_text(re.compile(r"^\d+:\d\d$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)  # it counts down
    assert px(timer) >= 48
    room.set_viewport_size({"width": 1920, "height": 1080})
    expect(stage).to_be_visible()
    print(f"projector spotlight text at 1920 px: {px(stage.get_by_test_id('spotlight-text')):.1f} px")
    keep(shot, room, "projector-1920")
    room.set_viewport_size(PROJECTOR)

    # The spotlight ends: the columns come back. After the vote's reveal, the results show.
    samia.get_by_role("button", name="Fin du coup de projecteur").click()
    expect(stage).to_be_hidden()
    expect(note).to_be_visible()
    # A card nobody reacted to, in the spotlight: its text and its column, nothing else (the stage printed "null"
    # where its reactions would be). The room changing meanwhile (someone arriving) leaves the stage as it is: its
    # button keeps the focus of the person at the projector's keyboard.
    post_card(nadia, "lever", LEVER)
    room.get_by_test_id("room-board").locator(".room-note").filter(has_text=LEVER).click()
    expect(stage.get_by_test_id("spotlight-text")).to_have_text(LEVER)
    lines = [line for line in stage.inner_text().split("\n") if line.strip()]
    assert lines == ["Fin du coup de projecteur", "★ Au projecteur · Leviers", LEVER], lines
    end = stage.get_by_role("button", name="Fin du coup de projecteur")
    end.focus()
    people = room.get_by_test_id("room-people").inner_text()
    karim = new_page(**PHONE)
    karim.goto(f"{live.url}/j/{live.code}")
    join_with_name(karim, "Karim")
    expect(room.get_by_test_id("room-people")).not_to_have_text(people)
    expect(end).to_be_focused()
    karim.close()
    end.press("Enter")
    expect(stage).to_be_hidden()
    # At the projector's own computer, a click on a card spotlights it (on every screen), and ends it too.
    note.click()
    expect(stage.get_by_test_id("spotlight-text")).to_have_text(CARD)
    expect(samia.get_by_role("button", name="Fin du coup de projecteur")).to_be_visible()
    stage.get_by_role("button", name="Fin du coup de projecteur").click()
    expect(stage).to_be_hidden()
    expect(samia.get_by_role("button", name="Fin du coup de projecteur")).to_be_hidden()
    samia.locator(".phase-select").select_option("vote")
    expect(room.get_by_test_id("room-phase")).to_contain_text("Vote par gommettes")
    notes_with_text(nadia, "obstacle", CARD).get_by_role("button", name="+ ●").click()
    expect(nadia.get_by_test_id("dots-left")).to_contain_text("2 sur 3")
    samia.get_by_role("button", name="Révéler les votes").click()
    results = room.get_by_test_id("room-results")
    expect(results).to_contain_text(f"1 ● {CARD}")
    expect(room.get_by_test_id("room-code")).to_be_visible()

    # In English, the whole projector is English: tools, columns, join box, results.
    room.goto(f"{live.url}/ateliers/{live.seeded.workshop_id}/salle?lang=en")
    expect(room.get_by_test_id("room-results")).to_contain_text("Vote results")
    expect(room.get_by_role("button", name="Full screen")).to_be_visible()
    expect(room.get_by_test_id("room-phase")).to_contain_text("Dot voting")
    text = room.locator("body").inner_text()
    for french in ("Plein écran", "Code dans le coin", "Afficher", "Ouvrir le tableau", "Mes ateliers",
                   "Pour participer", "ou tapez le code", "Résultats", "dans la salle", "Attention", "Gommettes"):
        assert french not in text, french
    expect(room.get_by_role("button", name="Show the code large")).to_be_visible()  # people are present
    assert_accessible(room, "projector-results-en-1366")
    shot(room, "results-en-1366")
    samia.get_by_role("button", name="Masquer les votes").click()
    expect(room.get_by_test_id("room-board")).to_contain_text("Obstacles (1)")
    expect(column(nadia, "obstacle")).to_be_visible()


def test_the_room_screen_fits_a_phone_too(live, new_page):
    """The facilitator checking the room screen on a phone: nothing wider than the screen, code and QR in view."""
    room = new_page(viewport={"width": 320, "height": 740})
    serve_axe(room.context)
    log_in(room, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    room.goto(f"{live.url}/ateliers/{live.seeded.workshop_id}/salle")
    expect(room.get_by_test_id("room-board")).to_contain_text("Freins (0)")
    for width in (320, 390):
        room.set_viewport_size({"width": width, "height": 740})
        expect(room.get_by_test_id("room-code")).to_be_visible()
        assert room.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), width
    room.get_by_test_id("projector-code-toggle").click()
    expect(room.get_by_test_id("projector")).to_have_attribute("data-join", "corner")
    assert room.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(room, "projector-390")


def test_many_cards_fit_the_projector_at_1366_and_1024(live, new_page, shot):
    """Issue #13: forty cards made the room screen scroll off the projector; the screen stays put, each column
    scrolls inside itself, the text stays legible at 3 m (>= 24 px)."""
    room = new_page(viewport=PROJECTOR)
    serve_axe(room.context)
    log_in(room, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    room.goto(f"{live.url}/ateliers/{live.seeded.workshop_id}/salle")
    nadia = new_page(**PHONE)
    nadia.goto(f"{live.url}/j/{live.code}")
    join_with_name(nadia, "Nadia")
    choose_column(nadia, "obstacle")
    texts = [f"Frein n° {i} : les familles ne savent pas à qui parler quand l'école appelle" for i in range(18)]
    post = """async (texts) => {
      const box = document.querySelector('#composer textarea');
      const add = [...document.querySelectorAll('#composer button')].find((b) => b.textContent.trim() === 'Ajouter');
      for (const text of texts) {
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
        add.click();
        await new Promise((r) => requestAnimationFrame(r));
      }
    }"""
    nadia.evaluate(post, texts)
    notes = room.get_by_test_id("room-board").locator(".room-note")
    expect(notes).to_have_count(18)
    expect(room.get_by_test_id("projector")).to_have_attribute("data-join", "corner")
    column = room.get_by_test_id("room-board").locator(".room-column").first
    for width in (1366, 1024):
        room.set_viewport_size({"width": width, "height": 768})
        page = room.evaluate("() => [document.documentElement.scrollHeight, innerHeight, "
                             "document.documentElement.scrollWidth, innerWidth]")
        assert page[0] <= page[1] and page[2] <= page[3], (width, page)  # the screen itself never scrolls
        inside = column.evaluate("n => [n.scrollHeight, n.clientHeight]")
        assert inside[0] > inside[1], (width, inside)  # the column scrolls inside itself
        box = column.bounding_box()
        assert box["y"] + box["height"] <= 768
        text_px = px(notes.first.locator(".room-note-text"))
        print(f"projector card text at {width}x768: {text_px:.1f} px, column title {px(column.locator('h2')):.1f} px")
        assert text_px >= 24
        keep(shot, room, f"projector-many-{width}")
    # Scrolled down on the projector, the column stays there when a card comes (the room redraws at each one)
    scrolled = column.evaluate("n => { n.scrollTop = n.scrollHeight; return n.scrollTop; }")
    assert scrolled > 0
    nadia.evaluate(post, ["Frein n° 18 : arrivé pendant qu'on lisait le bas de la colonne"])
    expect(notes).to_have_count(19)
    assert column.evaluate("n => n.scrollTop") == scrolled
    assert_accessible(room, "projector, many cards")
