"""What people read (#13, points 6 and 7), in Chromium: the board and the room screen of every built-in format in
English, with no French word of the format left; the sheet form's help as text (no live tags); the warning before
leaving unsaved work, only when something changed and never after saving."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import ONLINE, log_in
from tests.browser.conftest import SCREENSHOTS
from tests.serverproc import SECRET_KEY

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _app(database_url: str):
    from workshop import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                       "SOCKETIO_ASYNC_MODE": "threading"})


def _workshops_of_every_format(live) -> dict[str, tuple[int, str]]:
    """One open workshop per built-in format, run by the test's facilitator: key -> (id, code)."""
    from workshop.accounts import service as accounts
    from workshop.boards import service as boards
    from workshop.extensions import db
    from workshop.formats.builtin import FORMATS

    app = _app(live.seeded.database_url)
    with app.app_context():
        user = accounts.get_by_email(db.session, live.seeded.facilitator_email)
        made = {key: boards.create_workshop(db.session, user, f"Atelier {key}", format_key=key) for key in FORMATS}
        db.session.commit()
        found = {key: (w.id, w.code) for key, w in made.items()}
        db.session.remove()
        db.engine.dispose()
    return found


def _french_words() -> dict[str, str]:
    """Each French text of the built-in formats that English says differently -> its English."""
    from workshop.formats.texts import format_texts, translations

    app = _app("sqlite://")
    with app.test_request_context("/?lang=en"):
        english = translations()
    return {text: english[text] for text in format_texts() if text in english}


def _visible_text(page) -> str:
    return page.locator("body").inner_text() + "\n" + " ".join(page.eval_on_selector_all(
        "[placeholder], [aria-label], option, [title]",
        "els => els.map((e) => [e.placeholder, e.getAttribute('aria-label'), e.title, e.textContent].join(' '))"))


def test_every_built_in_format_reads_in_english_on_the_board_and_the_room_screen(live, new_page):
    french = _french_words()
    workshops = _workshops_of_every_format(live)
    page = new_page(locale="en-GB")
    log_in_english(page, live)
    for key, (workshop_id, code) in workshops.items():
        page.goto(f"{live.url}/j/{code}")
        expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)
        expect(page.locator("section.column").first).to_be_visible()
        board = _visible_text(page)
        left = [text for text in french if text in board]
        assert not left, f"{key}: French words on the English board: {left}"
        assert any(english in board for english in french.values()), key
        page.goto(f"{live.url}/ateliers/{workshop_id}/salle")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        room = page.locator("body").inner_text()
        left = [text for text in french if text in room]
        assert not left, f"{key}: French words on the English room screen: {left}"


def log_in_english(page, live) -> None:
    """The facilitator picks English, then logs in (the login page in English)."""
    page.goto(f"{live.url}/connexion?lang=en")
    page.get_by_label("Email address").fill(live.seeded.facilitator_email)
    page.get_by_label("Password").fill(live.seeded.facilitator_password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def test_the_english_board_on_a_phone(live, new_page):
    """A participant who reads English, at 390 px: columns, prompts and phase in English (screenshot)."""
    french = _french_words()
    page = new_page(locale="en-GB", **PHONE)
    page.goto(f"{live.url}/j/{live.code}?lang=en")
    dialog = page.locator("#name-dialog")
    dialog.get_by_label("Your first name (or a nickname)").fill("Sam")
    dialog.get_by_role("button", name="Enter the workshop").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)
    text = _visible_text(page)
    assert "Obstacles" in text and "Levers" in text
    assert not [t for t in french if t in text]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board-en-390.png"))


