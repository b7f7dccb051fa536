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


def _undoable(name: str, *, shared: bool = False, rate: str | None = None):
    """The command `name`: one undoable move; `shared`: participants may make it on boards where everyone
    groups, in a phase that allows grouping; `rate`: the limit that counts it."""
    sharing = {"shared_when": everyone_groups, "allows": GROUP} if shared else {}

    def run(ctx: Context, payload: dict) -> None:
        _apply(ctx, name, payload)

    return command(name, moderator=True, emits=EVENTS, rate=rate, **sharing)(run)


move_card = _undoable("card.move", shared=True)
create_group = _undoable("group.create", shared=True, rate="GROUP_RATE")  # each rewrites placements
rename_group = _undoable("group.rename", shared=True)
delete_group = _undoable("group.delete")
add_column = _undoable("column.add")
remove_column = _undoable("column.remove")
update_column = _undoable("column.update")


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
