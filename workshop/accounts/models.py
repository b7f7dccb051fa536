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
    # The language of the e-mails this person receives ("fr" or "en"), chosen on the account page (deferred:
    # only mail reads it).
    language: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr", deferred=True)
    # Part of the id kept in login sessions (get_id): bumping it ends every session of the account at once,
    # server-side (logout, disabling), whatever cookies were copied before. Server default and deferred: only
    # the session check reads it (accounts.service.user_of_session loads it with the account).
    session_version: Mapped[int] = mapped_column(server_default="0", deferred=True)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_facilitate(self) -> bool:
        return self.role in ("admin", "facilitator")
