"""What a screen needs of facilitation when it (re)joins a board, as its viewer may see it; a fixed number of
queries whatever the number of cards, groups or replies."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.host import anonymous
from workshop.boards.models import Card, Participant, Workshop
from workshop.boards.service import is_moderator, now
from workshop.facilitation.arrange import groups_state
from workshop.facilitation.control import (
    SETTING_KEYS,
    control,
    current_phase,
    epoch_ms,
    is_locked,
    phases_of,
    settings_of,
    timer_dict,
)
from workshop.facilitation.models import CardPlacement, Reaction, Reply, Vote
from workshop.facilitation.replies import REACTIONS, REPLY, reply_dict
from workshop.facilitation.tables import tables_state
from workshop.facilitation.votes import dots, person_seats, tally
from workshop.formats.builtin import FORMATS
from workshop.live.visibility import Viewer


def _reactions(session: Session, workshop_id: int, viewer_id: int) -> tuple[dict, list]:
    counts: dict[int, dict[str, int]] = {}
    mine: list[list] = []
    for card_id, kind, count, own in session.execute(  # one query: every count, and which ones are mine
            select(Reaction.card_id, Reaction.kind, func.count(),
                   func.count().filter(Reaction.participant_id == viewer_id))
            .where(Reaction.workshop_id == workshop_id).group_by(Reaction.card_id, Reaction.kind)):
        counts.setdefault(card_id, {})[kind] = count
        if own:
            mine.append([card_id, kind])
    return {str(k): v for k, v in counts.items()}, mine


def facilitation_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """Phase, timer, lock, groups, votes, reactions, replies: a part of the board's state."""
    ctrl = control(session, workshop)
    settings = settings_of(workshop)
    seen = Viewer(viewer.id, is_moderator(viewer), anonymous(workshop))
    placements = session.execute(select(CardPlacement.card_id, CardPlacement.group_id, CardPlacement.position,
                                        Card.deleted).join(Card, Card.id == CardPlacement.card_id)
                                 .where(CardPlacement.workshop_id == workshop.id)).all()
    mine = session.execute(select(Vote.target_kind, Vote.target_id).where(  # the person's, under any name
        Vote.workshop_id == workshop.id, Vote.participant_id.in_(person_seats(viewer))).order_by(Vote.id)).all()
    reactions, my_reactions = _reactions(session, workshop.id, viewer.id)
    replies = session.execute(select(Reply, Participant.name).outerjoin(
        Participant, Participant.id == Reply.participant_id).where(Reply.workshop_id == workshop.id)
        .order_by(Reply.id)).all()
    fmt = FORMATS.get(workshop.format_key)
    return {"facilitation": {
        "format": {"key": workshop.format_key, "label": fmt.label_fr if fmt else workshop.format_key},
        "phases": phases_of(workshop),
        "phase": current_phase(workshop, ctrl),
        "extra_columns": [c.to_dict() for c in (fmt.extra_columns if fmt else ())],
        "settings": {k: settings.get(k) for k in SETTING_KEYS},
        "tables": tables_state(session, workshop, viewer),
        "locked": is_locked(ctrl),
        "timer": timer_dict(ctrl),
        "server_time": epoch_ms(now()),
        "spotlight": ctrl.spotlight,
        "groups": groups_state(session, workshop.id, placements),
        "placements": [[p.card_id, p.group_id, p.position] for p in placements],
        "votes": {"mine": [{"kind": k, "target_id": t} for k, t in mine], "used": len(mine),
                  "budget": int(settings.get("vote_budget", 3)), "total": dots(session, workshop.id),
                  "revealed": bool(ctrl.votes_revealed),
                  "results": tally(session, workshop.id) if ctrl.votes_revealed else None},
        "reactions": reactions,
        "my_reactions": my_reactions,
        "replies": [REPLY.item(reply_dict(r, name), seen) for r, name in replies],
        "reaction_kinds": REACTIONS,
    }}
