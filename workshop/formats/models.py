"""Formats saved from a workshop by a facilitator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class CustomFormat(db.Model):
    """A workshop's setup saved by a facilitator as a format for their network (or for themselves)."""

    __tablename__ = "custom_format"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    base_key: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # columns, phases, defaults
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
