"""Two people on two devices: joining by code, cards appearing live, presence, user text shown as text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import join_with_name, notes_with_text, post_card

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__pwned = 1"> Les horaires <b>ne collent pas</b> & « l\'école »'


def test_card_posted_on_one_device_appears_live_on_the_other(live, new_page, shot):
    nadia = new_page()
    nadia.goto(live.url + "/")
    # People type what they read on the wall: lower case, with the dash of the room screen.
    typed = f"{live.code[:4]}-{live.code[4:]}".lower()
    nadia.get_by_label("Code de l'atelier").fill(typed)
    shot(nadia, "1-home-code-typed")
    nadia.get_by_role("button", name="Rejoindre").click()
    expect(nadia).to_have_url(re.compile(f"/j/{live.code}$"))
    shot(nadia, "2-name-dialog")
    join_with_name(nadia, "Nadia")
    expect(nadia.get_by_test_id("board-title")).to_have_text("Atelier de test navigateur")
    expect(nadia.locator("section.column h2")).to_have_text(["Freins", "Leviers", "Manières de faire"])

    karim = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)  # a phone
    karim.goto(f"{live.url}/j/{live.code}")
    join_with_name(karim, "Karim")
    for page in (nadia, karim):
        expect(page.get_by_test_id("presence-count")).to_have_text("2 personnes ici")
    karim.get_by_test_id("presence-count").tap()
    expect(karim.locator("#presence-names li")).to_have_text(["Karim", "Nadia"])

    karim.evaluate("window.__sameDocument = true")  # gone if the page reloads
    text = "Les enseignants changent chaque année : tout est à reconstruire à la rentrée."
    post_card(nadia, "obstacle", text)
    mine = notes_with_text(nadia, "obstacle", text)
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(re.compile(r"\bpending\b"))
    expect(mine.locator(".note-author")).to_have_text("vous")

    theirs = notes_with_text(karim, "obstacle", text)
    expect(theirs).to_have_count(1)
    expect(theirs.locator(".note-author")).to_have_text("Nadia")
    expect(karim.locator('section.column[data-column="obstacle"] .count')).to_have_text("1")
    assert karim.evaluate("window.__sameDocument") is True, "the card came by reloading the page"
    shot(karim, "3-card-received")

    post_card(karim, "lever", XSS)
    shown = notes_with_text(nadia, "lever", XSS)
    expect(shown).to_have_count(1)
    expect(shown.locator(".note-text")).to_have_text(XSS)
    assert nadia.locator("section.columns img, .note img, .note b").count() == 0
    assert nadia.evaluate("window.__pwned") is None
    expect(karim.get_by_test_id("presence-count")).to_have_text("2 personnes ici")
    shot(nadia, "4-html-shown-as-text", full_page=True)


def test_a_person_comes_back_as_themselves_after_a_reload(live, new_page):
    page = new_page()
    page.goto(f"{live.url}/j/{live.code}")
    join_with_name(page, "Élodie")
    post_card(page, "method", "Une réunion de rentrée commune pour présenter le CLAS.")
    expect(notes_with_text(page, "method", "Une réunion de rentrée commune pour présenter le CLAS.")
           .locator(".note-author")).to_have_text("vous")

    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#name-dialog")).to_be_hidden()
    note = notes_with_text(page, "method", "Une réunion de rentrée commune pour présenter le CLAS.")
    expect(note).to_have_count(1)
    expect(note.locator(".note-author")).to_have_text("vous")
    expect(page.get_by_test_id("presence-count")).to_have_text("1 personne ici")


def test_unknown_code_says_so_in_french(live, new_page):
    page = new_page()
    page.goto(live.url + "/")
    page.get_by_label("Code de l'atelier").fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name="Rejoindre").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucun atelier ne porte ce code")
