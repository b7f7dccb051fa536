"""Which format a new workshop starts from (built-in or saved), and saving a workshop's setup as a format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.errors import ValidationError
from workshop.formats.builtin import DEFAULT_FORMAT, FORMATS
from workshop.formats.models import CustomFormat
from workshop.networks.service import networks_of

CUSTOM_PREFIX = "custom-"


@dataclass(frozen=True)
class Setup:
    """What a new workshop takes from its format: the format key, its columns and its settings."""

    format_key: str
    columns: list[dict]  # {"key", "label", "label_en", "color", "prompt"}
    settings: dict


def custom_formats_for(session: Session, user: Any) -> list[CustomFormat]:
    """Formats a facilitator may start from: their own and their networks'."""
    network_ids = [n.id for n in networks_of(session, user)]
    query = select(CustomFormat).where((CustomFormat.owner_id == user.id)
                                       | CustomFormat.network_id.in_(network_ids or [-1]))
    return list(session.scalars(query.order_by(CustomFormat.label)))


def format_choices(session: Session, user: Any) -> list[tuple[str, str]]:
    """The saved formats a facilitator may start from, as (key, label) choices of the creation form."""
    return [(f"{CUSTOM_PREFIX}{f.id}", _("%(label)s (format enregistré)", label=f.label))
            for f in custom_formats_for(session, user)]


def setup_for(session: Session, user: Any, format_key: str) -> Setup:
    """The setup of a built-in format, or of a saved one this person may use (its columns, phases, defaults)."""
    if not format_key.startswith(CUSTOM_PREFIX):
        fmt = FORMATS.get(format_key)
        if fmt is None:
            raise ValidationError(
                _("Format inconnu : %(k)s. Formats : %(all)s.", k=format_key, all=", ".join(FORMATS)),
                field="format",
            )
        return Setup(fmt.key, [c.to_dict() for c in fmt.columns], dict(fmt.defaults))
    custom_id = format_key.removeprefix(CUSTOM_PREFIX)
    custom = next((f for f in custom_formats_for(session, user) if str(f.id) == custom_id), None)
    if custom is None:
        raise ValidationError(_("Format inconnu : %(k)s.", k=format_key), field="format")
    base = custom.base_key if custom.base_key in FORMATS else DEFAULT_FORMAT
    return Setup(base, list(custom.data["columns"]),
                 {**custom.data.get("defaults", {}), "phases": custom.data["phases"], "custom_format_id": custom.id})


def save_format(session: Session, user: Any, label: str, *, base_key: str, columns: list[dict],
                phases: list[dict], defaults: dict) -> CustomFormat:
    """Keep a workshop's columns, phases and defaults as a format for the facilitator's (first) network."""
    networks = networks_of(session, user)
    custom = CustomFormat(label=label, network_id=networks[0].id if networks else None, owner_id=user.id,
                          base_key=base_key, data={"columns": columns, "phases": phases, "defaults": defaults})
    session.add(custom)
    session.flush()
    return custom
