"""Demo cards written by parents in their own language (#18): the facilitator sees each card's language tag."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.boards import service as boards
from workshop.boards.models import Card, Workshop
from workshop.live.kernel import current_kernel

# (name, language, column, text): what parents of the neighbourhood wrote on their phones.
CARDS_IN_OTHER_LANGUAGES = (
    ("Amal", "ar", "obstacle", "لا أفهم دائمًا الرسائل التي ترسلها المدرسة."),
    ("Ayşe", "tr", "lever", "Okulda Türkçe konuşan bir anne bize yardım etti."),
    ("Ioana", "ro", "method", "Întâlniri scurte cu părinții, cu o traducătoare."),
)


def seed_cards_in_other_languages(session: Session, workshop: Workshop) -> None:
    """Post the parents' cards through the board kernel; the CLI has no page language, so each card's
    language is then set as the parent's page would have set it."""
    for name, language, column, text in CARDS_IN_OTHER_LANGUAGES:
        parent = boards.join(session, {"code": workshop.code, "name": name}).participant
        client_id = uuid.uuid4().hex
        current_kernel().perform(session, parent, "card.add", {"client_id": client_id, "column": column,
                                                               "text": text}, rate_limited=False)
        card = session.scalar(select(Card).where(Card.workshop_id == workshop.id, Card.client_id == client_id))
        card.language = language
    session.flush()
