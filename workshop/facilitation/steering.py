"""What the live kernel asks of a steered board: is it locked, which phase is on, at which table one sits."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.orm import Session

from workshop.boards.models import Participant, Workshop
from workshop.facilitation.control import control, current_phase, is_locked
from workshop.facilitation.models import BoardControl
from workshop.facilitation.tables import table_columns, table_of


class BoardSteering:
    """The `live.context.Steering` of a workshop, read once per command."""

    def __init__(self, session: Session, workshop: Workshop):
        self.session, self.workshop = session, workshop

    @cached_property
    def row(self) -> BoardControl:
        return control(self.session, self.workshop)

    @property
    def locked(self) -> bool:
        return is_locked(self.row)

    @property
    def phase(self) -> dict:
        return current_phase(self.workshop, self.row)

    def table_of(self, participant: Participant, column: str) -> int | None:
        if column not in table_columns(self.workshop):
            return None
        return table_of(self.session, self.workshop, participant)
