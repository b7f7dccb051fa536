"""What the group page shows: its sessions (attendance, cards, sheets produced), members and open steps."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Card, Participant
from workshop.peergroups.models import PeerGroup
from workshop.peergroups.service import open_steps
from workshop.practices.models import Practice


def overview(session: Session, group: PeerGroup, *, profiles: bool = False) -> dict[str, Any]:
    """The group's page, in a fixed number of queries whatever the number of sessions; `profiles`: with who came
    by profile (service.sees_profiles)."""
    ids = [s.workshop_id for s in group.sessions]
    people: dict[int, set] = {}
    for workshop_id, person, seat in (session.execute(  # a person re-joining under a new name counts once
            select(Participant.workshop_id, Participant.person, Participant.id)
            .where(Participant.workshop_id.in_(ids), Participant.role == "participant")).all() if ids else ()):
        people.setdefault(workshop_id, set()).add(person or seat)
    attendance = {workshop_id: len(seen) for workshop_id, seen in people.items()}
    by_profile: Counter = Counter()
    for workshop_id, profile, count in (session.execute(
            select(Participant.workshop_id, Participant.profile, func.count())
            .where(Participant.workshop_id.in_(ids), Participant.profile.is_not(None))
            .group_by(Participant.workshop_id, Participant.profile)).all() if ids and profiles else ()):
        by_profile[(workshop_id, profile)] = count
    cards = dict(session.execute(select(Card.workshop_id, func.count()).where(
        Card.workshop_id.in_(ids), Card.deleted.is_(False)).group_by(Card.workshop_id)).all()) if ids else {}
    sheets: dict[int, list[Practice]] = {}
    for practice in (session.scalars(select(Practice).where(Practice.source_workshop_id.in_(ids))
                                     .order_by(Practice.title)) if ids else ()):
        sheets.setdefault(practice.source_workshop_id, []).append(practice)
    sessions = [{"number": s.number, "workshop": s.workshop, "attendance": attendance.get(s.workshop_id, 0),
                 "profiles": {k: n for (w, k), n in by_profile.items() if w == s.workshop_id},
                 "cards": cards.get(s.workshop_id, 0), "sheets": sheets.get(s.workshop_id, [])}
                for s in reversed(group.sessions)]
    members = sorted(group.members, key=lambda m: (m.role != "facilitator", m.user.name.casefold()))
    return {"sessions": sessions, "members": members,
            "open_steps": [{"step": step, "session": number} for step, number in open_steps(session, group)]}
