"""A structures import and the live boards: on SQLite (one writer) the import's rows are written where they lock
nothing, so a card posted meanwhile is saved at once; the import stays all or nothing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from workshop.boards.models import Card
from workshop.extensions import db
from workshop.mapping.imports import staging
from workshop.mapping.imports import structures as structures_import
from workshop.mapping.imports.run import run_import
from workshop.mapping.models import Structure, StructureContact

HEADER = "type;nom;uai;code_insee;commune;role_contact\r\n"


def structures_csv(rows: int) -> bytes:
    return (HEADER + "".join(f"ecole_primaire;École n°{i};{i:07d}A;93066;Saint-Denis;directeur_ecole\r\n"
                             for i in range(rows))).encode()


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Structure)),
                db.session.scalar(select(func.count()).select_from(StructureContact)))


def test_a_card_posted_while_an_import_writes_its_rows_is_saved_before_the_import_ends(app, board_client, code,
                                                                                       monkeypatch):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "sqlite":
        pytest.skip("SQLite's single writer: on PostgreSQL a card never waits for an import's rows")
    monkeypatch.setattr(staging, "CHUNK", 40)  # several chunks of rows from a small file
    nadia = board_client(code, "Nadia")
    posted: list[dict] = []
    finished: list = []

    def post_while_rows_are_written(_conn, _cursor, _statement, parameters, _context, _executemany):
        # The import is paused here, sending its structures' rows to the database: a card is posted and its
        # answer awaited before the import may go on (on SQLite that waited for the import's commit).
        if not posted and "École n°1" in str(parameters)[:4000]:
            posted.append(nadia.add_card("Posté pendant l'import"))

    def import_in_background() -> None:
        with app.app_context():
            report = run_import(db.session, structures_csv(200), "structures")
            db.session.commit()
            finished.append(report)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", post_while_rows_are_written)
    try:
        worker = threading.Thread(target=import_in_background)
        worker.start()
        worker.join(120)
    finally:
        event.remove(engine, "before_cursor_execute", post_while_rows_are_written)
    assert posted and posted[0]["ok"], posted
    assert finished and finished[0].counts["created"] == 200 and not finished[0].error
    assert counts(app) == (200, 200)
    with app.app_context():
        assert db.session.scalars(select(Card.text)).all() == ["Posté pendant l'import"]


def test_an_import_failing_after_its_rows_are_written_leaves_nothing_and_the_next_one_works(app, monkeypatch):
    def fail(*_args, **_kwargs):
        raise OperationalError("INSERT INTO structure_network", {}, Exception("disk I/O error"))

    monkeypatch.setattr(structures_import, "_link_networks", fail)  # runs after the new rows and contacts
    with app.app_context():
        report = run_import(db.session, structures_csv(120), "structures")
        assert report.error and "disk I/O error" in report.error and not report.should_commit
        db.session.rollback()
        db.session.commit()
    assert counts(app) == (0, 0)
    monkeypatch.undo()
    with app.app_context():
        report = run_import(db.session, structures_csv(120), "structures")
        db.session.commit()
        assert report.counts["created"] == 120
        ids = db.session.scalars(select(StructureContact.structure_id).order_by(StructureContact.id)).all()
        names = dict(db.session.execute(select(Structure.id, Structure.name)).all())
        assert [names[i] for i in ids] == [f"École n°{i}" for i in range(120)]  # each contact on its own school
    assert counts(app) == (120, 120)
