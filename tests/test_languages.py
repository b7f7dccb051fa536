"""Parents who speak little French (#18): the participant's path in eight languages, checked catalog by catalog;
the language picker and its memory; pages outside the path and the facilitator's screen stay French; cards keep
the language they were written in, for the facilitator and the exports, never for the other participants."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.board_helpers import act
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Card
from workshop.extensions import db
from workshop.formats.texts import english_names
from workshop.i18n import LANGUAGE_NAMES, LANGUAGES, STAFF_LANGUAGES
from workshop.i18n_participant import participant_msgids

ROOT = Path(__file__).resolve().parents[1]
PARTICIPANT_LANGUAGES = [lang for lang in LANGUAGES if lang not in STAFF_LANGUAGES]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def catalog(lang: str):
    with (ROOT / "workshop" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def html_of(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


# --- catalogs ------------------------------------------------------------------------------------------------


def test_the_participant_path_is_a_real_list_of_msgids():
    english = catalog("en")
    msgids = participant_msgids()
    assert len(msgids) > 150 and len(set(msgids)) == len(msgids)
    assert [m for m in msgids if m not in english] == []  # each one is a msgid the code really uses
    for text in ("Freins", "Vote par gommettes", "Écrivez une idée ici", "Entrer dans l'atelier",
                 "Le tableau est verrouillé par l'animateur·rice.", "Mes contributions"):
        assert text in msgids


@pytest.mark.parametrize("lang", ["en", *PARTICIPANT_LANGUAGES])
def test_every_catalog_translates_the_whole_participant_path_with_its_placeholders(lang):
    found = catalog(lang)
    missing, untranslated, broken = [], [], []
    for msgid in participant_msgids():
        message = found.get(msgid)
        if message is None:
            missing.append(msgid)
        elif not message.string or message.fuzzy:
            untranslated.append(msgid)
        elif sorted(PLACEHOLDER.findall(message.string)) != sorted(PLACEHOLDER.findall(msgid)):
            broken.append((msgid, message.string))
    assert (missing, untranslated, broken) == ([], [], [])


def test_format_names_keep_their_english_output():
    english = catalog("en")
    assert {fr: english[fr].string for fr in english_names()} == english_names()


def test_translations_are_not_french_copies():
    """A catalog that copies the French back would pass the completeness test: most entries must differ."""
    for lang in PARTICIPANT_LANGUAGES:
        found = catalog(lang)
        same = [m for m in participant_msgids() if found[m].string == m]
        assert len(same) < 10, (lang, same)


# --- pages ---------------------------------------------------------------------------------------------------


def test_home_in_arabic_is_right_to_left_with_the_picker_and_remembered_on_the_device(client, app):
    html = html_of(client, "/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "الانضمام إلى ورشة" in html and "Rejoindre un atelier" not in html
    for code, name in LANGUAGE_NAMES.items():
        assert f'hreflang="{code}" lang="{code}"' in html and f">{name}</a>" in html
    assert 'aria-current="true">العربية<' in html
    assert client.get_cookie("lang").value == "ar"

    device_only = app.test_client()  # a new visit: no session, the device cookie only
    device_only.set_cookie("lang", "ta")
    assert '<html lang="ta">' in html_of(device_only, "/")
    device_only.set_cookie("lang", "xx<script>")  # an unknown value is ignored
    assert '<html lang="fr">' in html_of(device_only, "/")


def test_each_participant_language_speaks_on_home_and_the_privacy_pages(client):
    for lang in PARTICIPANT_LANGUAGES:
        expected = catalog(lang)["Rejoindre un atelier"].string
        assert expected in html_of(client, f"/?lang={lang}")
        notice = html_of(client, "/donnees-personnelles")
        assert f'<html lang="{lang}"' in notice and catalog(lang)["Ce que nous gardons"].string in notice
        assert catalog(lang)["Mes contributions"].string in html_of(client, "/donnees-personnelles/mes-contributions")


def test_pages_outside_the_path_are_french_and_say_so(client):
    html_of(client, "/?lang=tr")
    practices = html_of(client, "/fiches")
    assert '<html lang="fr">' in practices and "Fiches pratiques" in practices
    assert '<html lang="tr"' in html_of(client, "/")  # the choice is kept for the participant's path


def test_the_board_page_carries_the_format_words_of_its_reader(client, code):
    html = html_of(client, f"/j/{code}?lang=es")
    words = json.loads(re.search(r'<script type="application/json" id="format-i18n">(.*?)</script>', html,
                                 re.S).group(1))
    assert words["Freins"] == "Obstáculos" and words["Vote par gommettes"] == "Votación con gomets"
    assert words["Où en est-on ?"] == "¿En qué punto estamos?"  # the phase a peer group's board opens on
    assert 'id="format-i18n">{}</script>' in html_of(client, f"/j/{code}?lang=fr")


def test_the_facilitators_screen_ignores_the_device_language(app, facilitator, login, client, code):
    client.set_cookie("lang", "ar")  # a parent chose Arabic earlier on this device
    assert '<html lang="ar"' in html_of(client, "/")
    login(facilitator)
    client.set_cookie("lang", "ar")
    board = html_of(client, f"/j/{code}")
    assert '<html lang="fr">' in board and "Écran de salle" in board
    assert '<html lang="fr"' in html_of(client, "/ateliers")


class _VisibleText(HTMLParser):
    """The words a reader sees on a page: text outside scripts and styles, and the labels of controls."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style", "template")
        self.texts += [value for key, value in attrs if key in ("aria-label", "title", "placeholder", "alt") and value]

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style", "template")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _script_words(html: str, block: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="{block}">(.*?)</script>', html, re.S).group(1))


