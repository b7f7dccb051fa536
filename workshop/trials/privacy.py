"""Trials hold an account's words and name: the privacy domain exports and erases them through these functions.

Erasing an account does to its trials what it does to its cards: the words go. An approved trial stays as a
count (a structure tried the sheet on that date: the programme's evidence) without its text or its author's
name; pending and refused trials, which nobody else relies on, go entirely.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from workshop.practices import index as practice_index
from workshop.trials.models import Trial


def export_of_account(session: Session, user_id: int) -> list[dict]:
    rows = session.execute(select(Trial).where(Trial.author_id == user_id).order_by(Trial.id)).scalars()
    return [{"id": t.id, "practice_id": t.practice_id, "structure_id": t.structure_id,
             "tried_on": t.tried_on.isoformat(), "with_whom": t.with_whom, "changes": t.changes,
             "adaptations": t.adaptations, "recommend": t.recommend, "status": t.status, "refusal": t.refusal,
             "created_at": t.created_at.isoformat() if t.created_at else None} for t in rows]


def erase_account(session: Session, user_id: int, erased_name: str) -> dict:
    removed = session.execute(delete(Trial).where(Trial.author_id == user_id, Trial.status != "approved")).rowcount
    kept = session.execute(update(Trial).where(Trial.author_id == user_id).values(
        with_whom="", changes="", adaptations="", author_name=erased_name)).rowcount
    if removed:
        practice_index.touch(session)
    return {"trials_removed": removed, "trials_kept_without_text": kept}
