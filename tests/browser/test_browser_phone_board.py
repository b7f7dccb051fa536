"""The participant's board on a phone (320 and 390 px wide): from the join link to a first card in four actions;
the phase, timer and dots (a sticky bar) and the composer (fixed at the bottom) never leave the screen, even far
down a long column; the columns swipe one per screen with the composer's tabs following; card controls are 44 px
targets; the board is not one big live region (only new cards are announced)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import ONLINE, enter_board_as_facilitator, notes_with_text, open_card_menu
from tests.browser.conftest import SCREENSHOTS
from tests.serverproc import join_board

pytestmark = pytest.mark.browser
PHONES = {320: 568, 390: 844}  # the smallest phones still in use, and a common one
LONG = "Les horaires du centre social et ceux de l'école ne se croisent jamais : personne ne se voit. {n}"


def phone(new_page, width: int) -> Page:
    return new_page(viewport={"width": width, "height": PHONES[width]}, is_mobile=True, has_touch=True)


def on_screen(page: Page, locator) -> dict:
    """The element's box, asserted wholly inside the viewport as it is now (no scrolling to find it)."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box, f"{locator} is not displayed"
    assert box["x"] >= 0 and box["y"] >= 0, f"{locator} starts off screen: {box}"
    assert box["x"] + box["width"] <= size["width"] + 0.5, f"{locator} ends right of the screen: {box}"
    assert box["y"] + box["height"] <= size["height"] + 0.5, f"{locator} ends below the screen: {box}"
    return box


def facilitator(live, new_page) -> Page:
    samia = new_page(viewport={"width": 1366, "height": 768})
    seeded = live.seeded
    enter_board_as_facilitator(samia, live.url, seeded.facilitator_email, seeded.facilitator_password, live.code)
    return samia


def start_timer(samia: Page) -> None:
    samia.locator("#facilitation").get_by_role("button", name="Lancer").click()
    expect(samia.get_by_test_id("timer")).to_have_text(re.compile(r"^\d+:\d\d$"))


def in_view(page: Page, key: str, x: float) -> None:
    """Wait until the column `key` stands where the first one stood (the column in view on a phone)."""
    page.wait_for_function("([key, x]) => Math.abs(document.querySelector(`section.column[data-column=${key}]`)"
                           ".getBoundingClientRect().x - x) < 2", arg=[key, x])


def save(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_from_the_join_link_to_a_first_card_in_four_actions_at_320(live, new_page, shot):
    nadia = phone(new_page, 320)
    serve_axe(nadia.context)
    actions = []
    nadia.goto(f"{live.url}/j/{live.code}")  # what the QR code of the room opens
    actions.append("open the join link")
    dialog = nadia.locator("#name-dialog")
    name = dialog.get_by_label("Votre prénom (ou un pseudo)")
    expect(name).to_be_focused()  # the keyboard is ready for the name
    name.fill("Nadia")
    actions.append("type a name")
    enter = dialog.get_by_role("button", name="Entrer dans l'atelier")
    on_screen(nadia, enter)  # no scrolling to find it on the smallest phone
    enter.click()
    actions.append("confirm")
    expect(dialog).to_be_hidden()
    expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)
    # Straight to writing: the composer has the focus (no Tab from the name to it) and is on screen.
    text = nadia.locator("#composer textarea")
    expect(text).to_be_focused()
    on_screen(nadia, text)
    on_screen(nadia, nadia.locator("#composer").get_by_role("button", name="Ajouter"))
    expect(nadia.locator('#dock .column-tab[data-column="obstacle"] input')).to_be_checked()  # the first column
    nadia.keyboard.type("Pas de salle pour se réunir le soir.")
    nadia.locator("#composer").get_by_role("button", name="Ajouter").click()
    actions.append("type the card and send it")
    mine = notes_with_text(nadia, "obstacle", "Pas de salle pour se réunir le soir.")
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(re.compile(r"\bpending\b"))  # delivered, not waiting
    expect(mine.locator(".note-author")).to_have_text("vous")
    assert len(actions) <= 4, actions
    expect(text).to_be_focused()  # ready for the next one
    shot(nadia, "first-card-320")
    assert_accessible(nadia, "phone-board@320")

    # The same board on a laptop: the columns side by side, the one composer at the bottom.
    karim = new_page(viewport={"width": 1366, "height": 768})
    karim.goto(f"{live.url}/j/{live.code}")
    karim.locator("#name-dialog").get_by_label("Votre prénom (ou un pseudo)").fill("Karim")
    karim.locator("#name-dialog").get_by_role("button", name="Entrer dans l'atelier").click()
    expect(karim.locator("#connection")).to_have_attribute("data-state", ONLINE)
    karim.get_by_test_id("profile-skip").click()
    expect(notes_with_text(karim, "obstacle", "Pas de salle pour se réunir le soir.")).to_have_count(1)
    columns = karim.locator("section.column")
    tops = {round(columns.nth(i).bounding_box()["y"]) for i in range(3)}
    assert len(tops) == 1  # side by side
    on_screen(karim, karim.locator("#composer textarea"))
    save(karim, "board-desktop-1366.png")


