"""The workshop report counts the dots the way the board does: one tally, whatever is grouped or hidden."""

from __future__ import annotations

import re
import uuid

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db


def test_report_and_board_results_agree_on_groups_and_hidden_cards(app, client, login, make_user):
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.boards.models import Card
    from workshop.facilitation.models import CardGroup, CardPlacement, Vote
    from workshop.facilitation.votes import tally
    from workshop.toolkits.report import report_view

    facilitator = make_user("facilitator")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier compté")
        people = [boards.join(db.session, {"code": workshop.code, "name": n}).participant
                  for n in ("Léa", "Omar", "Inès")]
        texts = ("Horaires incompatibles", "Carte masquée du groupe", "Locaux fermés le soir", "Carte masquée seule")
        ids = [act(db.session, people[0], "card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle",
                                                       "text": text}).card["id"] for text in texts]
        grouped, hidden_in_group, loose, hidden_loose = ids
        group = CardGroup(workshop_id=workshop.id, column_key="obstacle", name="Le temps", position=0)
        db.session.add(group)
        db.session.flush()
        db.session.add_all([CardPlacement(card_id=c, workshop_id=workshop.id, group_id=group.id, position=n)
                            for n, c in enumerate((grouped, hidden_in_group))])
        for card_id in (hidden_in_group, hidden_loose):
            db.session.get(Card, card_id).hidden = True
        dots = [("group", group.id, people[0]), ("card", grouped, people[1]), ("card", hidden_in_group, people[0]),
                ("card", hidden_in_group, people[2]), ("card", loose, people[2]), ("card", hidden_loose, people[1]),
                ("card", hidden_loose, people[2]), ("card", hidden_loose, people[0])]
        db.session.add_all([Vote(workshop_id=workshop.id, participant_id=p.id, target_kind=kind, target_id=target)
                            for kind, target, p in dots])
        db.session.commit()
        workshop_id = workshop.id

        board = tally(db.session, workshop_id)
        report = report_view(db.session, workshop)
    column = next(c for c in report["columns"] if c["groups"] or c["cards"])
    [printed_group] = column["groups"]
    board_groups = {g["name"]: g["dots"] for g in board["groups"]}
    board_cards = {c["id"]: c["dots"] for c in board["cards"]}
    assert printed_group["votes"] == board_groups["Le temps"] == 4  # its dot, its card's, its hidden card's
    assert printed_group["cards"] == ["Horaires incompatibles"]  # a hidden card is not printed
    assert [(c["id"], c["votes"]) for c in column["cards"]] == [(loose, board_cards[loose])] == [(loose, 1)]
    assert hidden_loose not in board_cards and "Carte masquée seule" not in str(report)
    assert [(i["label"], i["votes"]) for i in report["ranking"]] == [("Le temps", 4), ("Locaux fermés le soir", 1)]

    login(facilitator)
    text = flat("\n".join(page_texts(read_pdf(client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf",
                                                          buffered=True).data))))
    text = re.sub(r"\s+", " ", text)
    assert "4 voix Le temps" in text and "Carte masquée" not in text
