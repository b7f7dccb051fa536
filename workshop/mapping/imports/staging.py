"""New structures written to SQLite with the write lock held for a few statements in C, not for the import.

SQLite has one writer: from an import's first write to its commit, every card of every board waits (a 50,000-row
structures import held them 10 s, its Python-side INSERTs taking 8 of them). The import stays one transaction,
so nothing of a failed import is ever visible; but its rows are first written to a TEMP table, which lives in
the connection's own temporary database and takes no lock on the main one, and only then copied into the real
tables by one INSERT ... SELECT per table, which SQLite runs without returning to Python.

A new structure's id is known without RETURNING: SQLite gives a row without an id the largest id plus one, so
the rows of one INSERT ... SELECT ordered by their staging number take consecutive ids, ending at
last_insert_rowid(). PostgreSQL locks rows, not the database: it keeps the plain bulk INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from workshop.mapping.imports.store import chunks

COLUMNS = ("kind", "name", "uai", "siret", "address", "postcode", "city_insee", "latitude", "longitude", "priority",
           "qpv_code", "qpv_manual", "public", "validated", "source")
CHUNK = 2000  # staging rows per executemany (each statement's parameters stay small)


def usable(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def stage(session: Session, rows: Sequence[dict[str, Any]], contacts: Sequence[tuple[int, str, str | None]]) -> None:
    """Write the new structures (and their contacts, by the structure's position in `rows`) to TEMP tables:
    no lock on the database, so cards go on meanwhile."""
    run = session.connection().exec_driver_sql
    run("DROP TABLE IF EXISTS temp.staged_structure")
    run("DROP TABLE IF EXISTS temp.staged_contact")
    run(f"CREATE TEMP TABLE staged_structure (n INTEGER PRIMARY KEY, {', '.join(COLUMNS)})")
    run("CREATE TEMP TABLE staged_contact (n INTEGER, role, email)")
    insert = f"INSERT INTO temp.staged_structure VALUES (?, {', '.join('?' for _c in COLUMNS)})"
    for part in chunks([(n, *(row[c] for c in COLUMNS)) for n, row in enumerate(rows)], CHUNK):
        run(insert, part)
    for part in chunks(list(contacts), CHUNK):
        run("INSERT INTO temp.staged_contact VALUES (?, ?, ?)", part)


def copy(session: Session, count: int) -> int:
    """Copy the staged structures and contacts into the real tables (the write lock is taken here and kept until
    the import commits); returns the id of the first new structure, the others following in staging order."""
    run = session.connection().exec_driver_sql
    columns = ", ".join(COLUMNS)
    run(f"INSERT INTO structure ({columns}, created_at, updated_at) "
        f"SELECT {columns}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM temp.staged_structure ORDER BY n")
    first = run("SELECT last_insert_rowid()").scalar_one() - count + 1
    run("INSERT INTO structure_contact (structure_id, role, email) "
        "SELECT ? + n, role, email FROM temp.staged_contact ORDER BY rowid", (first,))
    run("DROP TABLE temp.staged_structure")
    run("DROP TABLE temp.staged_contact")
    return first