def test_no_french_is_left_on_the_participants_pages_in_any_of_their_languages(client, code):
    """The pages of the path show no message of the French catalog untranslated (the menu's "Réseaux" and the
    privacy notice's e-mail line did), and the board's script words a participant meets are in their language:
    an unnamed merged group, the pinned sheets' heading, renaming a group where everyone groups."""
    french = {m.id for m in catalog("en") if m.id}
    seen_by_participants = {"facilitation-i18n": ("merged", "rename", "group_name", "unnamed", "reply", "send"),
                            "practices-i18n": ("pinned", "elsewhere", "close")}
    for lang in PARTICIPANT_LANGUAGES:
        found = catalog(lang)
        for url in ("/", f"/j/{code}", "/donnees-personnelles", "/donnees-personnelles/mes-contributions"):
            page = _VisibleText()
            page.feed(html_of(client, f"{url}?lang={lang}"))
            left = [t for t in page.texts if t in french and (t not in found or found[t].string != t)]
            assert left == [], (lang, url, left)
        board = html_of(client, f"/j/{code}?lang={lang}")
        for block, keys in seen_by_participants.items():
            words = _script_words(board, block)
            french_words = _script_words(html_of(client, f"/j/{code}?lang=fr"), block)
            assert [k for k in keys if words[k] == french_words[k]] == [], (lang, block)


def test_every_column_of_every_built_in_format_has_its_own_pictogram():
    """People who read little find a column by its picture: the board's fallback note is for added columns only."""
    from workshop.formats.builtin import FORMATS

    script = (ROOT / "static" / "js" / "board" / "lang.js").read_text(encoding="utf-8")
    table = re.search(r"const PICTOGRAMS = \{(.*?)\};", script, re.S).group(1)
    drawn = dict(re.findall(r'(\w+): "([^"]+)"', table))
    keys = {c.key for f in FORMATS.values() for c in f.columns}
    assert sorted(k for k in keys if k not in drawn) == []
    assert "✎" not in {drawn[k] for k in keys}


# --- cards keep their language -------------------------------------------------------------------------------


