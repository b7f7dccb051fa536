"""The kernel keeps a board's own rows (the board, its columns, its steering) from one batch of cards to the next
(workshop/live/kept.py): a change of them, by a command of this process or of another one, is seen by the next
card all the same."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.errors import Closed, ValidationError
from workshop.extensions import db
from workshop.facilitation.models import BoardControl
from workshop.live.kernel import current_kernel


@pytest.fixture
def seats(app, board):
    """(workshop id, facilitator's seat id, a participant's seat id), committed."""
    workshop, facilitator, (alice, *_) = board()
    ids = workshop.id, facilitator.id, alice.id
    db.session.remove()
    return ids


def post(app, workshop_id: int, seat: int, text: str, column: str = "obstacle") -> dict:
    """A command as the socket front runs it: the seat's id, a fresh session per event."""
    with app.test_request_context():
        try:
            return current_kernel().perform(db.session, seat, "card.add", {
                "client_id": f"c{abs(hash((text, seat)))}", "column": column, "text": text},
                rate_limited=False, workshop_id=workshop_id).ack
        finally:
            db.session.remove()


def steer(app, workshop_id: int, seat: int, name: str, payload: dict) -> dict:
    with app.test_request_context():
        try:
            return current_kernel().perform(db.session, seat, name, payload, rate_limited=False,
                                            workshop_id=workshop_id).ack
        finally:
            db.session.remove()


def test_a_card_after_other_cards_reads_neither_the_board_nor_its_columns_nor_its_steering(app, seats):
    workshop_id, _facilitator, alice = seats
    post(app, workshop_id, alice, "Première")
    read: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            read.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        ack = post(app, workshop_id, alice, "Deuxième")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert ack["card"]["text"] == "Deuxième"
    assert not [s for s in read if any(f"FROM {table}" in s for table in ("workshop", "board_column",
                                                                          "board_control"))], read


def test_a_column_added_a_lock_and_a_closing_are_seen_by_the_next_card(app, seats):
    workshop_id, facilitator, alice = seats
    post(app, workshop_id, alice, "Avant")
    with pytest.raises(ValidationError):
        post(app, workshop_id, alice, "Nulle part", column="idees")
    steer(app, workshop_id, facilitator, "column.add", {"label": "Idées", "key": "idees"})
    assert post(app, workshop_id, alice, "Dans la nouvelle colonne", column="idees")["card"]["column"] == "idees"
    steer(app, workshop_id, facilitator, "board.lock", {"locked": True})
    with pytest.raises(Closed):
        post(app, workshop_id, alice, "Verrouillé")
    steer(app, workshop_id, facilitator, "board.lock", {"locked": False})
    post(app, workshop_id, alice, "Déverrouillé")
    steer(app, workshop_id, facilitator, "workshop.close", {})
    with pytest.raises(Closed):
        post(app, workshop_id, alice, "Fermé")


def test_a_lock_by_another_process_is_seen_by_the_next_card(app, seats):
    """Another process's command takes the board's seq in the database: this process's kept rows are then read
    again (here that command is played by another connection)."""
    workshop_id, _facilitator, alice = seats
    post(app, workshop_id, alice, "Avant")
    with app.app_context(), Session(db.engine) as other:
        row = other.get(BoardControl, workshop_id)
        if row is None:
            row = BoardControl(workshop_id=workshop_id, phase_key="write", locked=False, votes_revealed=False,
                               timer_lock_on_end=False, timer_token=0)
            other.add(row)
        row.locked = True
        other.execute(update(Workshop).where(Workshop.id == workshop_id).values(last_seq=Workshop.last_seq + 1))
        other.commit()
    with pytest.raises(Closed):
        post(app, workshop_id, alice, "Verrouillé ailleurs")
    with app.app_context():
        assert boards.current_seq(db.session, workshop_id) == 2  # the refused card left no seq taken

