"""The Job record: what a person queued, how far it is, and what came of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db

STATES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Job(db.Model):
    """One run of a task for a person: `done`/`total` rows so far, then a result summary or an error.

    `params` holds what the task needs (format, options, the spooled file); `worker_pid` is the process that ran
    it, which shows the web process never did the work itself.
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)
    worker_pid: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict[str, Any]:
        """What the progress script reads."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done,
                                "total": self.total}
        if self.state == "failed":
            data["error"] = {"code": self.error_code, "message": self.error_message}
        return data
