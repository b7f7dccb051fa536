"""A workshop, its board (columns, cards) and its participants (the event log is the live kernel's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User


class Workshop(db.Model):
    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    held_on: Mapped[date | None]
    format_key: Mapped[str] = mapped_column(String(40), default="freins-leviers")
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    last_seq: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Moderated mode: participants' new cards wait in the facilitator's inbox until accepted (boards.inbox).
    moderated: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    facilitator: Mapped[User] = relationship()
    columns: Mapped[list[BoardColumn]] = relationship(
        back_populates="workshop", order_by="BoardColumn.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class BoardColumn(db.Model):
    __tablename__ = "board_column"
    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label_fr: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80))
    color: Mapped[str] = mapped_column(String(16), default="#fde68a")
    prompt: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="columns")


class Participant(db.Model):
    """Someone on a board: a person without an account (by name and token) or a logged-in user."""

    __tablename__ = "participant"
    __table_args__ = (Index("ix_participant_workshop_user", "workshop_id", "user_id"),
                      Index("ix_participant_workshop_person", "workshop_id", "person"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User | None] = relationship()
    role: Mapped[str] = mapped_column(String(20), default="participant")  # participant | facilitator
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime | None]
    # The person behind this seat, whatever name they join under (see live.devices): budgets such
    # as dots count per person, so re-joining under a new name gives no new budget.
    person: Mapped[str | None] = mapped_column(String(64))
    # "Je viens de..." (boards.profiles.PROFILE_KINDS) and the structure, both optional and said at join: the
    # facilitator sees the balance of who is in the room; never shown to other participants.
    profile: Mapped[str | None] = mapped_column(String(20))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id", ondelete="SET NULL"), index=True)


class Card(db.Model):
    __tablename__ = "card"
    __table_args__ = (UniqueConstraint("workshop_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    column_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Written in a private phase and not yet revealed: only its author sees the text.
    private: Mapped[bool] = mapped_column(default=False)
    table_no: Mapped[int | None]  # world café: the author's table when posted in a round column
    # The language the card was written in (the author's page language at card.add): provenance for
    # facilitators, exports and practice sheets; never shown to other participants.
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    deleted: Mapped[bool] = mapped_column(default=False)
    # Posted in moderated mode and not yet accepted: only its author and moderators know of it.
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime | None]

    participant: Mapped[Participant | None] = relationship()
