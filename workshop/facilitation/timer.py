"""The board's timer, kept on the server: start, pause, resume, extend, stop, and its end (which may lock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask_babel import gettext as _

from workshop.boards.service import now
from workshop.errors import ValidationError
from workshop.facilitation.control import timer_dict, writable
from workshop.facilitation.models import BoardControl
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.validation import clean_flag, clean_int

TIMER_MAX = 4 * 3600
EXPIRE = "timer.expire"
TIMER_EVENTS = ("timer.started", "timer.paused", "timer.resumed", "timer.extended", "timer.stopped")


def _seconds(payload: dict, name: str, low: int, high: int) -> int:
    value = payload.get(name)
    if isinstance(value, float) and not isinstance(value, bool) and low <= value <= high:
        value = int(value)
    return clean_int(value, name, low, high, _("Durée invalide (de %(a)d à %(b)d secondes).", a=low, b=high))


def _change(ctx: Context, type_: str, change: Callable[[BoardControl], None]) -> dict:
    """Change the timer, announce it, and have its end announced when it comes (a stale end does nothing)."""
    ctrl = writable(ctx)
    change(ctrl)
    ctrl.timer_token = (ctrl.timer_token or 0) + 1
    ctx.emit(type_, {"timer": timer_dict(ctrl)})
    if ctrl.timer_ends_at is not None:
        delay = max(0.0, (ctrl.timer_ends_at - now()).total_seconds())
        ctx.later(delay + 0.05, EXPIRE, {"token": ctrl.timer_token})
    return {"timer_token": ctrl.timer_token}


@command("timer.start", moderator=True, emits=TIMER_EVENTS)
def start_timer(ctx: Context, payload: dict) -> dict:
    seconds = _seconds(payload, "seconds", 5, TIMER_MAX)
    lock_on_end = clean_flag(payload, "lock_on_end", False)

    def start(ctrl: BoardControl) -> None:
        ctrl.timer_ends_at = now() + timedelta(seconds=seconds)
        ctrl.timer_remaining, ctrl.timer_duration, ctrl.timer_lock_on_end = None, seconds, lock_on_end

    return _change(ctx, "timer.started", start)


@command("timer.pause", payload=False, moderator=True, emits=TIMER_EVENTS)
def pause_timer(ctx: Context, _payload: dict) -> dict:
    def pause(ctrl: BoardControl) -> None:
        timer = timer_dict(ctrl)
        if not timer["running"]:
            raise ValidationError(_("Le minuteur ne tourne pas."), field="timer")
        ctrl.timer_ends_at, ctrl.timer_remaining = None, timer["remaining"]

    return _change(ctx, "timer.paused", pause)


@command("timer.resume", payload=False, moderator=True, emits=TIMER_EVENTS)
def resume_timer(ctx: Context, _payload: dict) -> dict:
    def resume(ctrl: BoardControl) -> None:
        if ctrl.timer_ends_at is not None or ctrl.timer_remaining is None:
            raise ValidationError(_("Le minuteur n'est pas en pause."), field="timer")
        ctrl.timer_ends_at = now() + timedelta(seconds=ctrl.timer_remaining)
        ctrl.timer_remaining = None

    return _change(ctx, "timer.resumed", resume)


@command("timer.extend", moderator=True, emits=TIMER_EVENTS)
def extend_timer(ctx: Context, payload: dict) -> dict:
    seconds = _seconds(payload, "seconds", 1, TIMER_MAX)

    def extend(ctrl: BoardControl) -> None:
        timer = timer_dict(ctrl)
        if ctrl.timer_ends_at is not None:
            ctrl.timer_ends_at = now() + timedelta(seconds=timer["remaining"] + seconds)
        elif ctrl.timer_remaining is not None:
            ctrl.timer_remaining += seconds
        else:
            raise ValidationError(_("Aucun minuteur en cours."), field="timer")
        ctrl.timer_duration = (ctrl.timer_duration or 0) + seconds

    return _change(ctx, "timer.extended", extend)


@command("timer.stop", payload=False, moderator=True, emits=TIMER_EVENTS)
def stop_timer(ctx: Context, _payload: dict) -> dict:
    def stop(ctrl: BoardControl) -> None:
        ctrl.timer_ends_at = ctrl.timer_remaining = ctrl.timer_duration = None
        ctrl.timer_lock_on_end = False

    return _change(ctx, "timer.stopped", stop)


@command(EXPIRE, system=True, emits=("timer.ended",))
def expire_timer(ctx: Context, payload: dict) -> None:
    """The server's own action when a timer should have run out: announce it (and lock if asked), unless the
    timer changed since (its token moved on)."""
    ctrl = ctx.session.get(BoardControl, ctx.workshop_id)
    if ctrl is None or ctrl.timer_token != payload.get("token") or not timer_dict(ctrl)["ended"]:
        return
    ctrl.timer_token += 1
    if ctrl.timer_lock_on_end:
        ctrl.locked = True
    ctx.emit("timer.ended", {"timer": timer_dict(ctrl), "locked": bool(ctrl.locked)})

