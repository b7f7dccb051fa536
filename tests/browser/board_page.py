"""What a person does on the pages, in the words of the UI (French labels), shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

ONLINE = "online"


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login page and wait until it has let the person in."""
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def enter_board_as_facilitator(page: Page, base_url: str, email: str, password: str, code: str) -> None:
    """Log in, open the board by its code (answering the welcome dialog if it shows) and wait until it is live."""
    log_in(page, base_url, email, password)
    page.goto(f"{base_url}/j/{code}")
    dialog = page.locator("#name-dialog")
    if dialog.is_visible():
        dialog.get_by_label("Votre prénom (ou un pseudo)").fill("Samia")
        dialog.get_by_role("button", name="Entrer dans l'atelier").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)


def join_with_name(page: Page, name: str, profile: str | None = None) -> None:
    """Answer the welcome dialog of the board and wait until the board is live; then, given `profile`, answer the
    optional "je viens de…" question the board shows after the name (its button named `profile`)."""
    dialog = page.locator("#name-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Votre prénom (ou un pseudo)").fill(name)
    dialog.get_by_role("button", name="Entrer dans l'atelier").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)
    if profile:
        step = page.get_by_test_id("profile-step")
        step.get_by_role("button", name=profile).click()
        expect(step).to_be_hidden()


def column(page: Page, key: str):
    return page.locator(f'section.column[data-column="{key}"]')


def composer(page: Page):
    """The board's one composer (fixed at the bottom of the screen)."""
    return page.locator("#composer")


def choose_column(page: Page, column_key: str) -> None:
    """Tap the composer's tab of a column: the next card goes there."""
    page.locator(f'#dock .column-tab[data-column="{column_key}"]').click()
    expect(page.locator(f'#dock .column-tab[data-column="{column_key}"] input')).to_be_checked()


def post_card(page: Page, column_key: str, text: str) -> None:
    """Pick the column on the composer's tabs, type the card and press "Ajouter"."""
    choose_column(page, column_key)
    composer(page).locator("textarea").fill(text)
    composer(page).get_by_role("button", name="Ajouter").click()


def notes_with_text(page: Page, column_key: str, text: str):
    """The cards of a column whose whole text is exactly `text`."""
    return column(page, column_key).locator(".note").filter(
        has=page.locator(".note-text").get_by_text(text, exact=True))


def open_card_menu(note):
    """Open a card's "⋯" menu (its edit, hide, spotlight, delete... actions) and return the menu."""
    note.get_by_role("button", name="Actions du post-it").click()
    menu = note.get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def open_group_menu(group):
    """Open a group's "⋯" menu (rename, spotlight, make a sheet, ungroup) and return the menu."""
    group.locator(".group-head").get_by_role("button", name="Actions du groupe").click()
    menu = group.locator(".group-head").get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def select_cards(page: Page, *notes) -> None:
    """The facilitator's selection mode: turn it on (if off) and tick each card; the bar is get_by_test_id
    ("selection")."""
    mode = page.get_by_test_id("select-mode")
    if mode.get_attribute("aria-pressed") != "true":
        mode.click()
    for note in notes:
        note.get_by_label("Sélectionner ce post-it").check()
