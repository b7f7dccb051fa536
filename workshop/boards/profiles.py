"""A participant's "je viens de…" profile: what they come from (and optionally their structure), said at join.

Seen by the facilitator only (the room's balance); never sent to other participants.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.errors import ValidationError
from workshop.mapping.models import Structure
from workshop.validation import ID_MAX

PROFILE_KINDS = {
    "school": _l("École, collège"),
    "social_centre": _l("Centre social"),
    "parent": _l("Parent"),
    "association": _l("Association"),
    "institution": _l("Institution"),
    "other": _l("Autre"),
}


def clean_profile(session: Session, raw: Any) -> tuple[str, int | None] | None:
    """The profile of a join payload as (kind, structure_id), None when absent; anything else is refused."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"kind", "structure_id"}:
        raise ValidationError(_("Le profil doit indiquer d'où vous venez (kind) et, si vous le souhaitez, "
                                "votre structure (structure_id)."), field="profile")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in PROFILE_KINDS:
        raise ValidationError(_("Profil inconnu : choisissez école, centre social, parent, association, "
                                "institution ou autre."), field="profile")
    structure_id = raw.get("structure_id")
    if structure_id is None:
        return kind, None
    if isinstance(structure_id, bool) or not isinstance(structure_id, int) or not 1 <= structure_id <= ID_MAX:
        raise ValidationError(_("Structure invalide."), field="profile")
    if session.scalar(select(Structure.id).where(Structure.id == structure_id,
                                                 Structure.validated.is_(True))) is None:
        raise ValidationError(_("Cette structure n'existe pas sur la carte."), field="profile")
    return kind, structure_id
