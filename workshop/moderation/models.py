"""Reports ("Signaler") on cards, sheets, structures and links, and what the coordinators decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db

TARGETS = ("card", "practice", "structure", "link")
STATUSES = ("open", "hidden", "edited", "dismissed")


class Report(db.Model):
    """Someone reported something with a reason. The reporter is kept (an account or a board seat, and the name
    shown) so coordinators can ask back; it is personal data: exported, erased and purged with the rest."""

    __tablename__ = "content_report"
    __table_args__ = (Index("ix_content_report_status_target", "status", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(String(500), default="")
    excerpt: Mapped[str] = mapped_column(String(200), default="")  # what was reported, as it read then
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         index=True)
    reporter_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"),
                                                                index=True)
    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
