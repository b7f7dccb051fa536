"""French first, English second: pages speak the language asked for, and the English catalog stays complete."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "workshop" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The markers of the code, as `make extract-messages` knows them (Makefile, extract-messages rule).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2), "lazy_npgettext": ((1, "c"), 2, 3)}


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    return response.get_data(as_text=True)


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


def script_strings(html: str, block_id: str) -> dict:
    """The strings a page hands to its scripts in <script type="application/json" id=...>."""
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


# --- pages -----------------------------------------------------------------------------------------------


def test_home_speaks_french_by_default_and_english_on_request(client):
    french = page(client, "/")
    assert html_lang(french) == "fr"
    assert "Écoles et centres sociaux, ensemble" in french
    assert "Fiches pratiques" in french and "Schools and social centres" not in french

    english = page(client, "/?lang=en")
    assert html_lang(english) == "en"
    assert "Schools and social centres, together" in english
    assert "Passerelles supports peer groups: we share what gets in the way" in english
    assert "The code is shown in the room (8 letters and digits). No account needed." in english
    assert ">Practice sheets<" in english and ">Toolkits<" in english
    assert "Fiches pratiques" not in english and "Rejoindre" not in english


def test_login_page_in_english(client):
    html = page(client, "/connexion?lang=en")
    assert "For facilitators and coordinators." in html
    assert "Email address" in html and "Password" in html
    assert "Mot de passe" not in html and "Se connecter" not in html


def test_wrong_password_message_in_english(client, make_user):
    user = make_user("facilitator")
    client.get("/?lang=en")
    response = client.post("/connexion", data={"email": user.email, "password": "pas-le-bon-1"})
    assert "Incorrect email address or password." in response.get_data(as_text=True)


def test_board_page_and_its_script_strings_in_english(client, make_user, make_workshop):
    workshop = make_workshop(make_user("facilitator"), title="Atelier du jeudi")
    html = page(client, f"/j/{workshop['code']}?lang=en")
    assert "Enter the workshop" in html and "Your first name (or a nickname)" in html
    assert "Entrer dans l" not in html
    assert "Atelier du jeudi" in html  # what people typed is never translated
    # strings handed to the board's scripts through the JSON blocks
    board = script_strings(html, "board-i18n")
    assert board["placeholder"] == "Write one idea here"
    assert board["offline"] == "No network. Your notes are kept. They will be sent when the network is back."
    facilitation = script_strings(html, "facilitation-i18n")
    assert facilitation["step"] == "Step {n} of {total}" and facilitation["dots_left"] == "Dots: {n} of {total}"
    assert [facilitation[f"reaction_{kind}"] for kind in ("same", "dig", "thanks")] == [
        "Me too", "Worth exploring", "Thanks"]
    practices = script_strings(html, "practices-i18n")
    assert practices["create"] == "Create a practice sheet"
    for block in (board, facilitation, practices):
        french = [text for text in block.values() if re.search(r"[éèêàç]|post-it|Gommette", text)]
        assert not french, french

    french_page = page(client, f"/j/{workshop['code']}?lang=fr")
    assert script_strings(french_page, "board-i18n")["placeholder"] == "Écrivez une idée ici"


@pytest.mark.parametrize("url, title, message", [
    ("/pas-de-page-ici", "Page not found", "This page does not exist (or no longer exists)."),
    ("/j/ZZZZ9999", "Join a workshop", "No workshop has this code. Check the letters and digits."),
])
def test_error_pages_in_english(client, url, title, message):
    response = client.get(url + "?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert title in html and message in html
    assert "Page introuvable" not in html and "Aucun atelier ne porte ce code" not in html


def test_error_page_in_french_by_default(client):
    html = page(client, "/pas-de-page-ici")
    assert "Page introuvable" in html and "Retour à l" in html and "Page not found" not in html


def test_json_errors_follow_the_language(client):
    response = client.get("/pas-de-page-ici", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "not_found",
                                            "message": "This page does not exist (or no longer exists)."}


def test_accept_language_chooses_english_and_anything_else_french(client, app):
    assert "Schools and social centres, together" in page(client, "/", **{"Accept-Language": "en-GB,en;q=0.8"})
    other = app.test_client()
    assert "Écoles et centres sociaux, ensemble" in page(other, "/", **{"Accept-Language": "de-DE,de;q=0.9"})
    assert "Écoles et centres sociaux, ensemble" in page(app.test_client(), "/",
                                                         **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"})
    # A regional French tag alone (as some phones send) still beats a lower-rated English.
    assert "Écoles et centres sociaux, ensemble" in page(app.test_client(), "/",
                                                         **{"Accept-Language": "fr-FR,en;q=0.5"})
    assert "Schools and social centres, together" in page(app.test_client(), "/",
                                                          **{"Accept-Language": "de-DE,en-US;q=0.7,fr;q=0.3"})


def test_choice_is_remembered_in_the_session(client):
    page(client, "/?lang=en")
    assert "For facilitators and coordinators." in page(client, "/connexion")  # no ?lang= any more
    with client.session_transaction() as session:
        assert session["lang"] == "en"
    # the choice wins over the browser's language, and can be changed back
    french = page(client, "/?lang=fr", **{"Accept-Language": "en"})
    assert "Écoles et centres sociaux, ensemble" in french
    assert "Se connecter" in page(client, "/connexion", **{"Accept-Language": "en"})


def test_unknown_language_is_ignored(client):
    html = page(client, "/?lang=xx")
    assert html_lang(html) == "fr"
    with client.session_transaction() as session:
        assert "lang" not in session


def test_language_switch_link_offers_the_other_language(client):
    assert 'href="?lang=en"' in page(client, "/")
    assert 'href="?lang=fr"' in page(client, "/?lang=en")


# --- catalog ---------------------------------------------------------------------------------------------

PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACES = re.compile(r"\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PERCENT.findall(text) if p != "%%") + sorted(BRACES.findall(text))


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_english_translation(catalog):
    missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} messages without English: {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations to check: {fuzzy[:10]}"


def test_translations_keep_the_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if placeholders(string) != placeholders(ids[-1]) and placeholders(string) != placeholders(ids[0]):
                wrong.append((message.id, string))
    assert not wrong, wrong
    assert not [error for _message, errors in catalog.check() for error in errors]


def test_catalog_holds_every_string_of_the_code(catalog):
    """A French string added without `make extract-messages` would show in French to English speakers."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {message for _file, _line, message, _comments, _context
                 in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    known = {m.id for m in catalog if m.id}
    missing = sorted(str(m) for m in extracted - known if m)
    assert not missing, f"run `make extract-messages` and translate: {missing[:10]}"


def test_new_workshop_form_names_the_formats_in_the_page_language(client, make_user, login):
    login(make_user("facilitator"))
    english = page(client, "/ateliers/nouveau?lang=en")
    assert ">Obstacles and levers</option>" in english and "Freins et leviers" not in english
    assert "Create the workshop" in english
    french = page(client, "/ateliers/nouveau?lang=fr")
    assert ">Freins et leviers</option>" in french
