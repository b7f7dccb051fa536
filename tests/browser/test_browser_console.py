"""The facilitator's console on the board (issue #13, points 3, 4, 5): one selection mode with its action bar,
the card's actions behind a "⋯" menu, a named and voted group made into a practice sheet, dot buttons that go
once the budget is spent; and each card's "sent / waiting" mark and its author's edit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import (
    column,
    enter_board_as_facilitator,
    join_with_name,
    notes_with_text,
    open_card_menu,
    open_group_menu,
    post_card,
    select_cards,
)
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

HOURS = "Les horaires de l'école ne vont pas aux familles qui travaillent."
EVENING = "Les réunions finissent trop tard pour les parents."
WORDS = "Le vocabulaire de l'école fait peur."
CAFE = "Un café des parents au centre social."


def _board(live, new_page, width=1366, height=768):
    samia = new_page(viewport={"width": width, "height": height})
    serve_axe(samia.context)
    enter_board_as_facilitator(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password,
                               live.code)
    karim = new_page(viewport={"width": 390, "height": 844})
    serve_axe(karim.context)
    karim.goto(f"{live.url}/j/{live.code}")
    join_with_name(karim, "Karim")
    for key, text in (("obstacle", HOURS), ("obstacle", EVENING), ("obstacle", WORDS), ("lever", CAFE)):
        post_card(karim, key, text)
        expect(notes_with_text(samia, key, text)).to_have_count(1)
    return samia, karim


def test_cards_show_their_text_first_and_their_actions_in_a_keyboard_menu(live, new_page):
    samia, karim = _board(live, new_page)
    note = notes_with_text(samia, "obstacle", HOURS)
    # The text first; no tick box outside the selection mode; the actions behind one button.
    assert note.evaluate("n => n.firstElementChild.classList.contains('note-text')")
    expect(samia.locator(".note input[type=checkbox]")).to_have_count(0)
    expect(note.get_by_role("button", name="Masquer")).to_have_count(0)
    menu_button = note.get_by_role("button", name="Actions du post-it")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_have_attribute("aria-haspopup", "menu")

    menu_button.focus()
    samia.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    items = note.get_by_role("menuitem")
    expect(items).to_have_text(["Modifier", "Masquer", "Projecteur", "Ailleurs, ceci a aidé", "Supprimer"])
    expect(items.first).to_be_focused()
    samia.keyboard.press("ArrowDown")
    expect(note.get_by_role("menuitem", name="Masquer")).to_be_focused()
    samia.keyboard.press("ArrowUp")
    samia.keyboard.press("ArrowUp")
    expect(note.get_by_role("menuitem", name="Supprimer")).to_be_focused()
    samia.keyboard.press("Escape")
    expect(note.get_by_role("menu")).to_have_count(0)
    expect(note.get_by_role("button", name="Actions du post-it")).to_be_focused()
    assert_accessible(samia, "console, card menu")

    # Hide from the menu: the participant's board loses the card, the facilitator's greys it.
    open_card_menu(note).get_by_role("menuitem", name="Masquer").click()
    expect(notes_with_text(karim, "obstacle", HOURS)).to_have_count(0)
    expect(note).to_have_class(re.compile(r"\bis-hidden\b"))
    open_card_menu(note).get_by_role("menuitem", name="Afficher").click()
    expect(notes_with_text(karim, "obstacle", HOURS)).to_have_count(1)
    # A click elsewhere closes an open menu.
    open_card_menu(note)
    samia.get_by_test_id("board-title").click()
    expect(samia.get_by_role("menu")).to_have_count(0)

    # The participant: "sent" on their delivered cards, their own menu edits (the author may fix a typo).
    mine = notes_with_text(karim, "lever", CAFE)
    expect(mine.locator(".note-state")).to_have_text("✓ envoyé")
    expect(notes_with_text(samia, "lever", CAFE).locator(".note-state")).to_have_text("")
    mine = karim.locator(f'.note[data-card-id="{mine.get_attribute("data-card-id")}"]')  # stays while edited
    open_card_menu(mine).get_by_role("menuitem", name="Modifier").click()
    mine.locator("textarea").fill(CAFE + " Le jeudi.")
    mine.get_by_role("button", name="Enregistrer").click()
    expect(notes_with_text(samia, "lever", CAFE + " Le jeudi.")).to_have_count(1)
    menu = open_card_menu(mine)
    expect(menu.get_by_role("menuitem")).to_have_text(["Modifier", "Supprimer"])
    assert_accessible(karim, "participant, card menu")


def test_one_selection_mode_groups_and_makes_a_sheet_of_a_named_voted_group(live, new_page):
    samia, karim = _board(live, new_page)
    samia.get_by_test_id("select-mode").click()
    bar = samia.get_by_test_id("selection")
    expect(bar).to_contain_text("Touchez des post-it ou des groupes pour les sélectionner.")
    # One tick box per card, whatever the action to come.
    expect(samia.locator(".note input[type=checkbox]")).to_have_count(4)
    notes_with_text(samia, "obstacle", HOURS).get_by_label("Sélectionner ce post-it").check()
    notes_with_text(samia, "obstacle", EVENING).locator(".note-text").click()  # a tap on the card ticks it too
    expect(notes_with_text(samia, "obstacle", EVENING)).to_have_class(re.compile(r"\bis-selected\b"))
    expect(bar).to_contain_text("2 sélectionné(s)")
    # One line: the count, the main action, the others behind "⋯" (the card's menu, keyboard included).
    expect(bar.get_by_test_id("selection-main")).to_have_text("Regrouper")
    more = bar.get_by_role("button", name="Autres actions sur la sélection")
    more.focus()
    samia.keyboard.press("Enter")
    expect(bar.get_by_role("menuitem")).to_have_text(["Fusionner", "Créer une fiche pratique", "Tout désélectionner"])
    expect(bar.get_by_role("menuitem", name="Fusionner")).to_be_focused()
    samia.keyboard.press("Escape")
    expect(bar.get_by_role("menu")).to_have_count(0)
    expect(more).to_be_focused()
    notes_with_text(samia, "obstacle", WORDS).get_by_label("Sélectionner ce post-it").check()
    notes_with_text(samia, "obstacle", WORDS).get_by_label("Sélectionner ce post-it").uncheck()
    assert_accessible(samia, "console, selection mode")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    samia.evaluate("window.scrollTo(0, 0)")
    samia.screenshot(path=str(SCREENSHOTS / "facilitator-console-1366.png"))
    bar.get_by_test_id("selection-main").click()
    group = column(karim, "obstacle").locator(".group")
    expect(group.locator(".note")).to_have_count(2)
    expect(bar).to_contain_text("Touchez des post-it")  # the selection is spent, the mode stays

    # Point 4: a group renamed, then voted on, still carries its tick box and becomes a sheet.
    on_samia = samia.locator(".group")
    open_group_menu(on_samia).get_by_role("menuitem", name="Renommer").click()
    samia.get_by_label("Nom du groupe").fill("Des horaires qui excluent")
    samia.locator(".group-rename").get_by_role("button", name="Enregistrer").click()
    expect(group.locator(".group-name")).to_have_text("Des horaires qui excluent")
    samia.locator(".phase-select").select_option("vote")
    expect(karim.get_by_test_id("dots-left")).to_contain_text("3 sur 3")
    karim.locator(".group-head").get_by_role("button", name="+ ●").click()
    expect(karim.get_by_test_id("dots-left")).to_contain_text("2 sur 3")
    samia.get_by_role("button", name="Révéler les votes").click()
    expect(on_samia.locator(".dots.revealed")).to_have_text("● 1")
    on_samia.get_by_label("Sélectionner ce groupe").check()
    expect(on_samia).to_have_class(re.compile(r"\bis-selected\b"))
    expect(bar.get_by_role("button", name="Regrouper")).to_have_count(0)  # a group is not regrouped
    bar.get_by_test_id("selection-main").click()  # "Créer une fiche": its title, then create
    bar.get_by_label("Titre de la fiche").fill("Des horaires pour les familles")
    bar.get_by_role("button", name="Créer une fiche pratique").click()
    expect(bar.get_by_role("link", name="Des horaires pour les familles")).to_be_visible()
    expect(notes_with_text(karim, "obstacle", HOURS).locator(".practice-links")).to_contain_text(
        "Des horaires pour les familles")

    # On a phone the bar is one line, and the card ticked is never under it.
    samia.set_viewport_size({"width": 390, "height": 844})
    words = notes_with_text(samia, "obstacle", WORDS)
    words.evaluate("n => { n.scrollIntoView({block: 'end'}); window.scrollBy(0, 40); }")  # its foot under the bar
    words.get_by_label("Sélectionner ce post-it").check()
    expect(bar).to_contain_text("1 sélectionné(s)")
    bar_box, note_box = bar.bounding_box(), words.bounding_box()
    assert bar_box["height"] <= 64, bar_box  # was 200 px, a quarter of the screen
    assert note_box["y"] + note_box["height"] <= bar_box["y"] + 1, (note_box, bar_box)
    open_card_menu(notes_with_text(samia, "obstacle", HOURS))
    column(samia, "obstacle").evaluate("n => n.scrollIntoView()")
    samia.screenshot(path=str(SCREENSHOTS / "facilitator-console-390.png"))
    samia.keyboard.press("Escape")
    samia.get_by_test_id("select-mode").click()
    expect(samia.locator(".note input[type=checkbox]")).to_have_count(0)


def test_group_actions_are_a_keyboard_menu_like_a_cards(live, new_page):
    samia, _karim = _board(live, new_page)
    select_cards(samia, notes_with_text(samia, "obstacle", HOURS), notes_with_text(samia, "obstacle", EVENING))
    samia.get_by_test_id("selection").get_by_test_id("selection-main").click()
    samia.get_by_test_id("select-mode").click()
    head = samia.locator(".group .group-head")
    expect(head.get_by_role("button", name="Renommer")).to_have_count(0)  # no row of links any more
    opener = head.get_by_role("button", name="Actions du groupe")
    expect(opener).to_have_attribute("aria-haspopup", "menu")
    opener.focus()
    samia.keyboard.press("ArrowDown")
    items = head.get_by_role("menuitem")
    expect(items).to_have_text(["Renommer", "Projecteur", "Créer une fiche pratique", "Dégrouper"])
    expect(items.first).to_be_focused()
    samia.keyboard.press("ArrowUp")
    expect(head.get_by_role("menuitem", name="Dégrouper")).to_be_focused()
    samia.keyboard.press("Escape")
    expect(head.get_by_role("menu")).to_have_count(0)
    expect(opener).to_be_focused()
    samia.keyboard.press("Enter")
    expect(items.first).to_be_focused()
    assert_accessible(samia, "console, group menu")
    samia.keyboard.press("End")
    samia.keyboard.press("Enter")  # Dégrouper
    expect(samia.locator(".group")).to_have_count(0)


def test_dot_buttons_go_once_the_budget_is_spent(live, new_page):
    samia, karim = _board(live, new_page)
    samia.locator(".phase-select").select_option("vote")
    expect(karim.get_by_test_id("dots-left")).to_have_text(re.compile("Gommettes : 3 sur 3"))
    adds = karim.get_by_role("button", name="+ ●")
    expect(adds).to_have_count(4)
    for text in (HOURS, EVENING, WORDS):
        notes_with_text(karim, "obstacle", text).get_by_role("button", name="+ ●").click()
    expect(karim.get_by_test_id("dots-left")).to_have_text(re.compile("Gommettes : 0 sur 3"))
    expect(adds).to_have_count(0)  # no button left that would only answer an error
    expect(karim.locator("#board-error")).to_be_hidden()
    notes_with_text(karim, "obstacle", WORDS).get_by_role("button", name="− ●").click()
    expect(karim.get_by_test_id("dots-left")).to_have_text(re.compile("Gommettes : 1 sur 3"))
    expect(adds).to_have_count(2)  # back on the cards without my dot (one dot per card on this board)
    assert_accessible(karim, "participant, vote")


def test_the_facilitator_pre_reads_silent_writing_that_participants_and_the_wall_never_see(live, new_page):
    samia = new_page()
    enter_board_as_facilitator(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password,
                               live.code)
    samia.goto(live.url + "/ateliers/nouveau")
    samia.get_by_label("Titre").fill("Métaplan du jeudi")
    samia.get_by_label("Format").select_option("metaplan")
    samia.get_by_role("button", name="Créer l'atelier").click()
    expect(samia).to_have_url(re.compile(r"/ateliers/\d+/salle$"))
    room = samia  # the room screen, as projected: the facilitator's own session
    code = room.get_by_test_id("room-code").inner_text().replace("-", "")
    console = samia.context.new_page()
    console.goto(f"{live.url}/j/{code}")
    expect(console.get_by_test_id("phase-label")).to_have_text("Écriture silencieuse")
    karim, lina = new_page(viewport={"width": 390, "height": 844}), new_page(viewport={"width": 390, "height": 844})
    for page, name in ((karim, "Karim"), (lina, "Lina")):
        page.goto(f"{live.url}/j/{code}")
        join_with_name(page, name)
    secret = "Les enseignants ne répondent pas aux messages des familles."
    post_card(karim, "ideas", secret)
    expect(column(console, "ideas").locator(".note.is-private")).to_have_count(1)
    expect(column(lina, "ideas").locator(".note.is-private")).to_have_count(1)
    # Off by default (the console may be on the wall); on demand, the facilitator reads it.
    expect(console.get_by_text(secret)).to_have_count(0)
    console.get_by_test_id("preread").click()
    expect(column(console, "ideas").locator(".note.is-private .note-text")).to_have_text(secret)
    expect(console.get_by_test_id("preread")).to_have_attribute("aria-pressed", "true")
    expect(lina.get_by_text(secret)).to_have_count(0)  # participants: their own only
    expect(room.get_by_test_id("room-board").locator(".room-note.is-private")).to_have_count(1)
    expect(room.get_by_text(secret)).to_have_count(0)  # the wall: never
    # Pre-read cards are clustered before the reveal: the participants see the group, never the text.
    mine = "Les réunions sont pendant le travail."
    post_card(lina, "ideas", mine)
    pre_read = column(console, "ideas").locator(".note.is-private")
    expect(pre_read).to_have_count(2)
    select_cards(console, pre_read.nth(0), pre_read.nth(1))
    console.get_by_test_id("selection").get_by_test_id("selection-main").click()
    expect(column(lina, "ideas").locator(".group .note")).to_have_count(2)
    expect(column(lina, "ideas").locator(".group .note-text")).to_contain_text([mine])
    expect(lina.get_by_text(secret)).to_have_count(0)
    console.get_by_test_id("select-mode").click()
    console.get_by_test_id("preread").click()
    expect(console.get_by_text(secret)).to_have_count(0)
