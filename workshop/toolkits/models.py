"""Toolkits (boîtes à outils): an ordered selection of practices, in sections, with the editors' introduction.

Each entry records the version of the practice it includes: the PDF prints that version, and a newer
version of the sheet is flagged to the editors, who update the entry on purpose.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User
    from workshop.networks.models import Network
    from workshop.practices.models import Practice

TOOLKIT_STATUSES = ("draft", "published")

# The networks a toolkit belongs to (those its creator coordinated): their coordinators edit, publish and delete it.
toolkit_network = Table(
    "toolkit_network",
    db.metadata,
    Column("toolkit_id", ForeignKey("toolkit.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)


class Toolkit(db.Model):
    __tablename__ = "toolkit"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    introduction: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML (nh3)
    contacts: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML (nh3)
    editors_line: Mapped[str] = mapped_column(String(300), default="")  # signature under the introduction
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | published
    # Unguessable part of the public link, set at first publication.
    public_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)  # bumps on every save: stale forms are refused

    created_by: Mapped[User | None] = relationship()
    networks: Mapped[list[Network]] = relationship(secondary=toolkit_network, order_by="Network.name")
    sections: Mapped[list[ToolkitSection]] = relationship(
        back_populates="toolkit", order_by="ToolkitSection.position", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class ToolkitSection(db.Model):
    __tablename__ = "toolkit_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    toolkit_id: Mapped[int] = mapped_column(ForeignKey("toolkit.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    toolkit: Mapped[Toolkit] = relationship(back_populates="sections")
    entries: Mapped[list[ToolkitEntry]] = relationship(
        back_populates="section", order_by="ToolkitEntry.position", cascade="all, delete-orphan")


class ToolkitEntry(db.Model):
    """One practice in a section, at the version the editors chose."""

    __tablename__ = "toolkit_entry"
    __table_args__ = (UniqueConstraint("toolkit_id", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    toolkit_id: Mapped[int] = mapped_column(ForeignKey("toolkit.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("toolkit_section.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    practice_version: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    section: Mapped[ToolkitSection] = relationship(back_populates="entries")
    practice: Mapped[Practice] = relationship()
