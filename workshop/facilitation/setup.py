"""Saving a workshop's setup (columns, phases, rules of play) as a format for the facilitator's network."""

from __future__ import annotations

from flask_babel import gettext as _

from workshop.accounts.models import User
from workshop.boards.service import column_dicts
from workshop.errors import Forbidden
from workshop.facilitation.control import phases_of, settings_of
from workshop.formats.service import save_format as save
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_text


@command("format.save", moderator=True)
def save_format(ctx: Context, payload: dict) -> dict:
    label = clean_text(payload.get("label"), "label", max_len=120, label=_("Nom du format"))
    user = ctx.session.get(User, ctx.participant.user_id) if ctx.participant.user_id else None
    if user is None:
        raise Forbidden()
    settings = settings_of(ctx.workshop)
    custom = save(ctx.session, user, label, base_key=ctx.workshop.format_key, columns=column_dicts(ctx.workshop),
                  phases=phases_of(ctx.workshop), defaults={k: v for k, v in settings.items() if k != "phases"})
    return {"format": {"id": custom.id, "label": custom.label, "network_id": custom.network_id}}
