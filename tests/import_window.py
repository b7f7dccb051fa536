"""A card posted while an import writes (the import write-window tests of mapping and practices): the import runs
in a thread; at the first statement it sends that matches, it waits while a participant posts a card and gets its
answer (on SQLite, with the import holding the writer, that answer was `unavailable`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event

from workshop.extensions import db


def card_posted_while_importing(app, poster, matches: Callable[[str, str], bool],
                                run: Callable[[], object]) -> tuple[list[dict], list]:
    """Returns ([the card's answer] or [], [what `run` returned] or []); `matches(statement, parameters)` picks the
    statement, `run` imports and commits."""
    posted: list[dict] = []
    finished: list = []

    def post_while_rows_are_written(_conn, _cursor, statement, parameters, _context, _executemany):
        if not posted and matches(statement, str(parameters)):
            posted.append(poster.add_card("Posté pendant l'import"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", post_while_rows_are_written)
    try:
        worker = threading.Thread(target=lambda: finished.append(run()))
        worker.start()
        worker.join(120)
    finally:
        event.remove(engine, "before_cursor_execute", post_while_rows_are_written)
    return posted, finished
