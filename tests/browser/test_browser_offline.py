"""The server goes away (stopped, then started again on the same port and database): nothing typed is lost,
nothing is doubled, and the person can see what is waiting."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import join_with_name, notes_with_text, post_card
from tests.serverproc import count_cards

pytestmark = pytest.mark.browser


def test_card_typed_offline_waits_and_is_delivered_once(live, new_page, shot):
    nadia, karim = new_page(), new_page()
    for page, name in ((nadia, "Nadia"), (karim, "Karim")):
        page.goto(f"{live.url}/j/{live.code}")
        join_with_name(page, name)
    expect(karim.get_by_test_id("presence-count")).to_have_text("2 personnes ici")

    live.server.stop()
    status = nadia.locator("#connection")
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_contain_text("Pas de réseau")

    text = "Un café des parents dans le hall de l'école, le vendredi matin."
    post_card(nadia, "lever", text)
    waiting = notes_with_text(nadia, "lever", text)
    expect(waiting).to_have_class(re.compile(r"\bpending\b"))
    expect(waiting.locator(".note-state")).to_have_text("en attente d'envoi")
    expect(status).to_contain_text("1 en attente d'envoi")
    expect(status).to_have_attribute("data-waiting", "1")
    shot(nadia, "1-offline-card-waiting")
    assert count_cards(live.seeded.database_url, text) == 0

    live.server.start()
    expect(status).to_have_attribute("data-state", "online")
    expect(status).to_have_text("En ligne")
    expect(waiting).to_have_count(1)
    expect(waiting).not_to_have_class(re.compile(r"\bpending\b"))
    delivered = notes_with_text(karim, "lever", text)
    expect(delivered).to_have_count(1)
    expect(delivered.locator(".note-author")).to_have_text("Nadia")
    shot(karim, "2-delivered-after-restart")
    time.sleep(1.5)  # a doubled send would show up by now
    expect(delivered).to_have_count(1)
    expect(waiting).to_have_count(1)
    assert count_cards(live.seeded.database_url, text) == 1
    assert nadia.evaluate(f"localStorage.getItem('passerelles:outbox:{live.code}')") == "[]"  # nothing left


def test_outbox_survives_closing_the_page_while_offline(live, new_page, shot):
    nadia, karim = new_page(), new_page()
    for page, name in ((nadia, "Nadia"), (karim, "Karim")):
        page.goto(f"{live.url}/j/{live.code}")
        join_with_name(page, name)

    live.server.stop()
    expect(nadia.locator("#connection")).to_have_attribute("data-state", "offline")
    text = "Une fiche de liaison simple entre l'enseignant et l'animateur."
    post_card(nadia, "method", text)
    expect(nadia.locator("#connection")).to_contain_text("1 en attente d'envoi")
    context = nadia.context
    nadia.close()  # the tab is closed (or the phone's browser killed) before the network comes back

    live.server.start()
    again = context.new_page()
    again.goto(f"{live.url}/j/{live.code}")
    expect(again.locator("#connection")).to_have_attribute("data-state", "online")
    expect(again.locator("#name-dialog")).to_be_hidden()  # back as Nadia, by the token kept by the browser
    mine = notes_with_text(again, "method", text)
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(re.compile(r"\bpending\b"))
    expect(mine.locator(".note-author")).to_have_text("vous")
    expect(notes_with_text(karim, "method", text)).to_have_count(1)
    shot(again, "1-delivered-from-kept-outbox")
    time.sleep(1.5)
    expect(notes_with_text(karim, "method", text)).to_have_count(1)
    assert count_cards(live.seeded.database_url, text) == 1
