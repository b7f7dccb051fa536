"""The admin-editable list of frameworks (dispositifs), with the catalogue texts of their public pages."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db


class Framework(db.Model):
    """A framework (dispositif: CLAS, REAAP, Cité éducative...): a controlled list that admins edit.

    Practices and links refer to frameworks by `key`, which never changes once created; the label may.
    The table keeps its first name (it was born in the practices domain) so no data has to move.
    The catalogue texts (`purpose`, `operators`, `eligibility`, each with an English twin) are plain text with
    paragraphs and "- " lists, sanitised when shown like practice sheets; `contact` is free text.
    """

    __tablename__ = "practice_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    operators: Mapped[str] = mapped_column(Text, default="")
    operators_en: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    eligibility_en: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")
