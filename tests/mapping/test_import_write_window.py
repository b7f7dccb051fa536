"""The imports and the live boards: on SQLite (one writer) an import's rows are written where they lock nothing,
so a card posted meanwhile is saved at once, whatever the import (structures, annuaire, QPV list, QPV outlines);
the import stays all or nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.import_window import card_posted_while_importing
from tests.mapping.conftest import annuaire_file, annuaire_row
from workshop import writes
from workshop.boards.models import Card
from workshop.extensions import db
from workshop.mapping.imports.run import run_import
from workshop.mapping.models import Qpv, Structure, StructureContact

HEADER = "type;nom;uai;code_insee;commune;role_contact\r\n"
ROWS = 200


def structures_csv(rows: int) -> bytes:
    return (HEADER + "".join(f"ecole_primaire;École n°{i};{i:07d}A;93066;Saint-Denis;directeur_ecole\r\n"
                             for i in range(rows))).encode()


def renamed_csv(rows: int) -> bytes:
    """The schools of `structures_csv`, renamed, each with a new contact role (a re-import that changes them)."""
    return structures_csv(rows).replace("École n°".encode(), "Groupe scolaire n°".encode()).replace(
        b"directeur_ecole", b"referent_familles")


def annuaire_csv(rows: int) -> bytes:
    return annuaire_file(*(annuaire_row(f"{i:07d}A", name=f"École n°{i}", insee=f"{93001 + i % 40}",
                                        city=f"Commune {i % 40}") for i in range(rows)))


def qpv_csv(rows: int) -> bytes:
    return ("code_qp;lib_qp;insee_com\r\n" + "".join(f"QN0930{i:03d}M;Quartier n°{i};{93001 + i % 40}\r\n"
                                                    for i in range(rows))).encode()


def square(lon: float, lat: float, side: float = 0.001) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + side, lat], [lon + side, lat + side],
                                                [lon, lat + side], [lon, lat]]]}


def outlines_geojson(rows: int) -> bytes:
    features = [{"type": "Feature", "properties": {"code_qp": f"QN0930{i:03d}M", "lib_qp": f"Quartier n°{i}"},
                 "geometry": square(2.30 + i * 0.002, 48.90)} for i in range(rows)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def structures_inside_outlines(app, make_structure) -> None:
    """Structures standing in the outlines of `outlines_geojson`: the import marks them (its later writes)."""
    for i in range(0, ROWS, 2):
        make_structure(f"Centre n°{i}", lat=48.9005, lon=2.3005 + i * 0.002)


# format: the file, the statement and rows during which a card is posted (the import's last rows), what it writes
CASES = {
    "structures": (structures_csv, "", "École n°1", lambda: db.session.scalar(select(func.count()).select_from(
        StructureContact)) == ROWS),
    "structures, again": (renamed_csv, "structure_contact", "referent_familles", lambda: db.session.scalar(
        select(func.count()).select_from(StructureContact)) == 2 * ROWS and db.session.scalar(
        select(func.count(Structure.id)).where(Structure.name.startswith("Groupe scolaire"))) == ROWS),
    "annuaire": (annuaire_csv, "", "École n°1", lambda: db.session.scalar(select(func.count(Structure.id))) == ROWS),
    "qpv": (qpv_csv, "", "Quartier n°1", lambda: db.session.scalar(select(func.count()).select_from(Qpv)) == ROWS),
    "qpv-outlines": (outlines_geojson, "structure", "QN0930002M", lambda: db.session.scalar(
        select(func.count(Structure.id)).where(Structure.qpv_code.is_not(None))) == ROWS // 2),
}


@pytest.mark.parametrize("fmt", list(CASES))
def test_a_card_posted_while_an_import_writes_its_rows_is_saved_before_the_import_ends(
        app, board_client, code, monkeypatch, make_structure, fmt):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "sqlite":
        pytest.skip("SQLite's single writer: on PostgreSQL a card never waits for an import's rows")
    make_file, marker_in, marker, written = CASES[fmt]
    if fmt == "structures, again":
        with app.app_context():
            run_import(db.session, structures_csv(ROWS), "structures")
            db.session.commit()
        fmt = "structures"
    if fmt == "qpv-outlines":
        structures_inside_outlines(app, make_structure)
    monkeypatch.setattr(writes, "CHUNK", 40)  # several chunks of rows from a small file
    nadia = board_client(code, "Nadia")

    def import_file():
        with app.app_context():
            report = run_import(db.session, make_file(ROWS), fmt)
            db.session.commit()
            return report

    # paused while it sends its last rows to the database
    posted, finished = card_posted_while_importing(
        app, nadia, lambda statement, parameters: marker_in in statement and marker in parameters, import_file)
    assert posted and posted[0]["ok"], posted
    assert finished and not finished[0].error, finished and finished[0].error
    with app.app_context():
        assert written()
        assert db.session.scalars(select(Card.text)).all() == ["Posté pendant l'import"]


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Structure)),
                db.session.scalar(select(func.count()).select_from(StructureContact)))


def test_an_import_failing_after_its_rows_are_written_leaves_nothing_and_the_next_one_works(app, monkeypatch):
    def then_fail(write):
        def written(self, step, *args):
            write(self, step, *args)
            if step.table.name == "structure_contact":  # the structures are written, then their contacts
                raise OperationalError("INSERT INTO structure_contact", {}, Exception("disk I/O error"))
        return written

    monkeypatch.setattr(writes.Writes, "_copy", then_fail(writes.Writes._copy))  # SQLite
    monkeypatch.setattr(writes.Writes, "_write", then_fail(writes.Writes._write))  # PostgreSQL
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


@pytest.mark.parametrize("finish", ["commit", "rollback"])
def test_the_staged_rows_leave_the_connection_with_the_import(app, finish):
    """An import's staging tables hold the whole file (contacts' e-mails included): gone once its connection is
    back in the pool, whether the import was kept or rolled back (they stayed until that connection's next import)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the staging tables are SQLite's (TEMP tables)")
    with app.app_context(), engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # stays open in the pool
        session = Session(bind=connection)
        report = run_import(session, structures_csv(50), "structures")
        assert not report.error
        staged = raw.execute("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'staged%'").fetchone()[0]
        getattr(session, finish)()
        session.close()
    assert staged > 0  # the import did stage
    assert raw.execute("SELECT name FROM sqlite_temp_master").fetchall() == []


def test_rows_of_one_bulk_write_must_name_the_same_columns(app):
    """On SQLite a column some rows left out was NULL there (or failed NOT NULL) where PostgreSQL gives its
    default; and an UPDATE given a bare table would change every row on PostgreSQL: both refused."""
    with app.app_context():
        queued = writes.Writes(db.session)
        with pytest.raises(ValueError):
            queued.insert(Structure, [{"name": "A", "address": "1 rue"}, {"name": "B"}])
        with pytest.raises(TypeError):
            queued.update(Structure.__table__, [{"id": 1, "name": "A"}])
