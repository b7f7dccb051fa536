"""A small workshop's report: one page, the replies and reactions under their cards, and the facilitator not
counted among the participants (issue #13, point 10)."""

from __future__ import annotations

import re
import uuid

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db


def _small_workshop(app, facilitator_id: int) -> int:
    """Three people, the facilitator on the board too, four cards, a reply, reactions."""
    from workshop.accounts.models import User
    from workshop.boards import service as boards

    with app.test_request_context():
        facilitator = db.session.get(User, facilitator_id)
        workshop = boards.create_workshop(db.session, facilitator, "Atelier du jeudi",
                                          place="Centre social Nelson-Mandela")
        host = boards.join(db.session, {"code": workshop.code, "name": "Samia"}, facilitator).participant
        lea, omar, ines = (boards.join(db.session, {"code": workshop.code, "name": n}).participant
                           for n in ("Léa", "Omar", "Inès"))
        cards = {}
        for who, column, text in ((lea, "obstacle", "Les horaires de l'école ne collent pas au travail des parents"),
                                  (omar, "obstacle", "Les parents ne savent pas à qui s'adresser"),
                                  (ines, "lever", "Un café des parents un vendredi sur deux"),
                                  (lea, "method", "Traduire le mot d'accueil en arabe et en turc")):
            cards[text[:12]] = act(db.session, who, "card.add", {"client_id": uuid.uuid4().hex, "column": column,
                                                                 "text": text}).card["id"]
        cafe = cards["Un café des "]
        act(db.session, omar, "reply.add", {"client_id": uuid.uuid4().hex, "card_id": cafe,
                                            "text": "Chez nous le mardi soir marche mieux"})
        act(db.session, host, "reply.add", {"client_id": uuid.uuid4().hex, "card_id": cafe,
                                            "text": "À proposer au conseil d'école"})
        for who, kind in ((lea, "same"), (omar, "same"), (ines, "dig")):
            act(db.session, who, "reaction.toggle", {"card_id": cafe, "kind": kind})
        db.session.commit()
        return workshop.id


def test_a_small_workshops_report_is_one_page_with_replies_reactions_and_the_right_count(app, client, login,
                                                                                         make_user):
    from workshop.boards.models import Workshop
    from workshop.toolkits.report import report_view

    facilitator = make_user("facilitator", name="Samia Animatrice")
    workshop_id = _small_workshop(app, facilitator.id)
    with app.test_request_context():
        view = report_view(db.session, db.session.get(Workshop, workshop_id))
    assert view["participants"] == 3  # Léa, Omar, Inès: the facilitator animates, she is not counted

    login(facilitator)
    response = client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True)
    assert response.status_code == 200
    reader = read_pdf(response.data)
    text = re.sub(r"\s+", " ", flat("\n".join(page_texts(reader))))
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages: {page_texts(reader)[-1]!r}"
    assert "participant·es : 3" in text.lower()
    assert "Chez nous le mardi soir marche mieux" in text and "À proposer au conseil d'école" in text
    assert "Moi aussi 2" in text and "À creuser 1" in text


def test_no_report_page_holds_only_a_line_or_a_lone_card(app, client, login, make_user):
    """12 cards used to spill the colophon alone onto page 2, 13 cards one card and the colophon."""
    from workshop.accounts.models import User
    from workshop.boards import service as boards

    facilitator = make_user("facilitator", name="Samia Animatrice")
    login(facilitator)
    text = "Contribution {} : les parents ne viennent pas aux réunions du soir, il faudrait changer l'horaire"
    for count in (12, 13):
        with app.test_request_context():
            workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), f"Atelier {count}")
            lea = boards.join(db.session, {"code": workshop.code, "name": "Léa"}).participant
            for i in range(count):
                act(db.session, lea, "card.add", {"client_id": uuid.uuid4().hex,
                                                  "column": ("obstacle", "lever", "method")[i % 3],
                                                  "text": text.format(i)})
            db.session.commit()
            workshop_id = workshop.id
        pages = page_texts(read_pdf(client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True).data))
        cards_per_page = [len(re.findall(r"Contribution\s\d+", flat(page))) for page in pages]
        assert sum(cards_per_page) == count, pages
        assert min(cards_per_page) >= 2, f"{count} cards: {cards_per_page} per page"
        if count == 12:
            assert len(pages) == 1
