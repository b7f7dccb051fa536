"""A practices import and the live boards: on SQLite (one writer) the new sheets are written where they lock
nothing, so a card posted while the import sends them is saved at once; the import stays all or nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from tests.import_window import card_posted_while_importing
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

    def import_sheets():
        with app.test_request_context():
            reports = exchange.import_practices(db.session, db.session.get(User, admin_id), export(SHEETS))
            db.session.commit()
            return reports

    # paused while it sends its sheets to the database
    posted, finished = card_posted_while_importing(
        app, nadia, lambda statement, parameters: "practice" in statement and "Fiche n°1 " in parameters,
        import_sheets)
    assert posted and posted[0]["ok"], posted
    assert finished and [r.outcome for r in finished[0]] == ["created"] * SHEETS
    with app.app_context():
        assert db.session.scalars(select(Card.text)).all() == ["Posté pendant l'import"]
        assert db.session.scalar(select(func.count(PracticeVersion.id))) == SHEETS
        found = search.search(db.session, search.Query(text="repere007"), None)  # indexed with the right id
        assert [h.practice.title for h in found.hits] == ["Fiche n°7 repere007"]
        assert db.session.scalar(select(func.count(Practice.id))) == SHEETS
