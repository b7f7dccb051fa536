"""A practices import and the live boards: on SQLite (one writer) the new sheets are written where they lock
nothing, so a card posted while the import sends them is saved at once; the import stays all or nothing."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import event, func, select

from workshop import writes
from workshop.accounts.models import User
from workshop.boards.models import Card
from workshop.extensions import db
from workshop.practices import exchange, search
from workshop.practices.models import Practice, PracticeVersion

SHEETS = 120


def export(count: int) -> dict:
    items = [{"uuid": str(uuid.UUID(int=i + 1)), "title": f"Fiche n°{i} repere{i:03d}", "status": "published",
              "summary": "Un café des parents.", "levers": "<p>Un interprète bénévole.</p>", "versions": []}
             for i in range(count)]
    return {"format": exchange.FORMAT, "format_version": exchange.FORMAT_VERSION, "practices": items}


def test_a_card_posted_while_sheets_are_imported_is_saved_before_the_import_ends(app, board_client, code,
                                                                                 make_user, monkeypatch):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "sqlite":
        pytest.skip("SQLite's single writer: on PostgreSQL a card never waits for an import's rows")
    admin_id = make_user("admin").id
    monkeypatch.setattr(writes, "CHUNK", 40)  # several chunks of rows from a small file
    nadia = board_client(code, "Nadia")
    posted: list[dict] = []
    finished: list = []

    def post_while_sheets_are_written(_conn, _cursor, statement, parameters, _context, _executemany):
        # The import is paused here, sending its sheets to the database: a card is posted and its answer awaited
        # before the import may go on (on SQLite that waited for the import's commit, and failed).
        if not posted and "practice" in statement and "Fiche n°1 " in str(parameters)[:4000]:
            posted.append(nadia.add_card("Posté pendant l'import"))

    def import_in_background() -> None:
        with app.test_request_context():
            reports = exchange.import_practices(db.session, db.session.get(User, admin_id), export(SHEETS))
            db.session.commit()
            finished.append(reports)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", post_while_sheets_are_written)
    try:
        worker = threading.Thread(target=import_in_background)
        worker.start()
        worker.join(120)
    finally:
        event.remove(engine, "before_cursor_execute", post_while_sheets_are_written)
    assert posted and posted[0]["ok"], posted
    assert finished and [r.outcome for r in finished[0]] == ["created"] * SHEETS
    with app.app_context():
        assert db.session.scalars(select(Card.text)).all() == ["Posté pendant l'import"]
        assert db.session.scalar(select(func.count(PracticeVersion.id))) == SHEETS
        found = search.search(db.session, search.Query(text="repere007"), None)  # indexed with the right id
        assert [h.practice.title for h in found.hits] == ["Fiche n°7 repere007"]
        assert db.session.scalar(select(func.count(Practice.id))) == SHEETS
