"""The steering state of a board: its format's settings and phases, the current phase, the lock and the timer.

One `BoardControl` row per workshop, created on the first write (under the board's seq lock, by a command).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.boards.service import now
from workshop.facilitation.models import BoardControl
from workshop.formats.builtin import FORMATS, FREE_PHASE
from workshop.live.context import Context

SETTING_KEYS = ("anonymous", "vote_budget", "multi_dots", "everyone_groups", "tables")


def epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def settings_of(workshop: Workshop) -> dict:
    fmt = FORMATS.get(workshop.format_key)
    base = dict(fmt.defaults) if fmt else {}
    return {**base, **(workshop.settings or {})}


def phases_of(workshop: Workshop) -> list[dict]:
    """The workshop's phases: its own (saved from a custom format) or its format's."""
    own = (workshop.settings or {}).get("phases")
    if own:
        return own
    fmt = FORMATS.get(workshop.format_key)
    return [p.to_dict() for p in fmt.phases] if fmt else []


def control(session: Session, workshop: Workshop) -> BoardControl:
    """The board's steering row, or a fresh one (not added: reading a board writes nothing)."""
    row = workshop.control
    if row is None:
        phases = phases_of(workshop)
        row = BoardControl(workshop_id=workshop.id, phase_key=phases[0]["key"] if phases else "", locked=False,
                           votes_revealed=False, timer_lock_on_end=False, timer_token=0)
    return row


def writable(ctx: Context) -> BoardControl:
    """The board's steering row, added to the session if new (commands hold the board's lock)."""
    row = control(ctx.session, ctx.workshop)
    if row not in ctx.session:
        ctx.session.add(row)
        ctx.workshop.control = row
    return row


def current_phase(workshop: Workshop, ctrl: BoardControl) -> dict:
    phases = phases_of(workshop)
    return next((p for p in phases if p["key"] == ctrl.phase_key), phases[0] if phases else FREE_PHASE)


def timer_dict(ctrl: BoardControl) -> dict:
    remaining, running = 0.0, False
    if ctrl.timer_ends_at is not None:
        remaining = max(0.0, (ctrl.timer_ends_at - now()).total_seconds())
        running = remaining > 0
    elif ctrl.timer_remaining is not None:
        remaining = ctrl.timer_remaining
    return {
        "running": running,
        "paused": ctrl.timer_ends_at is None and ctrl.timer_remaining is not None,
        "ended": ctrl.timer_ends_at is not None and not running,
        "ends_at": epoch_ms(ctrl.timer_ends_at) if ctrl.timer_ends_at else None,
        "remaining": round(remaining, 1),
        "duration": ctrl.timer_duration,
        "lock_on_end": bool(ctrl.timer_lock_on_end),
    }


def is_locked(ctrl: BoardControl) -> bool:
    """Locked by the facilitator, or by a timer that ran out with lock-on-end (even if no process saw it end)."""
    timer = timer_dict(ctrl)
    return bool(ctrl.locked or (timer["ended"] and ctrl.timer_lock_on_end))
