"""A meeting (rencontre): its programme of timed items and workshops, registrations, and the organisers'
preparation checklist."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

# The network(s) organising a meeting: their coordinators organise it too.
meeting_network = Table(
    "meeting_network",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="working_time")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None]
    public: Mapped[bool] = mapped_column(default=True)
    registration_open: Mapped[bool] = mapped_column(default=True)
    published: Mapped[bool] = mapped_column(default=False)  # the restitution, public once published
    synthesis: Mapped[str] = mapped_column(Text, default="")  # the organisers' Markdown
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Bumped by every registration change: the row update serialises registrations of one meeting (the
    # PostgreSQL row lock, the SQLite write lock), so capacity holds under concurrency.
    registrations_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                   order_by="(AgendaItem.starts_at, AgendaItem.id)")
    workshops: Mapped[list[MeetingWorkshop]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                            order_by="MeetingWorkshop.id")


class AgendaItem(db.Model):
    """One timed item of the programme: a plenary, a slot of parallel workshops, a break."""

    __tablename__ = "meeting_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="plenary")  # plenary | parallel | break
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    room: Mapped[str] = mapped_column(String(120), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="items")


class MeetingWorkshop(db.Model):
    """A board of the meeting: in a parallel slot (with its room), or the organisers' preparation board."""

    __tablename__ = "meeting_workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), unique=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_agenda_item.id", ondelete="SET NULL"))
    room: Mapped[str] = mapped_column(String(120), default="")
    preparation: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="workshops")
    workshop = relationship("Workshop", lazy="selectin")  # a meeting's boards come in one query, not one each


class Registration(db.Model):
    """A person's place at a meeting, or on its waiting list; found again by a secret token (hashed here)."""

    __tablename__ = "meeting_registration"
    __table_args__ = (Index("ix_meeting_registration_meeting_status", "meeting_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="fr")  # of the page they registered on: their e-mails
    profile_kind: Mapped[str] = mapped_column(String(20), default="other")
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id", ondelete="SET NULL"))
    structure_name: Mapped[str] = mapped_column(String(200), default="")  # typed when not on the map
    city: Mapped[str] = mapped_column(String(120), default="")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(120), default="")
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="SET NULL"))
    needs: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="registered")  # registered | waiting | cancelled
    walk_in: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    checked_in_at: Mapped[datetime | None]
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    structure = relationship("Structure")
    network = relationship("Network")
    workshop = relationship("Workshop")


class ChecklistTask(db.Model):
    """A preparation task of the organisers (private)."""

    __tablename__ = "meeting_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False)
