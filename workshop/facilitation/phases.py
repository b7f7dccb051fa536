"""Steering a board: phase, lock, reveal of private cards, spotlight, rules of play."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workshop.boards.cards import CARD, card_dict
from workshop.boards.models import Card
from workshop.errors import ValidationError
from workshop.facilitation import targets
from workshop.facilitation.control import SETTING_KEYS, phases_of, settings_of, timer_dict, writable
from workshop.facilitation.tables import TABLES_MAX, table_columns
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_flag, clean_int


@command("phase.set", moderator=True, emits=("phase.changed",))
def set_phase(ctx: Context, payload: dict) -> None:
    key = payload.get("phase")
    phases = phases_of(ctx.workshop)
    index = next((i for i, p in enumerate(phases) if p["key"] == key), None)
    if index is None:
        raise ValidationError(_("Phase inconnue."), field="phase")
    writable(ctx).phase_key = key
    ctx.emit("phase.changed", {"phase": phases[index], "index": index})


@command("board.lock", moderator=True, emits=("board.locked", "board.unlocked"))
def set_locked(ctx: Context, payload: dict) -> None:
    locked = clean_flag(payload, "locked", True)
    ctrl = writable(ctx)
    ctrl.locked = locked
    if not locked and ctrl.timer_lock_on_end and timer_dict(ctrl)["ended"]:
        ctrl.timer_lock_on_end = False  # unlocking after the bell really unlocks
    ctx.emit("board.locked" if locked else "board.unlocked", {"locked": locked})


@command("cards.reveal", payload=False, moderator=True, emits=("cards.revealed",), visibility=CARD)
def reveal_cards(ctx: Context, _payload: dict) -> dict:
    """Show every private card to everyone at once."""
    cards = list(ctx.session.scalars(
        select(Card).where(Card.workshop_id == ctx.workshop_id, Card.private.is_(True), Card.deleted.is_(False))
        .options(selectinload(Card.participant)).order_by(Card.id)))
    for card in cards:
        card.private = False
    ctx.session.flush()
    ctx.emit("cards.revealed", {"cards": [card_dict(c) for c in cards if not c.hidden]})
    return {"revealed": len(cards)}


@command("spotlight.set", moderator=True, emits=("spotlight.changed",))
def set_spotlight(ctx: Context, payload: dict) -> None:
    """Put one card or group in the spotlight on every screen (no kind: clear it)."""
    spot = None
    if payload.get("kind") is not None:
        kind = targets.kind_of(payload)
        targets.visible_target(ctx.session, ctx.workshop_id, kind, payload.get("id"))
        spot = {"kind": kind, "id": payload["id"]}
    writable(ctx).spotlight = spot
    ctx.emit("spotlight.changed", {"spotlight": spot})


@command("spotlight.clear", payload=False, moderator=True, emits=("spotlight.changed",))
def clear_spotlight(ctx: Context, _payload: dict) -> None:
    """Take the spotlight off; nothing is logged when nothing was in it."""
    ctrl = writable(ctx)
    if ctrl.spotlight is not None:
        ctrl.spotlight = None
        ctx.emit("spotlight.changed", {"spotlight": None})


@command("settings.update", moderator=True, emits=("settings.changed",))
def update_settings(ctx: Context, payload: dict) -> None:
    """Change the workshop's rules of play: vote budget, several dots per card, who groups, anonymity."""
    changes: dict = {}
    for name in ("multi_dots", "everyone_groups", "anonymous"):
        if name in payload:
            changes[name] = clean_flag(payload, name, False)
    if "tables" in payload:
        if not table_columns(ctx.workshop):
            raise ValidationError(_("Cet atelier ne se joue pas par tables."), field="tables")
        changes["tables"] = clean_int(payload["tables"], "tables", 1, TABLES_MAX,
                                      _("Nombre de tables invalide (de 1 à %(n)d).", n=TABLES_MAX))
    if "vote_budget" in payload:
        changes["vote_budget"] = clean_int(payload["vote_budget"], "vote_budget", 1, 20,
                                           _("Nombre de gommettes invalide (de 1 à 20)."))
    if not changes:
        raise ValidationError(_("Aucun réglage à changer."))
    ctx.workshop.settings = {**(ctx.workshop.settings or {}), **changes}
    settings = settings_of(ctx.workshop)
    ctx.emit("settings.changed", {"settings": {k: settings.get(k) for k in SETTING_KEYS}})
