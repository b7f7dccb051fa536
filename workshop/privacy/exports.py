"""What is stored about a person, as plain data for a JSON download: a participant's seat, an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards.models import Card, Participant, Workshop
from workshop.facilitation.models import Reaction, Reply, TableSeat, Vote
from workshop.mail import personal as mail_personal
from workshop.mapping.models import Structure
from workshop.meetings import privacy as meetings_privacy
from workshop.moderation import privacy as reports
from workshop.peergroups import invitations as group_invitations
from workshop.peergroups.models import PeerGroup, PeerGroupMember
from workshop.programme.models import TimeEntry
from workshop.trials import privacy as trials_privacy


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_participant(session: Session, participant: Participant) -> dict:
    """Everything one seat on a board wrote or chose: name, cards, replies, reactions, dots, table."""
    workshop = session.get(Workshop, participant.workshop_id)
    cards = session.scalars(select(Card).where(Card.participant_id == participant.id, Card.deleted.is_(False))
                            .order_by(Card.id))
    replies = session.scalars(select(Reply).where(Reply.participant_id == participant.id).order_by(Reply.id))
    reactions = session.execute(select(Reaction.card_id, Reaction.kind)
                                .where(Reaction.participant_id == participant.id).order_by(Reaction.id))
    votes = session.execute(select(Vote.target_kind, Vote.target_id)
                            .where(Vote.participant_id == participant.id).order_by(Vote.id))
    table = session.scalar(select(TableSeat.table_no).where(TableSeat.participant_id == participant.id))
    return {
        "workshop": {"id": workshop.id, "title": workshop.title,
                     "held_on": workshop.held_on.isoformat() if workshop.held_on else None,
                     "status": workshop.status},
        "participant": {"id": participant.id, "name": participant.name, "role": participant.role,
                        "joined_at": _at(participant.created_at), "last_seen_at": _at(participant.last_seen_at),
                        "profile": participant.profile, "structure": _structure(session, participant.structure_id)},
        "cards": [{"id": c.id, "column": c.column_key, "text": c.text, "language": c.language, "hidden": c.hidden,
                   "private": c.private,
                   "created_at": _at(c.created_at), "updated_at": _at(c.updated_at)} for c in cards],
        "replies": [{"id": r.id, "card_id": r.card_id, "text": r.text, "hidden": r.hidden,
                     "created_at": _at(r.created_at)} for r in replies],
        "reactions": [{"card_id": card_id, "kind": kind} for card_id, kind in reactions],
        "votes": [{"kind": kind, "target_id": target} for kind, target in votes],
        "table": table,
        "reports": reports.export_of_seat(session, participant.id),
    }


def export_workshop(session: Session, workshop: Workshop) -> dict:
    """Every participant's data on one board, seat by seat."""
    seats = session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)
                            .order_by(Participant.id))
    return {"workshop": {"id": workshop.id, "title": workshop.title, "status": workshop.status},
            "participants": [export_participant(session, seat) for seat in seats]}


def export_account(session: Session, user: User) -> dict:
    """An account's identity, the workshops it runs and its seats on boards (with what it wrote there)."""
    workshops = session.scalars(select(Workshop).where(Workshop.facilitator_id == user.id).order_by(Workshop.id))
    seats = session.scalars(select(Participant).where(Participant.user_id == user.id).order_by(Participant.id))
    return {
        "account": {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "active": user.active, "created_at": _at(user.created_at),
                    "last_login_at": _at(user.last_login_at)},
        "workshops_facilitated": [{"id": w.id, "title": w.title} for w in workshops],
        "seats": [export_participant(session, seat) for seat in seats],
        "mail": mail_personal.export_for(session, user),
        "meeting_registrations": [meetings_privacy.export_registration(r)
                                  for r in meetings_privacy.by_email(session, user.email)],
        "peer_groups": [{"id": group_id, "name": name, "role": role} for group_id, name, role in session.execute(
            select(PeerGroup.id, PeerGroup.name, PeerGroupMember.role).join(PeerGroupMember)
            .where(PeerGroupMember.user_id == user.id).order_by(PeerGroup.id))],
        "peer_group_invitations": group_invitations.export_for(session, user.email),
        "programme_time": [{"programme_id": e.programme_id, "date": e.worked_on.isoformat(), "hours": str(e.hours),
                            "kind": e.kind, "person": e.person}
                           for e in session.scalars(select(TimeEntry).where(TimeEntry.recorded_by_id == user.id)
                                                    .order_by(TimeEntry.id))],
        "reports": reports.export_of_account(session, user.id),
        "practice_trials": trials_privacy.export_of_account(session, user.id),
    }


def _structure(session: Session, structure_id: int | None) -> dict | None:
    """The structure a participant said they come from (its id and name)."""
    if structure_id is None:
        return None
    name = session.scalar(select(Structure.name).where(Structure.id == structure_id))
    return {"id": structure_id, "name": name}
