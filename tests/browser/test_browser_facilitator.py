"""A facilitator's evening: log in, create a workshop, project the room screen, run and close the board."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import join_with_name, log_in, notes_with_text, open_card_menu, post_card

pytestmark = pytest.mark.browser


def test_facilitator_creates_runs_and_closes_a_workshop(live, new_page, shot):
    samia = new_page()
    samia.goto(live.url + "/ateliers")
    expect(samia).to_have_url(re.compile(r"/connexion"))
    log_in(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    expect(samia).to_have_url(re.compile(r"/ateliers$"))
    expect(samia.get_by_role("heading", name="Mes ateliers")).to_be_visible()

    samia.get_by_role("link", name="Nouvel atelier").click()
    samia.get_by_label("Titre").fill("Rencontre des Tilleuls <script>alert(1)</script>")
    samia.get_by_label("Date").fill("2026-12-03")
    samia.get_by_label("Lieu").fill("Centre social des Tilleuls")
    shot(samia, "1-create-form")
    samia.get_by_role("button", name="Créer l'atelier").click()

    expect(samia).to_have_url(re.compile(r"/ateliers/\d+/salle$"))
    expect(samia.get_by_role("heading", level=1)).to_have_text("Rencontre des Tilleuls <script>alert(1)</script>")
    room_code = samia.get_by_test_id("room-code").inner_text()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", room_code), room_code
    code = room_code.replace("-", "")
    expect(samia.locator(".room-url")).to_have_text(f"{live.url}/j/{code}")
    qr = samia.locator("img.qr")
    expect(qr).to_be_visible()
    assert samia.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle()), "QR not drawn"
    shot(samia, "2-room-screen")

    samia.get_by_role("link", name="Ouvrir le tableau").click()
    expect(samia).to_have_url(re.compile(f"/j/{code}$"))
    expect(samia.locator("#connection")).to_have_attribute("data-state", "online")  # no name asked
    expect(samia.locator("#name-dialog")).to_be_hidden()

    karim = new_page()
    karim.goto(f"{live.url}/j/{code}")
    join_with_name(karim, "Karim")
    text = "Les parents ne se sentent pas légitimes pour entrer dans l'école."
    post_card(karim, "obstacle", text)
    on_board = notes_with_text(samia, "obstacle", text)
    expect(on_board.locator(".note-author")).to_have_text("Karim")

    open_card_menu(on_board).get_by_role("menuitem", name="Masquer").click()
    expect(notes_with_text(karim, "obstacle", text)).to_have_count(0)
    expect(on_board).to_have_class(re.compile(r"\bis-hidden\b"))
    open_card_menu(on_board).get_by_role("menuitem", name="Afficher").click()
    expect(notes_with_text(karim, "obstacle", text)).to_have_count(1)

    toggle = samia.locator("#toggle-status")
    expect(toggle).to_have_text("Fermer l'atelier")
    toggle.click()
    expect(toggle).to_have_text("Rouvrir l'atelier")
    composer = karim.locator("#composer")
    expect(composer.locator("textarea")).to_be_disabled()
    expect(composer.get_by_role("button", name="Ajouter")).to_be_disabled()
    expect(karim.locator("#board-error")).to_have_text("Atelier fermé : il ne reçoit plus de contributions.")
    expect(karim.locator("#workshop-status")).to_have_text("fermé")
    shot(karim, "3-participant-after-close")
    shot(samia, "4-facilitator-after-close")

    samia.goto(live.url + "/ateliers")
    listed = samia.locator(".workshop-list li").filter(has_text="Rencontre des Tilleuls")
    expect(listed).to_contain_text("1 post-it")
    expect(listed.locator(".status")).to_have_text("fermé")
