"""Notifications waiting or mailed, and each person's choices (kinds turned off, daily digest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Notification(db.Model):
    """One thing that concerns a person. `mailed_at` NULL: waiting for the daily digest. `ref` says what it is
    about ("next_step:12"), so a reminder is not sent twice."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(80), default="", index=True)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    mailed_at: Mapped[datetime | None] = mapped_column(index=True)


class NotificationSetting(db.Model):
    """A person's choices: kinds they do not want, and one digest a day instead of one mail each."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    off: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[bool] = mapped_column(default=False)
