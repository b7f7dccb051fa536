"""Practice sheets, toolkits and workshop reports as PDF, read back with pypdf (text, pages, links, metadata)."""

from __future__ import annotations

import re
import uuid
from datetime import date

from pypdf.generic import IndirectObject

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf, to_png
from workshop.extensions import db


def _fonts(reader) -> dict[str, bool]:
    """Every font used on every page -> whether its program is embedded in the file."""
    found = {}
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def _link_uris(reader) -> list[str]:
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object() if isinstance(annot, IndirectObject) else annot
            action = annot.get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


def test_practice_sheet_pdf_reads_back_in_french_with_qr_link_and_metadata(client, publish_practices, tmp_path):
    [practice_id] = publish_practices(1)
    response = client.get(f"/fiches/{practice_id}.pdf", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = read_pdf(response.data)
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page_texts(reader))
    joined = flat(text)
    assert "Café des parents n° 1 à Tourcoing : une affiche officielle" in joined  # practice_data(1)
    for words in ("cœur de l'école", "efficace", "affluence", "fluctuation", "difficultés", "Freins rencontrés",
                  "Leviers et conditions de réussite", "REAAP", "Cité éducative"):
        assert words in joined, words
    # Running footer: page numbers and the networks' names.
    assert f"Page 1 / {len(reader.pages)}" in page_texts(reader)[0]
    assert "Centres sociaux" in page_texts(reader)[0] and "École-familles" in page_texts(reader)[0]
    # The QR code and the short URL point back to the sheet online, and the link is clickable.
    short = f"https://passerelles.exemple.fr/f/{practice_id}"
    assert short in _link_uris(reader)
    assert f"passerelles.exemple.fr/f/{practice_id}" in text
    assert "mailto:cafe@exemple.fr" in _link_uris(reader)
    # Metadata and accessibility: title, author (networks), language, tagged PDF.
    meta = reader.metadata
    assert meta.title.startswith("Café des parents n° 1 à")
    assert "Centres sociaux" in meta.author
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    fonts = _fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVu" in name for name in fonts)
    path = tmp_path / "fiche.pdf"
    path.write_bytes(response.data)
    assert to_png(path, "fiche-pratique", 1, 1)


def test_short_url_leads_to_the_sheet_online(client, publish_practices):
    [practice_id] = publish_practices(1)
    response = client.get(f"/f/{practice_id}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/fiches/{practice_id}")


def test_unpublished_sheet_pdf_is_refused_to_strangers(app, client, coordinator, networks):
    from tests.toolkits.conftest import practice_data
    from workshop.accounts.models import User
    from workshop.practices import sheets

    with app.test_request_context():
        draft = sheets.create_practice(db.session, db.session.get(User, coordinator.id), practice_data(1))
        db.session.commit()
        draft_id = draft.id
    assert client.get(f"/fiches/{draft_id}.pdf").status_code == 302  # to the login page
    assert client.get("/fiches/999999.pdf").status_code == 404


