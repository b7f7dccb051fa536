"""Reports hold personal data (who reported, their words, a copy of the card reported): the privacy domain
exports, erases and purges it through these functions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workshop.moderation.models import Report


def _as_dict(report: Report) -> dict:
    return {"id": report.id, "target": report.target_kind, "target_id": report.target_id, "reason": report.reason,
            "details": report.details, "status": report.status,
            "created_at": report.created_at.isoformat() if report.created_at else None}


def export_of_seat(session: Session, participant_id: int) -> list[dict]:
    return [_as_dict(r) for r in session.scalars(select(Report).where(
        Report.reporter_participant_id == participant_id).order_by(Report.id))]


def export_of_account(session: Session, user_id: int) -> list[dict]:
    return [_as_dict(r) for r in session.scalars(select(Report).where(
        Report.reporter_user_id == user_id).order_by(Report.id))]


def erase_on_board(session: Session, workshop_id: int, participant_ids: list[int] | None,
                   card_ids: set[int]) -> None:
    """Erased seats lose their reports' identity and words; erased cards lose the copy kept in reports."""
    reporters = select(Report.id).where(Report.workshop_id == workshop_id)
    if participant_ids is not None:
        reporters = select(Report.id).where(Report.reporter_participant_id.in_(participant_ids))
    session.execute(update(Report).where(Report.id.in_(reporters)).values(
        reporter_name="", details="", reporter_participant_id=None))
    if card_ids:
        session.execute(update(Report).where(Report.target_kind == "card", Report.target_id.in_(card_ids))
                        .values(excerpt=""))


def erase_account(session: Session, user_id: int) -> int:
    return session.execute(update(Report).where(Report.reporter_user_id == user_id).values(
        reporter_user_id=None, reporter_name="", details="")).rowcount


def purge_decided(session: Session, cutoff: datetime, *, dry_run: bool = False) -> int:
    """Decided reports older than the retention period keep the decision, not who reported or their words."""
    old = (Report.status != "open", Report.decided_at < cutoff,
           or_(Report.reporter_name != "", Report.details != "", Report.reporter_user_id.is_not(None),
               Report.reporter_participant_id.is_not(None)))
    if dry_run:
        return len(session.scalars(select(Report.id).where(*old)).all())
    return session.execute(update(Report).where(*old).values(
        reporter_user_id=None, reporter_participant_id=None, reporter_name="", details="")).rowcount
