"""Fixtures of the personal-data tests: a board with a facilitator and two participants who wrote things."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.board_helpers import act
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db


@dataclass
class Board:
    workshop_id: int
    code: str
    facilitator_id: int
    nadia_id: int
    nadia_token: str
    karim_id: int
    karim_token: str
    nadia_card: int
    karim_card: int
    nadia_reply: int


@pytest.fixture
def facilitator(make_user):
    return make_user("facilitator", name="Samia Animatrice")


@pytest.fixture
def written(session, facilitator):
    """A workshop where Nadia and Karim each posted a card, and Nadia replied under Karim's card."""

    def make(title: str = "Atelier RGPD") -> Board:
        user = db.session.get(User, facilitator.id)
        workshop = boards.create_workshop(session, user, title)
        host = boards.join(session, {"code": workshop.code}, user).participant
        nadia = boards.join(session, {"code": workshop.code, "name": "Nadia"})
        karim = boards.join(session, {"code": workshop.code, "name": "Karim"})
        session.commit()
        n_card = act(session, nadia.participant, "card.add",
                     {"client_id": "n1", "column": "obstacle", "text": "La famille Martin ne vient plus"}).card
        k_card = act(session, karim.participant, "card.add",
                     {"client_id": "k1", "column": "lever", "text": "Café des parents le jeudi"}).card
        reply = act(session, nadia.participant, "reply.add",
                    {"client_id": "r1", "card_id": k_card["id"], "text": "Réponse de Nadia sur le café"}).extra
        return Board(workshop.id, workshop.code, host.id, nadia.participant.id, nadia.token, karim.participant.id,
                     karim.token, n_card["id"], k_card["id"], reply["reply"]["id"])

    return make
