"""The admin-editable list of frameworks (dispositifs)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Framework(db.Model):
    """A framework (dispositif: CLAS, REAAP, Cité éducative...): a controlled list that admins edit.

    Practices and links refer to frameworks by `key`, which never changes once created; the label may.
    The table keeps its first name (it was born in the practices domain) so no data has to move.
    """

    __tablename__ = "practice_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
