"""What an import writes (map data, practice sheets), gathered while it reads and written at the end, together,
in one short window.

SQLite has one writer: from an import's first write to its commit, every card of every board waits (a 50,000-row
structures import held them 10 s with Python-side INSERTs). An import stays one transaction, so nothing of a
failed import is ever visible; but on SQLite `apply` first writes every row to TEMP tables, which live in the
connection's own temporary database and take no lock on the main one, and only then copies them into the real
tables with one INSERT ... SELECT (or UPDATE ... FROM) per table, which SQLite runs without returning to Python.
The staging tables take their columns from the model's table, with its Python-side defaults applied as SQLAlchemy
would have (and its types' conversions: JSON, booleans, dates).

A new row's id is known without RETURNING: SQLite gives a row without an id the largest id plus one, so the rows
of one INSERT ... SELECT ordered by their staging number take consecutive ids, ending at last_insert_rowid().
Rows can point at a row inserted earlier in the same `Writes` by its position (a structure's contacts), and get
its id in the copy. PostgreSQL locks rows, not the database: there `apply` runs the plain bulk statements.

Every read of the import must come before `apply`: on SQLite a read made after the first staged row (the
transaction's start) would pin a snapshot, and the copy would then fail if a card was saved meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, insert, literal, select, update
from sqlalchemy.orm import Session

from workshop import database

CHUNK = 2000  # staging rows per executemany (each statement's parameters stay small)


def table_of(target: Any) -> Table:
    return target if isinstance(target, Table) else target.__table__


@dataclass
class Inserted:
    """Rows to insert; after `apply`, `ids` holds their new ids in the same order (tables with an integer id)."""

    target: Any  # a model or a Table
    rows: list[dict]
    parent: Inserted | None = None  # rows[i][parent_key] is a position in parent.rows, replaced by its id
    parent_key: str | None = None
    ids: Sequence[int] = ()
    count: int = 0

    @property
    def table(self) -> Table:
        return table_of(self.target)


@dataclass
class Updated:
    target: Any
    rows: list[dict]  # each with the primary key and the columns to change

    @property
    def table(self) -> Table:
        return table_of(self.target)


def _defaults(columns: Sequence[Column], attribute: str, given: set[str]) -> dict[str, Any]:
    """The Python-side defaults (or onupdate values) SQLAlchemy would give the columns a statement leaves out."""
    values = {}
    for column in columns:
        default = getattr(column, attribute)
        if column.name in given or default is None:
            continue
        if default.is_scalar:
            values[column.name] = default.arg
        elif default.is_callable:
            values[column.name] = default.arg(None)  # SQLAlchemy's wrapper; our defaults ignore the context
    return values


def _one_shape(rows: list[dict]) -> list[dict]:
    """Rows that all name the same columns: on SQLite a column some rows left out would be NULL there (or fail
    NOT NULL) where PostgreSQL's bulk statements give its default: a caller's mistake, refused loudly."""
    keys = set(rows[0]) if rows else set()
    if any(set(row) != keys for row in rows):
        raise ValueError("the rows of one bulk write must name the same columns")
    return list(rows)


class Writes:
    """An import's inserts and updates, in the order they were asked for, written by `apply`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.steps: list[Inserted | Updated] = []
        self.after: list[Callable[[], None]] = []

    @property
    def sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    def insert(self, target: Any, rows: list[dict], *, parent: Inserted | None = None,
               parent_key: str | None = None) -> Inserted:
        step = Inserted(target, _one_shape(rows), parent, parent_key, count=len(rows))
        if step.rows:
            self.steps.append(step)
        return step

    def update(self, target: Any, rows: list[dict]) -> None:
        """Change rows by primary key (each row the same columns, as SQLAlchemy's bulk UPDATE wants). `target` is a
        mapped class: given a bare Table, SQLAlchemy's bulk UPDATE would have no WHERE and change every row."""
        if not hasattr(target, "__mapper__"):
            raise TypeError("update() takes a mapped class (its primary key finds the rows)")
        if rows:
            self.steps.append(Updated(target, _one_shape(rows)))

    def then(self, write: Callable[[], None]) -> None:
        """Run `write` once the rows are written (a write that needs their ids and cannot be staged)."""
        self.after.append(write)

    def apply(self) -> None:
        if self.sqlite:
            self._drop_staged()
            staged = []
            for number, step in enumerate(self.steps):  # locks nothing
                staged.append(self._stage(number, step))
                step.rows = []  # freed now: freeing 50,000 rows takes tens of ms, which the window would hold
            for step, temp in zip(self.steps, staged, strict=True):  # the window: statements in C, back to back
                self._copy(step, temp)
        else:
            for step in self.steps:
                self._write(step)
        for write in self.after:
            write()
        self.steps, self.after = [], []

    # --- SQLite: staged in TEMP tables, then copied --------------------------------------------------------

    def _drop_staged(self) -> None:
        """The staging tables of the connection's previous import (left there: dropping them after the copy would
        add to the write window)."""
        connection = self.session.connection()
        for name in connection.exec_driver_sql(
                "SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE 'staged!_%' ESCAPE '!'"
        ).scalars().all():
            connection.exec_driver_sql(f'DROP TABLE temp."{name}"')

    def _stage(self, number: int, step: Inserted | Updated) -> Table:
        """One step's rows in a TEMP table."""
        table = step.table
        given = set(step.rows[0])  # every row names the same columns (`_one_shape`)
        if isinstance(step, Inserted):
            columns = [c for c in table.columns if c is not table.autoincrement_column]
            defaults = _defaults(columns, "default", given)
        else:
            defaults = _defaults(list(table.columns), "onupdate", given)
        names = sorted(given | set(defaults))
        temp = Table(f"staged_{number}_{table.name}", MetaData(), Column("n", Integer, primary_key=True),
                     *(Column(name, table.c[name].type) for name in names), schema="temp", prefixes=["TEMPORARY"])
        connection = self.session.connection()
        connection.info[database.STAGED] = True  # dropped when the connection goes back to the pool
        temp.create(connection)
        statement = insert(temp)
        rows = step.rows
        for start in range(0, len(rows), CHUNK):  # every row with every column, one chunk at a time (memory)
            connection.execute(statement, [{"n": start + i, **defaults, **row}
                                           for i, row in enumerate(rows[start:start + CHUNK])])
        return temp

    def _copy(self, step: Inserted | Updated, temp: Table) -> None:
        connection = self.session.connection()
        table = step.table
        names = [c.name for c in temp.columns if c.name != "n"]
        if isinstance(step, Updated):
            keys = [c.name for c in table.primary_key]
            connection.execute(update(table).values({name: temp.c[name] for name in names if name not in keys})
                               .where(*(table.c[key] == temp.c[key] for key in keys)))
            return
        source = [temp.c[name] for name in names]
        if step.parent is not None:
            first = step.parent.ids[0]
            source = [column + literal(first) if column.name == step.parent_key else column for column in source]
        connection.execute(insert(table).from_select(names, select(*source).order_by(temp.c.n)))
        if table.autoincrement_column is not None:
            written, last = connection.exec_driver_sql("SELECT changes(), last_insert_rowid()").one()
            if written != step.count:  # the ids below would be wrong: children attached to other rows
                raise RuntimeError(f"{table.name}: {written} rows copied of {step.count}")
            step.ids = range(last - step.count + 1, last + 1)

    # --- other databases: the bulk statements --------------------------------------------------------------

    def _write(self, step: Inserted | Updated) -> None:
        """The model's bulk INSERT or UPDATE by primary key (its defaults and onupdate values by SQLAlchemy)."""
        if isinstance(step, Updated):
            self.session.execute(update(step.target), step.rows)
            return
        rows = step.rows
        if step.parent is not None:
            ids = step.parent.ids
            rows = [{**row, step.parent_key: ids[row[step.parent_key]]} for row in rows]
        column = step.table.autoincrement_column
        if column is None:
            self.session.execute(insert(step.target), rows)
            return
        statement = insert(step.target).returning(column, sort_by_parameter_order=True)
        step.ids = list(self.session.scalars(statement, rows))
