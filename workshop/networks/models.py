"""The federating networks (réseaux) that structures, people and practices belong to."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
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