@pytest.mark.parametrize("width", [320, 390])
def test_the_bar_the_dots_and_the_composer_stay_on_a_phone_screen(live, new_page, width):
    karim = join_board(live.server, live.code, "Karim")
    try:
        for n in range(14):  # a long column
            assert karim.call("card.add", {"client_id": f"long-{n}", "column": "obstacle",
                                           "text": LONG.format(n=n)})["ok"]
        karim.call("card.add", {"client_id": "lever-1", "column": "lever", "text": "Un café des parents."})
    finally:
        karim.disconnect()
    samia = facilitator(live, new_page)
    start_timer(samia)

    nadia = phone(new_page, width)
    serve_axe(nadia.context)
    nadia.goto(f"{live.url}/j/{live.code}")
    nadia.locator("#name-dialog").get_by_label("Votre prénom (ou un pseudo)").fill("Nadia")
    nadia.locator("#name-dialog").get_by_role("button", name="Entrer dans l'atelier").click()
    expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)
    nadia.get_by_test_id("profile-skip").click()
    expect(nadia.locator('section.column[data-column="obstacle"] .note')).to_have_count(14)
    expect(nadia.get_by_test_id("timer")).to_have_text(re.compile(r"^\d+:\d\d$"))

    # The site menu is folded away: the board starts at the top of the screen.
    menu = nadia.get_by_test_id("site-menu")
    expect(menu.get_by_role("link", name="Fiches pratiques")).to_be_hidden()
    assert nadia.locator(".topbar").bounding_box()["height"] <= 60
    assert nadia.get_by_test_id("board-bar").bounding_box()["y"] <= 60

    def everything_at_hand(where: str) -> None:
        for part in ("board-bar", "phase-label", "timer"):
            on_screen(nadia, nadia.get_by_test_id(part))
        on_screen(nadia, nadia.locator("#connection"))
        on_screen(nadia, nadia.locator("#composer textarea"))
        on_screen(nadia, nadia.locator("#composer").get_by_role("button", name="Ajouter"))
        on_screen(nadia, nadia.locator("#dock .column-tab:has(input:checked)"))
        bar = nadia.get_by_test_id("board-bar").bounding_box()
        dock = nadia.get_by_test_id("dock").bounding_box()
        assert bar["height"] + dock["height"] < PHONES[width] / 2, f"{where}: the bars leave too little board"

    nadia.evaluate("window.scrollTo(0, 0)")
    everything_at_hand("top")
    save(nadia, f"board-phone-{width}.png")
    assert_accessible(nadia, f"phone-board@{width}")

    nadia.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # far down the long column
    assert nadia.evaluate("window.scrollY") > 1000
    last = notes_with_text(nadia, "obstacle", LONG.format(n=13))
    on_screen(nadia, last)  # the last card is not hidden under the composer
    everything_at_hand("far down")

    samia.locator(".phase-select").select_option("vote")  # the facilitator opens the dot vote
    expect(nadia.get_by_test_id("phase-label")).to_have_text("Vote par gommettes")
    expect(nadia.get_by_test_id("dots-left")).to_contain_text("3 sur 3")
    on_screen(nadia, nadia.get_by_test_id("dots-left"))
    on_screen(nadia, nadia.get_by_test_id("phase-label"))
    expect(nadia.locator("#composer")).to_be_hidden()  # no writing while voting
    nadia.locator('section.column[data-column="obstacle"] .note').last.get_by_role("button", name="+ ●").click()
    expect(nadia.get_by_test_id("dots-left")).to_contain_text("2 sur 3")
    on_screen(nadia, nadia.get_by_test_id("dots-left"))


