"""Moderated mode end to end (issue #17): the facilitator turns it on, two participants post from their phones,
each sees only their own waiting card (marked) while the other sees nothing of it, the facilitator edits then
accepts one, refuses one and accepts one from the keyboard; nothing refused ever reaches another screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import (
    composer,
    enter_board_as_facilitator,
    join_with_name,
    notes_with_text,
    post_card,
)
from tests.browser.conftest import SCREENSHOTS as SHOTS
from tests.browser.test_browser_store import open_store_page

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
NOTICE = "Vos post-it seront visibles après validation par l'animateur·rice."


def test_cards_wait_in_the_facilitators_inbox_until_accepted_and_a_refused_one_reaches_nobody(live, new_page,
                                                                                                shot):
    samia = new_page(viewport={"width": 1366, "height": 900})
    serve_axe(samia.context)
    samia.on("dialog", lambda dialog: dialog.accept())  # "Refuser ce post-it ?"
    enter_board_as_facilitator(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password,
                               live.code)
    nadia, karim = new_page(**PHONE), new_page(**PHONE)
    serve_axe(nadia.context)
    for page, name in ((nadia, "Nadia"), (karim, "Karim")):
        page.goto(f"{live.url}/j/{live.code}")
        join_with_name(page, name)
        expect(page.get_by_test_id("moderated-notice")).to_be_hidden()

    inbox = samia.get_by_test_id("inbox")
    switch = inbox.get_by_label("Mode modéré")
    expect(switch).not_to_be_checked()
    switch.check()
    for page in (nadia, karim):  # every composer says it, live
        expect(composer(page).get_by_test_id("moderated-notice")).to_have_text(NOTICE)
    expect(inbox.get_by_text("Aucun post-it en attente.")).to_be_visible()

    first = "Les horaires de l'école ne collent pas à ceux des familles"
    refused = "Le directeur Martin nous claque la porte au nez"
    post_card(nadia, "obstacle", first)
    post_card(nadia, "lever", refused)
    mine = notes_with_text(nadia, "obstacle", first)
    expect(mine.locator(".note-state")).to_have_text("en attente de validation")
    expect(mine).to_have_class(re.compile(r"\bis-waiting\b"))
    post_card(karim, "method", "Un café des parents chaque jeudi")

    items = inbox.get_by_test_id("inbox-item")
    expect(items).to_have_count(3)
    expect(inbox.get_by_role("heading", name="Post-it à valider (3)")).to_be_visible()
    expect(items.nth(0)).to_contain_text(first)
    expect(items.nth(0)).to_contain_text("Nadia")
    expect(samia.locator("#columns .note")).to_have_count(0)  # the inbox, not the columns
    expect(karim.locator("#columns .note")).to_have_count(1)  # his own, waiting
    expect(nadia.locator("#columns .note")).to_have_count(2)
    SHOTS.mkdir(parents=True, exist_ok=True)
    samia.get_by_test_id("inbox").screenshot(path=str(SHOTS / "moderated-inbox-1366.png"))
    nadia.screenshot(path=str(SHOTS / "moderated-waiting-390.png"))
    assert_accessible(samia, "moderated-inbox@1366")
    assert_accessible(nadia, "moderated-waiting@390")

    # Edit, then accept: everyone sees the facilitator's words; Nadia's mark goes.
    reworded = "Les horaires de l'école et ceux des familles ne se rencontrent pas"
    items.nth(0).get_by_role("button", name="Modifier puis accepter").click()
    editor = items.nth(0).get_by_label("Texte du post-it")
    expect(editor).to_be_focused()
    editor.fill(reworded)
    items.nth(0).get_by_role("button", name="Accepter ce texte").click()
    for page in (samia, nadia, karim):
        expect(notes_with_text(page, "obstacle", reworded)).to_have_count(1)
    # On its author's screen the card is no longer waiting: it is on the board, marked sent like any other
    expect(notes_with_text(nadia, "obstacle", reworded).locator(".note-state")).to_have_text("✓ envoyé")
    expect(items).to_have_count(2)

    # Refuse: it leaves its author's screen, with a word; nobody else ever had it.
    items.filter(has_text=refused).get_by_role("button", name="Refuser").click()
    expect(notes_with_text(nadia, "lever", refused)).to_have_count(0)
    expect(nadia.locator("#board-error")).to_have_text("Votre post-it n'a pas été retenu par l'animateur·rice.")
    expect(items).to_have_count(1)

    # Accept from the keyboard: focus is on the next waiting card's button after a decision.
    accept = items.nth(0).get_by_role("button", name="Accepter", exact=True)
    expect(accept).to_be_focused()
    samia.keyboard.press("Enter")
    expect(notes_with_text(nadia, "method", "Un café des parents chaque jeudi")).to_have_count(1)
    expect(items).to_have_count(0)
    shot(samia, "inbox-done")

    karim.reload()
    expect(karim.locator("#connection")).to_have_attribute("data-state", "online")
    expect(karim.locator("#columns .note")).to_have_count(2)
    assert refused not in karim.content() and first not in karim.content()

    switch.uncheck()
    expect(composer(nadia).get_by_test_id("moderated-notice")).to_be_hidden()
    post_card(karim, "lever", "La médiatrice fait le lien")
    expect(notes_with_text(nadia, "lever", "La médiatrice fait le lien")).to_have_count(1)


def test_the_store_counts_a_withheld_seq_and_follows_the_mode_and_acceptance(live, new_page):
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { store, socket, texts, card } = await fakeStore("MODTEST", { holdMs: 600000 });
      socket.fire("event", { seq: 6, type: "board.moderated", data: { moderated: true } });
      socket.fire("event", { seq: 7, type: "withheld", data: {} });  // someone's waiting card: only its seq
      socket.fire("event", { seq: 8, type: "card.accepted", data: { card: { ...card(2, "deux"), pending: false } } });
      return { seq: store.state.seq, moderated: store.state.workshop.moderated, texts: texts(),
               resync: socket.names().includes("resync") };
    }""")
    assert result == {"seq": 8, "moderated": True, "texts": ["un", "deux"], "resync": False}
