"""A parent who reads little French (#18), in Chromium at 320 px, for each participant language: picks the language
on the home page, types the code, answers the name dialog, reads the phase, posts a card and hears it read aloud.
Arabic lays out right to left; the facilitator on another device keeps French and sees the card's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import ONLINE, enter_board_as_facilitator, notes_with_text
from workshop.i18n import LANGUAGE_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
CARDS = {"ar": "لا أفهم رسائل المدرسة", "tr": "Okulun mesajlarını anlamıyorum",
         "pt": "Não percebo as mensagens da escola", "es": "No entiendo los mensajes de la escuela",
         "ro": "Nu înțeleg mesajele școlii",
         "ta": "பள்ளியின் செய்திகள் எனக்குப் புரியவில்லை"}
VOICE = {"ar": "ar-SA", "tr": "tr-TR", "pt": "pt-PT", "es": "es-ES", "ro": "ro-RO", "ta": "ta-IN"}
# The device's speech synthesis, replaced by one that has a voice of `lang` (and a French one) and records what
# it is asked to say: headless Chromium usually has no voice at all.
FAKE_VOICES = """(lang) => {
  window.__spoken = [];
  const voices = [{ lang: "fr-FR", name: "Amélie", default: true, localService: true, voiceURI: "fr" },
                  { lang, name: "Voice " + lang, default: false, localService: true, voiceURI: lang }];
  const synth = { getVoices: () => voices, speak: (u) => window.__spoken.push({ text: u.text, lang: u.voice.lang }),
                  cancel() {}, addEventListener() {}, speaking: false, pending: false, paused: false };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
}"""


def words(lang: str):
    with (ROOT / "workshop" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        found = read_po(handle, locale=lang)
    return lambda msgid: found[msgid].string


def join_in(page: Page, live, lang: str, name: str) -> None:
    """From the home page: the picker, the code, the name dialog, in `lang` only."""
    t = words(lang)
    page.goto(live.url + "/")
    page.get_by_test_id("language-picker").get_by_role("link", name=LANGUAGE_NAMES[lang]).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert overflowing(page) == []  # the home page: the picker, the join box, the figures, the menu
    page.get_by_label(t("Code de l'atelier")).fill(live.code)
    page.get_by_role("button", name=t("Rejoindre"), exact=True).click()
    dialog = page.locator("#name-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(t("Un post-it, c'est une petite note : une idée par note."))
    assert overflowing(page) == []  # the name dialog
    dialog.get_by_label(t("Votre prénom (ou un pseudo)")).fill(name)
    dialog.get_by_role("button", name=t("Entrer dans l'atelier")).click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)
    # then, beside the board, the optional "je viens de…" question, in the parent's language too
    step = page.get_by_test_id("profile-step")
    expect(step).to_contain_text(t("Vous venez… (facultatif)"))
    step.get_by_role("button", name=t("Je suis parent")).click()
    expect(step).to_be_hidden()


def post(page: Page, lang: str, text: str) -> None:
    page.locator('#dock .column-tab[data-column="obstacle"]').click()
    page.locator("#composer textarea").fill(text)
    page.locator("#composer").get_by_role("button", name=words(lang)("Ajouter")).click()
    expect(notes_with_text(page, "obstacle", text)).to_have_count(1)


def overflowing(page: Page) -> list[str]:
    """Buttons and links whose text does not fit in them, and the page wider than the phone."""
    return page.evaluate("""() => {
      const wide = document.documentElement.scrollWidth - window.innerWidth;
      const bad = [...document.querySelectorAll("button, .button, .language-picker a")]
        .filter((b) => b.offsetParent && b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent.trim());
      return wide > 0 ? [...bad, `page ${wide}px too wide`] : bad;
    }""")


@pytest.mark.parametrize("lang", ["ar", "tr", "pt", "es", "ro", "ta"])
def test_a_parent_joins_understands_posts_and_hears_the_card_in_their_language(live, new_page, shot, lang):
    t = words(lang)
    page = new_page(**PHONE)
    page.context.add_init_script(f"({FAKE_VOICES})({VOICE[lang]!r})")
    join_in(page, live, lang, "Amal")
    expect(page.locator("section.column h2").first).to_have_text(t("Freins"))
    prompt = t("Qu'est-ce qui bloque entre l'école et le centre social ?")
    expect(page.locator(".column-prompt").first).to_have_text(prompt)
    expect(page.get_by_test_id("phase-label")).to_have_text(t("Contributions"))
    expect(page.locator(".phase-instructions")).to_have_text(
        t("Écrivez ce qui bloque, ce qui aide et ce qui marche. Une idée par post-it."))
    shot(page, f"{lang}-1-board-320", full_page=True)
    post(page, lang, CARDS[lang])
    note = notes_with_text(page, "obstacle", CARDS[lang])
    note.get_by_role("button", name=t("Écouter")).click()
    assert page.evaluate("window.__spoken") == [{"text": CARDS[lang], "lang": VOICE[lang]}]
    page.locator("#facilitation").get_by_role("button", name=t("Écouter")).click()
    assert page.evaluate("window.__spoken")[-1]["text"] == t(
        "Écrivez ce qui bloque, ce qui aide et ce qui marche. Une idée par post-it.")
    shot(page, f"{lang}-2-card-posted-320", full_page=True)
    assert overflowing(page) == []


def test_arabic_is_right_to_left_the_facilitator_keeps_french_and_sees_the_language(live, new_page, shot):
    parent = new_page(**PHONE)
    serve_axe(parent.context)
    parent.goto(live.url + "/?lang=ar")
    expect(parent.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(parent, "ar/home")
    shot(parent, "ar-home-320", full_page=True)
    join_in(parent, live, "ar", "Amal")
    # Without a voice of the page's language (headless Chromium has none), no read-aloud button shows.
    arabic_voices = parent.evaluate("() => (window.speechSynthesis?.getVoices() || []).filter((v) => "
                                    "v.lang.startsWith('ar')).length")
    post(parent, "ar", CARDS["ar"])
    if not arabic_voices:
        expect(parent.locator(".read-aloud")).to_have_count(2)  # the card's and the phase's, both hidden
        for button in parent.locator(".read-aloud").all():
            expect(button).to_be_hidden()
    parent.set_viewport_size({"width": 1366, "height": 900})
    columns = parent.locator("section.column")
    first, second = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert first["x"] > second["x"]  # the first column stands on the right
    header = columns.nth(0).locator("header")
    picto, title = header.locator(".column-picto").bounding_box(), header.locator("h2").bounding_box()
    assert picto["x"] > title["x"]  # the pictogram leads, on the right
    textarea, button = (parent.locator("#composer textarea").bounding_box(),
                        parent.locator("#composer button").bounding_box())
    assert button["x"] + button["width"] <= textarea["x"]  # the composer reads right to left: its button on the left
    tabs = parent.locator("#dock .column-tab")
    assert tabs.nth(0).bounding_box()["x"] > tabs.nth(1).bounding_box()["x"]  # the first column's tab on the right
    assert_accessible(parent, "ar/board")
    shot(parent, "ar-board-1366", full_page=True)

    samia = new_page(viewport={"width": 1366, "height": 900})
    seeded = live.seeded
    enter_board_as_facilitator(samia, live.url, seeded.facilitator_email, seeded.facilitator_password, live.code)
    expect(samia.locator("html")).to_have_attribute("lang", "fr")
    expect(samia.locator("section.column h2").first).to_have_text("Freins")
    tag = notes_with_text(samia, "obstacle", CARDS["ar"]).get_by_test_id("card-language")
    expect(tag).to_have_text("ar")
    expect(tag).to_have_attribute("title", "Écrit en : العربية")
    expect(notes_with_text(parent, "obstacle", CARDS["ar"]).get_by_test_id("card-language")).to_have_count(0)
    shot(samia, "ar-facilitator-french-1366")
    assert re.search(r"^Freins", samia.locator("section.column h2").first.inner_text())
