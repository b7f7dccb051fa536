"""History of a sheet: its versions, a readable diff of two of them, restoring an old one as a new version."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import NotFound
from workshop.frameworks import service as frameworks
from workshop.networks.models import Network
from workshop.practices.index import plain_text
from workshop.practices.models import SECTIONS, Practice, PracticeVersion
from workshop.practices.rights import get_practice, require_edit
from workshop.practices.sheets import update_practice
from workshop.practices.vocabulary import CONTENT_FIELDS, field_label


def versions(session: Session, practice_id: int) -> list[PracticeVersion]:
    return list(session.scalars(select(PracticeVersion).where(PracticeVersion.practice_id == practice_id)
                                .order_by(PracticeVersion.number.desc())))


def get_version(session: Session, practice_id: int, number: int) -> PracticeVersion:
    found = session.scalar(select(PracticeVersion).where(PracticeVersion.practice_id == practice_id,
                                                         PracticeVersion.number == number))
    if found is None:
        raise NotFound(_("Cette version n'existe pas."))
    return found


@dataclass
class FieldDiff:
    field: str
    label: str
    ops: list[tuple[str, str]]  # ("equal" | "insert" | "delete", text)


def as_text(name: str, value: Any) -> str:
    """A field's value as plain text, to compare and show (the conflict page shows both texts this way)."""
    if name in SECTIONS:
        return plain_text(value or "")
    if name == "structures":
        return "\n".join(s.get("name", "") for s in value or [])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def diff(session: Session, practice_id: int, old: int, new: int) -> list[FieldDiff]:
    """A readable, word-level diff of two versions, field by field (unchanged fields left out)."""
    a, b = get_version(session, practice_id, old).data, get_version(session, practice_id, new).data
    result = []
    for name in CONTENT_FIELDS:
        before, after = as_text(name, a.get(name)), as_text(name, b.get(name))
        if before != after:
            result.append(FieldDiff(name, field_label(name), word_diff(before, after)))
    return result


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    tokens_a, tokens_b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, tokens_a, tokens_b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            ops.append(("delete", "".join(tokens_a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("insert", "".join(tokens_b[j1:j2])))
        if tag == "equal":
            ops.append(("equal", "".join(tokens_a[i1:i2])))
    return ops


def restore(session: Session, user: User, practice_id: int, number: int, expected_version: Any) -> Practice:
    """Make an old version the current one, as a new version (history is never rewritten)."""
    old = get_version(session, practice_id, number)
    data = dict(old.data)
    practice = get_practice(session, practice_id)
    require_edit(session, user, practice)
    data["networks"] = [n for n in data.get("networks") or []
                        if session.get(Network, n) is not None]
    known = frameworks.labels(session)
    data["frameworks"] = [k for k in data.get("frameworks") or [] if k in known]
    return update_practice(session, user, practice_id, data, expected_version,
                           note=_("Restauration de la version %(n)d", n=number))
