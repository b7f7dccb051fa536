"""Parents who speak little French (#18): the participant's path in eight languages, checked catalog by catalog;
the language picker and its memory; pages outside the path and the facilitator's screen stay French; cards keep
the language they were written in, for the facilitator and the exports, never for the other participants."""

from __future__ import annotations

import csv
import io
import json
import re
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