def test_workshop_report_lists_cards_by_column_and_counts_participants(app, client, login, make_user, tmp_path):
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.facilitation import next_steps

    facilitator = make_user("facilitator")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Rencontre de Roubaix",
                                          place="Centre social Élan", format_key="freins-leviers")
        workshop_id = workshop.id
        nadia = boards.join(db.session, {"code": workshop.code, "name": "Nadia"}).participant
        karim = boards.join(db.session, {"code": workshop.code, "name": "Karim"}).participant
        for who, column, text in ((nadia, "obstacle", "Les horaires ne coïncident pas : difficile de s'affilier"),
                                  (karim, "lever", "Un café des parents dans le hall, le vendredi"),
                                  (karim, "method", "Une fiche de liaison enseignant / animateur")):
            act(db.session, who, "card.add", {"client_id": uuid.uuid4().hex, "column": column, "text": text})
        next_steps.add_step(db.session, workshop, "Inviter la principale au café des parents", "Nadia",
                            date(2026, 12, 15))
        done = next_steps.add_step(db.session, workshop, "Traduire l'affiche en arabe")
        next_steps.set_done(db.session, workshop, done.id, True)
        db.session.commit()
    assert client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf").status_code == 302  # login first
    login(facilitator)
    response = client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True)
    assert response.status_code == 200
    reader = read_pdf(response.data)
    text = "\n".join(page_texts(reader))
    assert "Rencontre de Roubaix" in text and "Centre social Élan" in text and "Freins et leviers" in text
    assert re.search(r"PARTICIPANT·ES\s*:\s*2", text.upper()), text
    for label, card in (("Freins", "Les horaires ne coïncident pas : difficile de s'affilier"),
                        ("Leviers", "Un café des parents dans le hall, le vendredi"),
                        ("Manières de faire", "Une fiche de liaison enseignant / animateur")):
        assert label in text
        assert card in text.replace("\n", " ")
    assert text.index("Freins") < text.index("Les horaires") < text.index("Leviers") < text.index("Un café")
    flat_text = " ".join(text.split())
    assert "Suites à donner" in flat_text
    assert "Inviter la principale au café des parents — Nadia, pour le 15 décembre 2026" in flat_text
    assert "Traduire l’affiche en arabe fait" in flat_text or "Traduire l'affiche en arabe fait" in flat_text
    path = tmp_path / "cr.pdf"
    path.write_bytes(response.data)
    assert to_png(path, "compte-rendu", 1, 1)
    other = make_user("facilitator")
    client.post("/deconnexion")
    login(other)
    assert client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf").status_code == 403


def test_report_shows_groups_vote_ranking_and_practices_born_in_the_workshop(app, client, login, make_user,
                                                                            coordinator, networks):
    from tests.toolkits.conftest import practice_data
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.facilitation.models import CardGroup, CardPlacement, Vote
    from workshop.practices import sheets

    facilitator = make_user("facilitator")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier groupé")
        people = [boards.join(db.session, {"code": workshop.code, "name": n}).participant for n in ("Léa", "Omar")]
        cards = [act(db.session, people[0], "card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle",
                                                         "text": text}).card["id"]
                 for text in ("Horaires incompatibles", "Réunions trop tardives", "Locaux fermés le soir")]
        group = CardGroup(workshop_id=workshop.id, column_key="obstacle", name="Le temps", position=0)
        db.session.add(group)
        db.session.flush()
        db.session.add_all([CardPlacement(card_id=cards[0], workshop_id=workshop.id, group_id=group.id, position=0),
                            CardPlacement(card_id=cards[1], workshop_id=workshop.id, group_id=group.id, position=1)])
        db.session.add_all([Vote(workshop_id=workshop.id, participant_id=p.id, target_kind="group",
                                 target_id=group.id) for p in people])
        db.session.add(Vote(workshop_id=workshop.id, participant_id=people[1].id, target_kind="card",
                            target_id=cards[2]))
        db.session.commit()
        sheets.create_practice(db.session, db.session.get(User, coordinator.id),
                                  practice_data(5, title="Ouvrir l'école le soir"), source_workshop_id=workshop.id)
        db.session.commit()
        workshop_id = workshop.id
    login(facilitator)
    text = flat("\n".join(page_texts(read_pdf(client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf",
                                                          buffered=True).data))))
    assert "Ce que le groupe a retenu" in text
    text = re.sub(r"\s+", " ", text)
    assert text.index("2 voix Le temps") < text.index("1 voix Locaux fermés le soir")
    assert "Le temps 2 voix Horaires incompatibles Réunions trop tardives" in text
    assert "Fiches pratiques nées de cet atelier" in text and "Ouvrir l'école le soir" in text


def test_a_title_holding_markup_stays_text_in_the_sheet_pdfs_running_header(client, publish_practices):
    """The running header is set in a <style> element from the title: `</style>` in a title must not end it and
    put the rest in the document as markup (here a clickable link)."""
    title = "Fiche </style><a href=https://piege.example/x>piège</a>"
    [practice_id] = publish_practices(1, title=title)
    response = client.get(f"/fiches/{practice_id}.pdf", buffered=True)
    assert response.status_code == 200
    reader = read_pdf(response.data)
    assert not [uri for uri in _link_uris(reader) if "piege.example" in uri]
    assert "</style><a href=https://piege.example/x>" in flat(" ".join(page_texts(reader)))  # printed as written
