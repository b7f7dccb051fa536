"""The federating networks (réseaux) that structures, people and practices belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db

# Who belongs to which network, and who coordinates it (reviews and publishes for it).
network_member = Table(
    "network_member",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("coordinator", db.Boolean, nullable=False, default=False),
)


class Network(db.Model):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))


class LinkConsent(db.Model):
    """One network's confirmation of a link between structures of two networks: such a link is public only once
    every network of its two structures confirmed it (who and when are kept)."""

    __tablename__ = "link_consent"

    link_id: Mapped[int] = mapped_column(ForeignKey("structure_link.id", ondelete="CASCADE"), primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(server_default=func.now())
