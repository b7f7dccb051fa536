"""Facilitation of a board: its phase and timer, groups of cards, dot votes, reactions, replies, undo, formats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from workshop.extensions import db


class BoardControl(db.Model):
    """What the facilitator steers on one board: phase, lock, reveals, timer, spotlight (one row per workshop)."""

    __tablename__ = "board_control"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    phase_key: Mapped[str] = mapped_column(String(40), default="")
    locked: Mapped[bool] = mapped_column(default=False)
    votes_revealed: Mapped[bool] = mapped_column(default=False)
    # Timer: running -> ends_at; paused -> remaining; stopped -> both empty.
    timer_ends_at: Mapped[datetime | None]
    timer_remaining: Mapped[float | None]
    timer_duration: Mapped[float | None]
    timer_lock_on_end: Mapped[bool] = mapped_column(default=False)
    timer_token: Mapped[int] = mapped_column(default=0)  # bumps on each change; a stale expiry does nothing
    spotlight: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # `workshop.control`: the row read once per loaded board, absent included (a board nobody has steered yet
    # has none; `session.get` asks the database again for a missing row on every card, 10 % of the CPU at 200
    # cards/s). The database deletes the row with its board.
    workshop = relationship("Workshop", backref=backref("control", uselist=False, passive_deletes=True))


class CardGroup(db.Model):
    """Cards gathered under a name (kind "group") or near-identical cards merged into one (kind "merge")."""

    __tablename__ = "card_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    column_key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(10), default="group")  # group | merge
    position: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[bool] = mapped_column(default=False)  # kept so undo can bring it back
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CardPlacement(db.Model):
    """Where a card sits beyond its column: its group and its rank (no row = loose, in posting order)."""

    __tablename__ = "card_placement"

    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("card_group.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Vote(db.Model):
    """One dot: a participant puts it on a card or a group; several rows = several dots."""

    __tablename__ = "vote"
    __table_args__ = (Index("ix_vote_workshop_participant", "workshop_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(10))  # card | group
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Reaction(db.Model):
    __tablename__ = "card_reaction"
    __table_args__ = (UniqueConstraint("card_id", "participant_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))


class Reply(db.Model):
    __tablename__ = "card_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TableSeat(db.Model):
    """The world café table a participant chose (no row: assigned round-robin by order of arrival)."""

    __tablename__ = "table_seat"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    table_no: Mapped[int]


class UndoStep(db.Model):
    """The inverse of a facilitator's move, replayed by `undo` (last in, first out)."""

    __tablename__ = "undo_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    op: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)


class NextStep(db.Model):
    """A follow-up the group agreed on ("suites à donner"): what, who, by when; printed in the workshop report."""

    __tablename__ = "next_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
