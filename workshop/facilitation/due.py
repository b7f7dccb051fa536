"""What is due: the open next steps of workshops and meetings (owner, due date), per network and per person.

A workshop belongs to the networks of the structures that took part (`workshop_structure`) and, when it was held
at a departmental meeting, to that meeting's networks. Who sees what: admins everything; a network coordinator
the steps of their networks' workshops; a facilitator those of the workshops they run. Read-only: the steps are
ticked off on each workshop's own page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from workshop.boards.models import Workshop
from workshop.facilitation.models import NextStep
from workshop.mapping.models import structure_network, workshop_structure
from workshop.meetings.models import MeetingWorkshop, meeting_network
from workshop.networks.models import Network
from workshop.networks.service import coordinated_network_ids

SOON_DAYS = 14


@dataclass
class DueStep:
    id: int
    text: str
    owner: str
    due_on: date
    overdue: bool
    workshop_id: int
    workshop: str
    networks: list[str] = field(default_factory=list)


@dataclass
class Group:
    key: Any
    label: str
    steps: list[DueStep]

    @property
    def overdue(self) -> int:
        return sum(step.overdue for step in self.steps)


def _workshop_networks():
    """(workshop_id, network_id) pairs, computed by the database."""
    by_structure = (select(workshop_structure.c.workshop_id, structure_network.c.network_id)
                    .join(structure_network, structure_network.c.structure_id == workshop_structure.c.structure_id))
    by_meeting = (select(MeetingWorkshop.workshop_id, meeting_network.c.network_id)
                  .join(meeting_network, meeting_network.c.meeting_id == MeetingWorkshop.meeting_id))
    return union(by_structure, by_meeting).subquery()


def due_steps(session: Session, user: Any, today: date, days: int = SOON_DAYS) -> list[DueStep]:
    """Open steps with a due date up to `days` ahead (overdue ones however old), oldest first, that `user` sees."""
    pairs = _workshop_networks()
    query = (select(NextStep, Workshop.title).join(Workshop, Workshop.id == NextStep.workshop_id)
             .where(NextStep.done.is_(False), NextStep.due_on.is_not(None),
                    NextStep.due_on <= today + timedelta(days=days))
             .order_by(NextStep.due_on, NextStep.id))
    if not user.is_admin:
        mine = coordinated_network_ids(session, user)
        query = query.where((Workshop.facilitator_id == user.id) | Workshop.id.in_(
            select(pairs.c[0]).where(pairs.c[1].in_(mine))))
    rows = session.execute(query).all()
    names = dict(session.execute(select(Network.id, Network.short_name)).all())
    networks: dict[int, list[int]] = {}
    if rows:
        for workshop_id, network_id in session.execute(select(pairs.c[0], pairs.c[1]).where(
                pairs.c[0].in_({step.workshop_id for step, _title in rows}))):
            networks.setdefault(workshop_id, []).append(network_id)
    return [DueStep(step.id, step.text, step.owner.strip(), step.due_on, step.due_on < today, step.workshop_id,
                    title, sorted(names[n] for n in networks.get(step.workshop_id, []) if n in names))
            for step, title in rows]


def by_network(steps: list[DueStep], without: str) -> list[Group]:
    """One group per network (a step of a workshop of two networks is in both); `without` names the rest."""
    groups: dict[str, list[DueStep]] = {}
    for step in steps:
        for name in step.networks or [without]:
            groups.setdefault(name, []).append(step)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == without, kv[0]))
    return [Group(name, name, items) for name, items in ordered]


def by_person(steps: list[DueStep], nobody: str) -> list[Group]:
    """One group per owner as typed (case aside); steps nobody took are listed last, under `nobody`."""
    groups: dict[str, Group] = {}
    for step in steps:
        key = step.owner.casefold()
        groups.setdefault(key, Group(key, step.owner or nobody, [])).steps.append(step)
    return sorted(groups.values(), key=lambda g: (g.key == "", g.label.casefold()))
