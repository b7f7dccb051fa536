"""World café tables: each round's cards record their author's table; people change tables between rounds."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Participant, Workshop
from workshop.boards.service import is_moderator
from workshop.errors import Closed, Forbidden, NotFound, ValidationError
from workshop.facilitation.control import settings_of
from workshop.facilitation.models import TableSeat
from workshop.formats.builtin import FORMATS
from workshop.live.commands import ANY_PHASE, command
from workshop.live.context import Context
from workshop.validation import clean_id

TABLES_MAX = 20


def table_columns(workshop: Workshop) -> set[str]:
    """The workshop's round columns, whose cards record their author's table (none: not played by tables)."""
    fmt = FORMATS.get(workshop.format_key)
    keys = {c.key for c in fmt.columns if c.by_table} if fmt else set()
    return keys & {c.key for c in workshop.columns} if keys else keys  # other formats: no column query


def table_count(workshop: Workshop) -> int:
    """How many tables the facilitator set; 0 when the workshop is not played by tables."""
    tables = settings_of(workshop).get("tables")
    if not table_columns(workshop) or isinstance(tables, bool) or not isinstance(tables, int) or tables < 1:
        return 0
    return tables


def _seat_and_rank(session: Session, workshop: Workshop, participant: Participant) -> tuple[int | None, int | None]:
    """The table a participant chose (if any) and their rank of arrival among participants (None: facilitator)."""
    seat = session.get(TableSeat, participant.id)
    rank = None if is_moderator(participant) else session.scalar(
        select(func.count()).select_from(Participant).where(
            Participant.workshop_id == workshop.id, Participant.role != "facilitator",
            Participant.id < participant.id))
    return (seat.table_no if seat else None), rank


def _table(count: int, seat: int | None, rank: int | None) -> int | None:
    """The chosen table (still a real one after the facilitator removed some), else round-robin by arrival."""
    if not count:
        return None
    if seat is not None:
        return (seat - 1) % count + 1
    return None if rank is None else rank % count + 1


def table_of(session: Session, workshop: Workshop, participant: Participant) -> int | None:
    """A participant's table; the facilitator sits nowhere."""
    count = table_count(workshop)
    return _table(count, *_seat_and_rank(session, workshop, participant)) if count else None


def tables_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """What a screen needs to place the viewer and group round cards by table (the screen recomputes `mine`
    from seat and rank when the facilitator changes the number of tables)."""
    count = table_count(workshop)
    seat, rank = _seat_and_rank(session, workshop, viewer) if count else (None, None)
    keys = table_columns(workshop)  # empty for formats without rounds: their columns are not even read
    return {"count": count, "columns": [c.key for c in workshop.columns if c.key in keys] if keys else [],
            "mine": _table(count, seat, rank), "seat": seat, "rank": rank}


@command("participant.table", allows=ANY_PHASE, emits=("participant.table",))
def set_table(ctx: Context, payload: dict) -> dict:
    """Sit at a table (participants during rounds only); the facilitator may seat anyone at any time."""
    count = table_count(ctx.workshop)
    if not count:
        raise ValidationError(_("Cet atelier ne se joue pas par tables."), field="table")
    target = ctx.participant
    who = payload.get("participant_id")
    if who is not None and who != ctx.participant.id:
        if not ctx.moderator:
            raise Forbidden(_("Chacun·e choisit sa propre table."))
        target = ctx.session.get(Participant, clean_id(who, "participant_id"))
        if target is None or target.workshop_id != ctx.workshop_id:
            raise NotFound(_("Participant·e introuvable."))
    table = payload.get("table")
    if isinstance(table, bool) or not isinstance(table, int) or not 1 <= table <= count:
        raise ValidationError(_("Numéro de table invalide (de 1 à %(n)d).", n=count), field="table")
    if not ctx.moderator and not ctx.steering.phase.get("by_table"):
        raise Closed(_("On change de table pendant les tours seulement."))
    seat = ctx.session.get(TableSeat, target.id)
    if seat is None:
        ctx.session.add(TableSeat(participant_id=target.id, workshop_id=ctx.workshop_id, table_no=table))
    else:
        seat.table_no = table
    ctx.emit("participant.table", {"seat": {"participant_id": target.id, "table": table}})
    return {"table": table}