def _board_with_cards(app, facilitator):
    """A board with one card written on an Arabic page and one on a French page."""
    with app.test_request_context():
        user = db.session.get(User, facilitator.id)
        workshop = boards.create_workshop(db.session, user, "Atelier des parents")
        db.session.commit()
        workshop_id, code = workshop.id, workshop.code
    with app.test_request_context("/?lang=ar"):
        amal = boards.join(db.session, {"code": code, "name": "Amal"}).participant
        card = act(db.session, amal, "card.add", {"client_id": "a1", "column": "obstacle",
                                                 "text": "لا أفهم رسائل المدرسة"}).card
    with app.test_request_context("/"):
        paul = boards.join(db.session, {"code": code, "name": "Paul"}).participant
        act(db.session, paul, "card.add", {"client_id": "p1", "column": "lever", "text": "Un café des parents"})
    return workshop_id, card


def test_a_card_records_the_language_it_was_written_in(app, facilitator, client, login):
    workshop_id, card = _board_with_cards(app, facilitator)
    with app.app_context():
        assert db.session.get(Card, card["id"]).language == "ar"
    login(facilitator)
    response = client.get(f"/ateliers/{workshop_id}/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-1] == "Langue"
    assert {r[3]: r[-1] for r in rows[1:]} == {"لا أفهم رسائل المدرسة": "ar", "Un café des parents": "fr"}
    markdown = client.get(f"/ateliers/{workshop_id}/export.md").get_data(as_text=True)
    assert "لا أفهم رسائل المدرسة (Amal — [ar])" in markdown


def test_a_practice_sheet_made_from_cards_keeps_their_language(app, facilitator, client, login):
    workshop_id, card = _board_with_cards(app, facilitator)
    from workshop.practices.provenance import create_from_cards

    with app.test_request_context("/"):
        user = db.session.get(User, facilitator.id)
        practice, _ids = create_from_cards(db.session, user, workshop_id, [card["id"]], "Les messages de l'école")
        db.session.commit()
        assert practice.provenance["cards"][0]["language"] == "ar"
        practice_id = practice.id
    login(facilitator)
    sheet = html_of(client, f"/fiches/{practice_id}")
    assert '<span lang="ar">لا أفهم رسائل المدرسة</span>' in sheet


def test_the_report_and_the_personal_data_export_keep_each_cards_language_grouped_or_not(app, facilitator):
    """The report names an Arabic card's language whether it stands alone or sits in a group (a grouped card lost
    it); the parent's own export says in which language each of their cards was written."""
    from workshop.boards.models import Participant, Workshop
    from workshop.facilitation.models import CardGroup, CardPlacement
    from workshop.privacy.exports import export_participant
    from workshop.toolkits.report import report_document

    workshop_id, card = _board_with_cards(app, facilitator)
    with app.test_request_context("/?lang=ar"):
        amal = db.session.get(Participant, db.session.get(Card, card["id"]).participant_id)
        alone = act(db.session, amal, "card.add", {"client_id": "a2", "column": "obstacle",
                                                  "text": "المواعيد لا تناسبنا"}).card
        group = CardGroup(workshop_id=workshop_id, column_key="obstacle", name="L'école", position=0)
        db.session.add(group)
        db.session.flush()
        db.session.add(CardPlacement(card_id=card["id"], workshop_id=workshop_id, group_id=group.id, position=0))
        db.session.commit()
        assert [c["language"] for c in export_participant(db.session, amal)["cards"]] == ["ar", "ar"]
    with app.test_request_context("/"):
        html = report_document(db.session, db.session.get(Workshop, workshop_id)).html
    grouped = re.search(r'<div class="group">.*?</div>', html, re.S).group(0)
    assert '<li lang="ar">لا أفهم رسائل المدرسة <span class="card-meta" lang="fr">[ar]</span>' in grouped
    assert f'<li lang="ar">{alone["text"]} <span class="card-meta" lang="fr">[ar]</span>' in html
    assert '<li lang="fr">Un café des parents' in html and "Un café des parents [fr]" not in html


def test_the_card_language_reaches_the_facilitator_only_and_errors_speak_arabic(board_client, code, facilitator,
                                                                                session_cookie):
    host = board_client(code, cookie=session_cookie(facilitator), name="Samia")
    amal = board_client(code, "Amal", cookie="lang=ar")
    karim = board_client(code, "Karim")
    answer = amal.add_card("المواعيد لا تناسبنا", column="obstacle", client_id="amal-1")
    assert answer["ok"] and answer["card"]["text"] == "المواعيد لا تناسبنا"
    [seen_by_host] = host.wait_for_events(1)
    [seen_by_karim] = karim.wait_for_events(1)
    assert seen_by_host["data"]["card"]["language"] == "ar"
    assert "language" not in seen_by_karim["data"]["card"]
    assert seen_by_karim["data"]["card"]["text"] == "المواعيد لا تناسبنا"
    assert all("language" not in c for c in board_client(code, "Léa").last_join["state"]["cards"])

    refused = amal.add_card("", column="obstacle", client_id="amal-2")
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"
    assert refused["error"]["message"] == "الحقل «نص الورقة» فارغ."
    french = karim.add_card("", column="obstacle", client_id="karim-2")
    assert french["error"]["message"] == "Le champ « Texte du post-it » est vide."


def test_the_demo_cards_keep_their_language_in_the_board_and_in_its_log(app):
    from sqlalchemy import select

    from workshop.demo import seed_board
    from workshop.live.models import BoardEvent

    with app.app_context():
        workshop = seed_board(db.session)
        db.session.commit()
        cards = {c.text: c.language for c in db.session.scalars(select(Card).where(Card.workshop_id == workshop.id))}
        logged = {e.payload["card"]["text"]: e.payload["card"]["language"] for e in db.session.scalars(
            select(BoardEvent).where(BoardEvent.workshop_id == workshop.id, BoardEvent.type == "card.added"))}
    assert logged == cards
    assert sorted(set(cards.values())) == ["ar", "fr", "ro", "tr"]
    assert cards["Okulda Türkçe konuşan bir anne bize yardım etti."] == "tr"


def test_the_card_policy_gives_the_language_to_moderators_only_whatever_the_card():
    from workshop.boards.cards import CARD
    from workshop.live.visibility import Viewer

    card = {"id": 1, "client_id": "c", "column": "obstacle", "text": "t", "participant_id": 7, "author": "Amal",
            "hidden": False, "private": False, "language": "ar"}
    host, author, other = Viewer(moderator=True), Viewer(participant_id=7), Viewer(participant_id=8)
    for variant in (card, {**card, "hidden": True}, {**card, "private": True}):
        assert CARD.item(variant, host)["language"] == "ar"  # moderators pre-read silent writing too
        for viewer in (author, other, Viewer(participant_id=8, anonymous=True)):
            assert "language" not in CARD.item(variant, viewer)
    assert CARD.view({"cards": [card]}, host) == {"cards": [card]}


def test_the_report_box_under_a_card_speaks_the_readers_language(client, code):
    board = html_of(client, f"/j/{code}?lang=tr")
    reasons = json.loads(re.search(r'<script type="application/json" id="report-reasons-i18n">(.*?)</script>',
                                   board, re.S).group(1))
    assert reasons["other"] == catalog("tr")["Autre raison"].string
    for msgid in ("Signaler", "Pourquoi signaler ce post-it ?", "Envoyer le signalement"):
        assert json.dumps(catalog("tr")[msgid].string)[1:-1] in board


def test_the_room_screen_names_the_format_words_in_its_page_language(client, facilitator, login, make_workshop):
    workshop = make_workshop(facilitator, "Freins et leviers")
    login(facilitator)
    room = html_of(client, f"/ateliers/{workshop['id']}/salle?lang=en")
    words = json.loads(re.search(r'<script type="application/json" id="format-i18n">(.*?)</script>', room,
                                 re.S).group(1))
    assert words["Freins"] == "Obstacles"
    assert 'id="format-i18n">{}</script>' in html_of(client, f"/ateliers/{workshop['id']}/salle?lang=fr")
