"""People with an account: coordinators (admin), facilitators and members."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db

ROLES = ("admin", "facilitator", "member")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="member")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_facilitate(self) -> bool:
        return self.role in ("admin", "facilitator")
