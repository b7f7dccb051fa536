"""Frameworks rules: the default list (DESIGN.md §5), reading it as choices and labels, and admin editing.

Until an admin edits the list, the defaults are served from here without being written: reading never writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Forbidden, ValidationError
from workshop.frameworks.models import Framework
from workshop.frameworks.texts import FIELDS, TEXTS
from workshop.validation import clean_name, clean_text

DEFAULTS = (
    ("clas", "CLAS"), ("reaap", "REAAP"), ("oepre", "OEPRE"), ("pre", "PRE"), ("cite_educative", "Cité éducative"),
    ("rep", "REP / REP+"), ("pedt", "PEDT"), ("contrat_de_ville", "Contrat de ville"), ("ctg", "CTG"),
    ("espace_parents", "Espace parents"), ("mallette", "Mallette des parents"), ("devoirs_faits", "Devoirs faits"),
    ("convention", "Convention de partenariat"),
)
KEY = re.compile(r"[a-z0-9_]{2,40}")


def _defaults() -> list[Framework]:
    return [Framework(key=k, label=label, position=i, active=True, **dict(zip(FIELDS, TEXTS.get(k, ()), strict=False)))
            for i, (k, label) in enumerate(DEFAULTS)]


def list_frameworks(session: Session, *, active_only: bool = False) -> list[Framework]:
    """The list in its order: the stored one, or the defaults while nobody has edited it."""
    found = list(session.scalars(select(Framework).order_by(Framework.position, Framework.label))) or _defaults()
    return [f for f in found if f.active] if active_only else found


def labels(session: Session) -> dict[str, str]:
    """Every framework's label by key, retired ones included (stored sheets and links may still name them)."""
    return {f.key: f.label for f in list_frameworks(session)}


def choices(session: Session, keep: Iterable[str] = ()) -> dict[str, str]:
    """What a form or filter offers: the active frameworks, plus retired ones the edited item already holds."""
    kept = set(keep or ())
    return {f.key: f.label for f in list_frameworks(session) if f.active or f.key in kept}


def ensure_defaults(session: Session) -> None:
    """Store the defaults the first time the list is edited (flushed, committed by the caller)."""
    if session.scalar(select(Framework.id).limit(1)) is None:
        session.add_all(_defaults())
        session.flush()


def can_edit(user: Any) -> bool:
    """Admins keep the list of frameworks and their pages in the catalogue."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_admin)


def save_framework(session: Session, user: User | None, key: Any, label: Any, *, active: bool = True) -> Framework:
    """Add a framework or rename one; the key never changes, so sheets and links keep pointing at it."""
    if not can_edit(user):
        raise Forbidden(_("Seul·es les coordinateur·rices modifient la liste des dispositifs."))
    key = clean_text(key, "key", max_len=40, label=_("Code"))
    if not KEY.fullmatch(key):
        raise ValidationError(_("Code : lettres minuscules, chiffres et « _ » (2 à 40)."), field="key")
    label = clean_name(label, "label", max_len=120, label=_("Libellé"))
    ensure_defaults(session)
    framework = session.scalar(select(Framework).where(Framework.key == key))
    if framework is None:
        position = (session.scalar(select(Framework.position).order_by(Framework.position.desc()).limit(1)) or 0)
        framework = Framework(key=key, label=label, position=position + 1)
        session.add(framework)
    framework.label, framework.active = label, active
    session.flush()
    return framework
