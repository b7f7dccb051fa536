"""Practices tried in the field: a member says "nous l'avons essayée" on a published sheet, for a structure of
the map; a coordinator of that structure's networks (or an admin) approves it before anyone else sees it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.mapping.models import Structure
from workshop.practices.models import Practice

STATUSES = ("pending", "approved", "refused")
RECOMMENDATIONS = ("yes", "conditions", "no")


class Trial(db.Model):
    """One try of a practice sheet at one structure. Free text (`with_whom`, `changes`, `adaptations`) is plain
    text, shown escaped; `refusal` says why a coordinator refused it. Only `approved` trials are public."""

    __tablename__ = "practice_trial"
    __table_args__ = (Index("ix_practice_trial_status_practice", "status", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    tried_on: Mapped[date]
    with_whom: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[str] = mapped_column(Text, default="")
    adaptations: Mapped[str] = mapped_column(Text, default="")
    recommend: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    refusal: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    author_name: Mapped[str] = mapped_column(String(120), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    practice: Mapped[Practice] = relationship()
    structure: Mapped[Structure] = relationship()
