"""In Chromium: the notice in the join dialog, then "Mes contributions" shows, downloads and erases what this
browser wrote, and the other device's board drops the card at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import join_with_name, notes_with_text, post_card

pytestmark = pytest.mark.browser


def test_a_participant_sees_downloads_and_erases_what_they_wrote(live, new_page, shot):
    nadia = new_page()
    nadia.goto(f"{live.url}/j/{live.code}")
    notice = nadia.locator("#name-dialog").get_by_test_id("join-privacy-notice")
    expect(notice).to_contain_text("Utilisez un prénom ou un pseudonyme, ne nommez ni famille ni élève.")
    expect(notice.get_by_role("link", name="Données personnelles")).to_have_attribute("href", "/donnees-personnelles")
    shot(nadia, "1-notice-at-join")
    join_with_name(nadia, "Nadia")
    secret = "La famille Martin ne vient plus aux réunions."
    post_card(nadia, "obstacle", secret)
    expect(notes_with_text(nadia, "obstacle", secret)).to_have_count(1)

    karim = new_page()
    karim.goto(f"{live.url}/j/{live.code}")
    join_with_name(karim, "Karim")
    post_card(karim, "lever", "Un café des parents le jeudi.")
    expect(notes_with_text(karim, "obstacle", secret)).to_have_count(1)

    nadia.get_by_test_id("my-data-link").click()
    expect(nadia).to_have_url(f"{live.url}/donnees-personnelles/mes-contributions")
    item = nadia.locator(".my-data-item")
    expect(item).to_have_count(1)
    expect(item.locator(".my-data-cards li")).to_have_text([secret])
    expect(item).not_to_contain_text("café des parents")
    with nadia.expect_download() as info:
        item.get_by_role("button", name="Télécharger (JSON)").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [c["text"] for c in data["cards"]] == [secret] and data["participant"]["name"] == "Nadia"
    shot(nadia, "2-my-contributions")

    nadia.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Tout effacer").click()
    expect(nadia.get_by_role("status")).to_contain_text("Effacé : 1 post-it, 0 réponses.")
    shot(nadia, "3-erased")
    expect(notes_with_text(karim, "obstacle", secret)).to_have_count(0)  # gone from the other screen, live
    expect(notes_with_text(karim, "lever", "Un café des parents le jeudi.")).to_have_count(1)


def test_the_personal_data_page_is_reachable_from_the_footer_and_readable(live, new_page, shot):
    page = new_page()
    page.goto(live.url + "/")
    page.locator("footer").get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données personnelles")
    for heading in ("Ce que nous gardons", "Pourquoi", "Pendant combien de temps", "Qui les voit", "Vos droits"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    shot(page, "personal-data-page", full_page=True)
    page.goto(live.url + "/donnees-personnelles?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data")
