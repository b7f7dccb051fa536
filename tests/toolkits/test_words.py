"""What people read, in their language and as text (#13, points 6 and 7): the English workshop report, the toolkit
print preview (one language), a sheet's provenance (column names, dates), the sheet form's help, the toolkit
introduction after saving, and the preview of unsaved changes."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask_babel import force_locale

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db

HELD_ON = date(2026, 12, 1)


def _board_with_cards(app, facilitator) -> tuple[int, list[int]]:
    """A workshop of 1 December 2026 with an obstacle and a method, one dot on the method."""
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.facilitation.models import Vote

    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier du jeudi",
                                          place="Centre social des Tilleuls", held_on=HELD_ON)
        person = boards.join(db.session, {"code": workshop.code, "name": "Léa"}).participant
        ids = [act(db.session, person, "card.add", {"client_id": uuid.uuid4().hex, "column": column,
                                                   "text": text}).card["id"]
               for column, text in (("obstacle", "Horaires incompatibles"), ("method", "Un café des parents"))]
        db.session.add(Vote(workshop_id=workshop.id, participant_id=person.id, target_kind="card", target_id=ids[1]))
        db.session.commit()
        return workshop.id, ids


def _text(client, url: str) -> str:
    return re.sub(r"\s+", " ", client.get(url).get_data(as_text=True))


# --- Point 6: one language per document ---------------------------------------------------------------------


def test_the_english_workshop_report_is_english_throughout(app, client, login, make_user):
    facilitator = make_user("facilitator")
    workshop_id, _ids = _board_with_cards(app, facilitator)
    login(facilitator)
    client.get("/?lang=en")
    pdf = client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True)
    assert pdf.status_code == 200
    text = re.sub(r"\s+", " ", flat("\n".join(page_texts(read_pdf(pdf.data)))))
    lower = text.lower()  # the facts' labels are set in capitals by the stylesheet
    for english in ("Workshop report", "1 December 2026", "Venue: Centre social", "Obstacles and levers",
                    "Obstacles", "Methods", "What gets in the way between the school and the social centre?",
                    "1 vote", "No contribution in this column.", "Report produced on"):
        assert english.lower() in lower, english
    for french in ("Compte rendu", "décembre", "Lieu", "Freins", "Manières de faire", "voix", "Aucune contribution",
                   "Qu'est-ce qui", "Participant·es", " : "):
        assert french.lower() not in lower, french
    assert "Horaires incompatibles" in text  # what people wrote is never translated


def test_the_french_workshop_report_stays_french(app, client, login, make_user):
    facilitator = make_user("facilitator")
    workshop_id, _ids = _board_with_cards(app, facilitator)
    login(facilitator)
    text = re.sub(r"\s+", " ", flat("\n".join(page_texts(read_pdf(
        client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True).data)))))
    assert "Compte rendu d’atelier" in text and "1 décembre 2026" in text and "Manières de faire" in text
    assert "1 voix" in text and "Methods" not in text and "Workshop report" not in text


def test_the_toolkit_print_preview_on_an_english_page_is_english_throughout(app, client, login, coordinator,
                                                                          publish_practices, build):
    from workshop.practices.vocabulary import KIND_LABELS, SECTION_LABELS

    toolkit_id = build([("Accueillir les familles", publish_practices(3))])
    login(coordinator)
    client.get("/?lang=en")
    html = _text(client, f"/boites-a-outils/{toolkit_id}/apercu")
    with app.test_request_context(), force_locale("en"):
        english = {str(label) for label in (*SECTION_LABELS.values(), *KIND_LABELS.values())}
    with app.test_request_context(), force_locale("fr"):
        french = {str(label) for label in (*SECTION_LABELS.values(), *KIND_LABELS.values())}
    assert {label for label in english if f">{label}<" in html}, "the sheets' English headings are printed"
    mixed = {label for label in french - english if re.search(rf">\s*{re.escape(label)}\s*<", html)}
    assert not mixed, f"French labels in the English print preview: {mixed}"
    assert '<html lang="en"' in html and ">Contents<" in html and "Sommaire" not in html


# --- Issue #13: the PDFs in the language of the page that asked for them (French by default) -----------------


def _pdf_text(client, url: str):
    response = client.get(url, buffered=True)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = read_pdf(response.data)
    return re.sub(r"\s+", " ", flat("\n".join(page_texts(reader)))), reader


def test_a_practice_sheet_pdf_is_printed_in_the_page_language(app, client, publish_practices):
    [practice_id] = publish_practices(1)
    with app.test_request_context():
        from flask_babel import format_date

        with force_locale("en"):
            today_en = format_date(date.today(), "d MMMM y")
        with force_locale("fr"):
            today_fr = format_date(date.today(), "d MMMM y")
    french, reader = _pdf_text(client, f"/fiches/{practice_id}.pdf")
    assert f"Fiche imprimée le {today_fr}" in french and "Freins rencontrés" in french
    assert "Fiche en ligne" in french and reader.trailer["/Root"]["/Lang"] == "fr"
    client.get("/?lang=en")
    english, reader = _pdf_text(client, f"/fiches/{practice_id}.pdf")  # not the French file from the cache
    assert f"Sheet printed on {today_en}" in english and "Sheet online:" in english
    for french_word in ("Fiche imprimée", "Fiche en ligne", "Freins rencontrés", "Réseaux", "publiée le"):
        assert french_word not in english, french_word
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Café des parents n° 1 " in english  # what people wrote is printed as written
    client.get("/?lang=fr")
    assert "Fiche imprimée" in _pdf_text(client, f"/fiches/{practice_id}.pdf")[0]


@pytest.mark.slow  # two books rendered (about 45 s on a loaded 2-core machine)
def test_a_toolkit_pdf_is_printed_in_the_page_language(app, client, login, coordinator, publish_practices, build):
    toolkit_id = build([("Accueillir les familles", publish_practices(2))])
    login(coordinator)
    french, reader = _pdf_text(client, f"/boites-a-outils/{toolkit_id}.pdf")
    assert "2 fiches pratiques" in french and "Sommaire" in french and "Par dispositif" in french
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    client.get("/?lang=en")
    english, reader = _pdf_text(client, f"/boites-a-outils/{toolkit_id}.pdf")
    lower = english.lower()  # the cover's kicker is set in capitals by the stylesheet
    for words in ("Toolkit", "2 practice sheets", "Contents", "Index of schemes and cities", "By scheme",
                  "How this toolkit was made", "Licence", "Sheet online:"):
        assert words.lower() in lower, words
    for words in ("Boîte à outils", "fiches pratiques", "Sommaire", "Par dispositif", "Comment cette boîte",
                  "Fiche en ligne", "Freins rencontrés"):
        assert words.lower() not in lower, words
    assert reader.trailer["/Root"]["/Lang"] == "en"


# --- Point 6: provenance and dates -------------------------------------------------------------------------------


def test_a_sheets_provenance_names_columns_and_dates_in_the_page_language(app, client, login, make_user):
    from workshop.accounts.models import User
    from workshop.practices.provenance import create_from_cards

    facilitator = make_user("facilitator")
    workshop_id, ids = _board_with_cards(app, facilitator)
    with app.test_request_context():
        practice, _cards = create_from_cards(db.session, db.session.get(User, facilitator.id), workshop_id, ids,
                                             "Café des parents")
        db.session.commit()
        practice_id = practice.id
    login(facilitator)
    french = _text(client, f"/fiches/{practice_id}")
    provenance = re.search(r'data-testid="provenance".*?</section>', french).group(0)
    assert "1 décembre 2026" in provenance and "2026-12-01" not in provenance
    assert '<span class="tag">Manières de faire</span>' in provenance
    assert '<span class="tag">Freins</span>' in provenance
    assert ">method<" not in provenance and ">obstacle<" not in provenance  # never the code word

    client.get("/?lang=en")
    english = re.search(r'data-testid="provenance".*?</section>', _text(client, f"/fiches/{practice_id}")).group(0)
    assert "December 1, 2026" in english and '<span class="tag">Methods</span>' in english
    assert '<span class="tag">Obstacles</span>' in english


# --- Point 7: the sheet form's help, the toolkit's texts, the preview of unsaved work ---------------------------


def test_the_sheet_forms_help_is_plain_text_without_tags(client, login, make_user):
    login(make_user("facilitator"))
    html = client.get("/fiches/nouvelle").get_data(as_text=True)
    help_text = re.search(r'<p class="small muted" data-testid="section-help">(.*?)</p>', html, re.S).group(1)
    assert "<" not in help_text and "&lt;" not in help_text, help_text  # no tag, live or shown as code
    assert "« - » devient une puce" in help_text
    # nothing after the help is bold, italic or inside a link: the form has no stray <strong>, <em> or <a>
    form = re.search(r'<form method="post" class="card practice-form".*?</form>', html, re.S).group(0)
    assert "<strong" not in form and "<em" not in form and "<a " not in form
    client.get("/?lang=en")
    english = client.get("/fiches/nouvelle").get_data(as_text=True)
    assert "a line starting with &#34;-&#34; becomes a bullet" in english or \
        'a line starting with "-" becomes a bullet' in english


def _save(client, toolkit_id: int, **fields):
    page = client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    data = {"title": "Coopérer avec les familles", "subtitle": "", "introduction": "", "contacts": "",
            "editors_line": "", "sections": "[]", "revision": revision, **fields}
    return client.post(f"/boites-a-outils/{toolkit_id}/modifier", data=data)


def test_the_toolkit_introduction_reads_as_typed_after_saving(client, login, coordinator, build):
    toolkit_id = build([])
    login(coordinator)
    typed = "Trois pratiques pour ouvrir l'école.\n\n- un café des parents\n- une réunion de rentrée"
    assert _save(client, toolkit_id, introduction=typed, contacts="Claire : 06 00 00 00 00").status_code == 302
    page = client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)
    intro = re.search(r'<textarea id="tk-intro"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "&lt;p&gt;" not in intro and "&lt;ul&gt;" not in intro, intro
    assert intro.strip() == typed.replace("'", "&#39;")
    contacts = re.search(r'<textarea id="tk-contacts"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert contacts.strip() == "Claire : 06 00 00 00 00"
    # saved again untouched, it stays the same text (no HTML creeping in, nothing doubled)
    assert _save(client, toolkit_id, introduction=typed, contacts="Claire : 06 00 00 00 00").status_code == 302
    again = client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)
    assert re.search(r'<textarea id="tk-intro"[^>]*>(.*?)</textarea>', again, re.S).group(1) == intro


def test_the_preview_shows_unsaved_changes_and_saves_nothing(app, client, login, coordinator, publish_practices,
                                                             build):
    from workshop.toolkits.models import Toolkit

    first, second = publish_practices(2)
    toolkit_id = build([("Accueillir", [first])])
    login(coordinator)
    edit = client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', edit).group(1)
    assert 'data-testid="preview-unsaved"' in edit and "montre vos modifications sans les enregistrer" in edit
    response = client.post(f"/boites-a-outils/{toolkit_id}/apercu", data={
        "title": "Titre pas encore enregistré", "introduction": "Une introduction en cours.", "revision": revision,
        "sections": f'[{{"title": "Nouvelle section", "entries": [{second}, {first}]}}]'})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Titre pas encore enregistré" in html and "Une introduction en cours." in html
    assert "Nouvelle section" in html and "n° 2 à" in html
    with app.app_context():
        toolkit = db.session.get(Toolkit, toolkit_id)
        assert toolkit.title == "Coopérer avec les familles" and str(toolkit.revision) == revision
        assert [s.title for s in toolkit.sections] == ["Accueillir"]
        assert [e.practice_id for e in toolkit.sections[0].entries] == [first]


def test_a_sheets_pdf_downloaded_from_an_english_page_is_english_throughout(app, client, login, coordinator,
                                                                           publish_practices):
    from workshop.practices.vocabulary import SECTION_LABELS

    [practice_id] = publish_practices(1)
    login(coordinator)
    client.get("/?lang=en")
    text = flat("\n".join(page_texts(read_pdf(client.get(f"/fiches/{practice_id}.pdf", buffered=True).data))))
    with app.test_request_context(), force_locale("en"):
        english = {str(label) for label in SECTION_LABELS.values()}
    with app.test_request_context(), force_locale("fr"):
        french = {str(label) for label in SECTION_LABELS.values()}
    lower = text.lower()
    assert {label for label in english if label.lower() in lower}, "the sheet's English headings are printed"
    mixed = {label for label in french - english if re.search(rf"\b{re.escape(label.lower())}\b", lower)}
    assert not mixed, f"French headings in the English sheet: {mixed}"