def test_columns_swipe_and_cards_are_easy_to_tap_on_a_phone(live, new_page, shot):
    karim = join_board(live.server, live.code, "Karim")
    try:
        for key in ("obstacle", "lever", "method"):
            assert karim.call("card.add", {"client_id": f"k-{key}", "column": key, "text": f"Karim : {key}"})["ok"]
        nadia = phone(new_page, 390)
        nadia.goto(f"{live.url}/j/{live.code}")
        nadia.locator("#name-dialog").get_by_label("Votre prénom (ou un pseudo)").fill("Nadia")
        nadia.locator("#name-dialog").get_by_role("button", name="Entrer dans l'atelier").click()
        expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)
        nadia.get_by_test_id("profile-skip").click()

        # One column per screen: the first fills the width, the next waits to the right.
        obstacle = nadia.locator('section.column[data-column="obstacle"]')
        lever = nadia.locator('section.column[data-column="lever"]')
        expect(obstacle.get_by_text("Karim : obstacle")).to_be_visible()
        first, second = obstacle.bounding_box(), lever.bounding_box()
        assert first["width"] >= 390 - 30 and second["x"] >= 390 - 1
        # A swipe to the left: the next column comes into view and its tab is the one written to.
        nadia.locator("#columns").evaluate("(el) => el.scrollBy({left: el.clientWidth, behavior: 'instant'})")
        expect(nadia.locator('#dock .column-tab[data-column="lever"] input')).to_be_checked()
        assert abs(lever.bounding_box()["x"] - first["x"]) < 2
        # A tap on a tab: its column comes into view, and the card goes there.
        nadia.locator('#dock .column-tab[data-column="method"]').click()
        expect(nadia.locator('#dock .column-tab[data-column="method"] input')).to_be_checked()
        in_view(nadia, "method", first["x"])
        nadia.locator("#composer textarea").fill("Une fiche de liaison école / centre.")
        nadia.locator("#composer").get_by_role("button", name="Ajouter").click()
        mine = notes_with_text(nadia, "method", "Une fiche de liaison école / centre.")
        expect(mine).to_have_count(1)
        nadia.reload()  # the column chosen is remembered on the phone
        expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)
        expect(nadia.locator('#dock .column-tab[data-column="method"] input')).to_be_checked()
        in_view(nadia, "method", first["x"])

        # 44 px targets: my card's "⋯" menu and its "Modifier"/"Supprimer", and on Karim's card the reactions,
        # "Répondre" and the menu's "Signaler".
        assert mine.get_by_role("button", name="Actions du post-it").bounding_box()["height"] >= 44
        menu = open_card_menu(mine)
        for label in ("Modifier", "Supprimer"):
            assert menu.get_by_role("menuitem", name=label).bounding_box()["height"] >= 44
        nadia.keyboard.press("Escape")
        theirs = notes_with_text(nadia, "method", "Karim : method")
        for control in (theirs.locator(".reaction").first, theirs.locator(".reply-box summary")):
            assert control.bounding_box()["height"] >= 44, control
        assert open_card_menu(theirs).get_by_role("menuitem", name="Signaler").bounding_box()["height"] >= 44
        nadia.keyboard.press("Escape")
        shot(nadia, "targets-390")

        # The board is not a live region (its redraws would be read out); a new card of someone else is said once.
        assert nadia.locator("#columns").evaluate("(el) => el.closest('[aria-live]') === null")
        assert nadia.locator("#facilitation").evaluate("(el) => el.closest('[aria-live]') === null")
        assert karim.call("card.add", {"client_id": "k-2", "column": "obstacle", "text": "Karim encore"})["ok"]
        expect(nadia.locator("#announcer")).to_have_text("Nouveau post-it dans Freins")
        expect(nadia.locator("#announcer")).to_have_attribute("aria-live", "polite")
    finally:
        karim.disconnect()

    # Column prompts and the code chip: at least 4.5:1 (WCAG AA, small text).
    for selector in (".column-prompt", ".board-head .code", ".column-tab .count"):
        ratio = nadia.locator(selector).first.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{selector}: {ratio:.2f}:1"


CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = null;
  while (node && !bg) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) bg = c;
    node = node.parentElement;
  }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

