"""Undoable moves of the facilitator (and of participants where the board lets everyone group), and undo.

Each move runs an operation of `arrange` or `columns`, which returns its event and its inverse; the inverse is
kept (the last UNDO_KEEP of them) so that `undo` can run it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.errors import DomainError, ValidationError
from workshop.facilitation import arrange, columns
from workshop.facilitation.control import settings_of
from workshop.facilitation.models import UndoStep
from workshop.formats.builtin import GROUP
from workshop.live.commands import command
from workshop.live.context import Context

UNDO_KEEP = 50
OPS: dict[str, Callable[[Session, int, dict], arrange.Op]] = {
    "card.move": arrange.move,
    "group.create": arrange.create_group,
    "group.delete": arrange.delete_group,
    "group.restore": arrange.restore_group,  # only reachable through undo
    "group.rename": arrange.rename_group,
    "column.add": columns.add_column,
    "column.remove": columns.remove_column,
    "column.update": columns.update_column,
}
EVENTS = ("card.moved", "group.created", "group.deleted", "group.renamed", "column.added", "column.removed",
          "column.updated")


def everyone_groups(workshop: Workshop) -> bool:
    """Participants may move, group and name cards too (in a phase that allows grouping)."""
    return bool(settings_of(workshop).get("everyone_groups"))


def _apply(ctx: Context, op: str, payload: dict) -> None:
    type_, data, (inverse_op, inverse_args) = OPS[op](ctx.session, ctx.workshop_id, payload)
    ctx.session.add(UndoStep(workshop_id=ctx.workshop_id, op=inverse_op, args=inverse_args))
    ctx.session.flush()
    cutoff = ctx.session.scalar(select(UndoStep.id).where(UndoStep.workshop_id == ctx.workshop_id)
                                .order_by(UndoStep.id.desc()).offset(UNDO_KEEP).limit(1))
    if cutoff is not None:
        ctx.session.execute(delete(UndoStep).where(UndoStep.workshop_id == ctx.workshop_id,
                                                   UndoStep.id <= cutoff))
    ctx.emit(type_, data)


@command("card.move", moderator=True, shared_when=everyone_groups, allows=GROUP, emits=EVENTS)
def move_card(ctx: Context, payload: dict) -> None:
    _apply(ctx, "card.move", payload)


@command("group.create", moderator=True, shared_when=everyone_groups, allows=GROUP, emits=EVENTS)
def create_group(ctx: Context, payload: dict) -> None:
    _apply(ctx, "group.create", payload)


@command("group.rename", moderator=True, shared_when=everyone_groups, allows=GROUP, emits=EVENTS)
def rename_group(ctx: Context, payload: dict) -> None:
    _apply(ctx, "group.rename", payload)


@command("group.delete", moderator=True, emits=EVENTS)
def delete_group(ctx: Context, payload: dict) -> None:
    _apply(ctx, "group.delete", payload)


@command("column.add", moderator=True, emits=EVENTS)
def add_column(ctx: Context, payload: dict) -> None:
    _apply(ctx, "column.add", payload)


@command("column.remove", moderator=True, emits=EVENTS)
def remove_column(ctx: Context, payload: dict) -> None:
    _apply(ctx, "column.remove", payload)


@command("column.update", moderator=True, emits=EVENTS)
def update_column(ctx: Context, payload: dict) -> None:
    _apply(ctx, "column.update", payload)


@command("undo", payload=False, moderator=True, emits=EVENTS)
def undo(ctx: Context, _payload: dict) -> dict | None:
    """Take back the facilitator's last move (groups, merges, moves, columns)."""
    step = ctx.session.scalar(select(UndoStep).where(UndoStep.workshop_id == ctx.workshop_id)
                              .order_by(UndoStep.id.desc()).limit(1))
    if step is None:
        raise ValidationError(_("Rien à annuler."), field="undo")
    try:
        with ctx.session.begin_nested():
            type_, data, _inverse = OPS[step.op](ctx.session, ctx.workshop_id, dict(step.args))
    except DomainError as error:
        ctx.session.delete(step)  # it can no longer be undone
        ctx.refuse_after_commit(error)
        return None
    ctx.session.delete(step)
    ctx.emit(type_, {**data, "undo": True})
    left = ctx.session.scalar(select(func.count()).select_from(UndoStep)
                              .where(UndoStep.workshop_id == ctx.workshop_id))
    return {"undo_left": left}