def test_the_sheet_forms_help_is_text_and_the_form_is_not_bold(live, new_page):
    page = new_page()
    log_in(page, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    page.goto(f"{live.url}/fiches/nouvelle")
    help_text = page.get_by_test_id("section-help")
    expect(help_text).to_contain_text("devient une puce")
    assert page.locator("#practice-form strong, #practice-form em, #practice-form a").count() == 0
    # the labels after the help are in the normal weight, not inside an unclosed <strong>
    style = page.locator("label[for=context]").evaluate("(el) => getComputedStyle(el).fontStyle")
    assert style == "normal"


def _leave(page, live) -> list[str]:
    """Click the site's home link (a navigation by the person) and return the dialogs it raised (accepted)."""
    seen: list[str] = []

    def answer(dialog):
        seen.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.locator("a.brand, header a[href='/']").first.click()
    page.wait_for_url(f"{live.url}/")
    page.remove_listener("dialog", answer)
    return seen


def test_leaving_the_sheet_form_warns_only_with_unsaved_changes(live, new_page):
    page = new_page()
    log_in(page, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)

    page.goto(f"{live.url}/fiches/nouvelle")
    page.locator("#title").click()  # a look, no change
    assert _leave(page, live) == []

    page.goto(f"{live.url}/fiches/nouvelle")
    page.locator("#title").fill("Café des parents")
    assert _leave(page, live) == ["beforeunload"]

    page.goto(f"{live.url}/fiches/nouvelle")
    page.locator("#title").fill("Café des parents du vendredi")
    page.locator("#practice-form").get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/fiches/[0-9]+$"))
    expect(page.get_by_role("heading", name="Café des parents du vendredi")).to_be_visible()
    assert _leave(page, live) == []  # saved: nothing to lose


def _coordinator_and_toolkit(live) -> tuple[str, int]:
    """A coordinator (admin) and an empty toolkit of theirs: (e-mail, toolkit id)."""
    import uuid

    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.toolkits import service as toolkits

    app = _app(live.seeded.database_url)
    email = f"coordination-{uuid.uuid4().hex[:6]}@test.passerelles"
    with app.test_request_context():
        user = accounts.create_user(db.session, email, "Claire Coordination", "admin", live.seeded.facilitator_password)
        toolkit = toolkits.create_toolkit(db.session, user, "Coopérer avec les familles")
        db.session.commit()
        found = toolkit.id
        db.session.remove()
        db.engine.dispose()
    return email, found


def test_the_toolkit_builder_previews_unsaved_work_and_warns_before_leaving_it(live, new_page):
    email, toolkit_id = _coordinator_and_toolkit(live)
    page = new_page()
    log_in(page, live.url, email, live.seeded.facilitator_password)
    builder = f"{live.url}/boites-a-outils/{toolkit_id}/modifier"

    page.goto(builder)
    assert _leave(page, live) == []  # only looked

    # A section added then removed: the page is as saved, nothing to warn about.
    page.goto(builder)
    page.get_by_role("button", name="Ajouter une section").click()
    page.get_by_role("button", name="Supprimer la section").last.click()
    assert _leave(page, live) == []

    # A section added (a change made by drag-and-drop-like controls, no text field typed): warned.
    page.goto(builder)
    page.get_by_role("button", name="Ajouter une section").click()
    assert _leave(page, live) == ["beforeunload"]

    # The preview shows the title typed but not saved, in a new tab, and saves nothing: leaving still warns.
    page.goto(builder)
    page.get_by_label("Titre", exact=True).fill("Familles et école : le titre pas encore enregistré")
    expect(page.get_by_text("montre vos modifications sans les enregistrer")).to_be_visible()
    with page.context.expect_page() as opened:
        page.get_by_test_id("preview-unsaved").click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.locator("body")).to_contain_text("le titre pas encore enregistré")
    preview.close()
    assert _leave(page, live) == ["beforeunload"]

    # Saved: the text is there after the save, and leaving does not warn.
    page.goto(builder)
    page.get_by_label("Introduction des éditeur·rices").fill("Trois pratiques.\n\n- un café\n- une réunion")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text("Boîte à outils enregistrée.")
    expect(page.get_by_label("Introduction des éditeur·rices")).to_have_value(
        "Trois pratiques.\n\n- un café\n- une réunion")  # what was typed, not its HTML
    assert _leave(page, live) == []


def test_a_builder_sent_back_with_a_refused_save_warns_before_leaving(live, new_page):
    """Saved meanwhile by someone else, the builder comes back with the person's text not saved: leaving it warns,
    even before they touch anything again."""
    from workshop.extensions import db
    from workshop.toolkits.models import Toolkit

    email, toolkit_id = _coordinator_and_toolkit(live)
    page = new_page()
    log_in(page, live.url, email, live.seeded.facilitator_password)
    page.goto(f"{live.url}/boites-a-outils/{toolkit_id}/modifier")
    page.get_by_label("Sous-titre").fill("Mon sous-titre")
    app = _app(live.seeded.database_url)
    with app.app_context():  # another coordinator's save
        db.session.get(Toolkit, toolkit_id).revision += 1
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("entre-temps")
    expect(page.get_by_label("Sous-titre")).to_have_value("Mon sous-titre")
    page.get_by_role("heading", name="Composer la boîte à outils").click()  # a look, no change
    assert _leave(page, live) == ["beforeunload"]
