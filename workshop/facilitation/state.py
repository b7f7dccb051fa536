"""What a screen needs of facilitation when it (re)joins a board, as its viewer may see it; a fixed number of
queries whatever the number of cards, groups or replies.

Most of it is the same for every participant who owns nothing on the board: `FACILITATION.shared` builds that
once per board version (the host keeps it, see boards.statecache), and `FACILITATION.own` adds what is the
viewer's (their dots and reactions, their table) and what moves with the clock (the timer, a lock on its end).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.host import SharedPart, anonymous
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
from workshop.facilitation.models import BoardControl, CardPlacement, Reaction, Reply, Vote
from workshop.facilitation.replies import REACTIONS, REPLY, reply_dict
from workshop.facilitation.tables import tables_state
from workshop.facilitation.votes import dots, person_seats, tally
from workshop.formats.builtin import FORMATS
from workshop.live.visibility import Viewer

_TIMER_FIELDS = ("locked", "timer_ends_at", "timer_remaining", "timer_duration", "timer_lock_on_end")


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


def _common(session: Session, workshop: Workshop, ctrl: BoardControl, seen: Viewer) -> tuple[dict, frozenset[int]]:
    """Everything but the viewer's own dots, reactions and table, and what moves with the clock; the authors who
    see their replies otherwise (their own names on an anonymous board)."""
    settings = settings_of(workshop)
    placements = session.execute(select(CardPlacement.card_id, CardPlacement.group_id, CardPlacement.position,
                                        Card.deleted).join(Card, Card.id == CardPlacement.card_id)
                                 .where(CardPlacement.workshop_id == workshop.id)).all()
    replies = session.execute(select(Reply, Participant.name).outerjoin(
        Participant, Participant.id == Reply.participant_id).where(Reply.workshop_id == workshop.id)
        .order_by(Reply.id)).all()
    fmt = FORMATS.get(workshop.format_key)
    return {
        "format": {"key": workshop.format_key, "label": fmt.label_fr if fmt else workshop.format_key},
        "phases": phases_of(workshop),
        "phase": current_phase(workshop, ctrl),
        "extra_columns": [c.to_dict() for c in (fmt.extra_columns if fmt else ())],
        "settings": {k: settings.get(k) for k in SETTING_KEYS},
        "spotlight": ctrl.spotlight,
        "groups": groups_state(session, workshop.id, placements),
        "placements": [[p.card_id, p.group_id, p.position] for p in placements],
        "votes": {"budget": int(settings.get("vote_budget", 3)), "total": dots(session, workshop.id),
                  "revealed": bool(ctrl.votes_revealed),
                  "results": tally(session, workshop.id) if ctrl.votes_revealed else None},
        "replies": [REPLY.item(reply_dict(r, name), seen) for r, name in replies],
        "reaction_kinds": REACTIONS,
    }, frozenset(r.participant_id for r, _name in replies  # their names, on an anonymous board (REPLY)
                 if r.participant_id is not None and seen.anonymous)


def _now_and_own(common: dict, ctrl: Any, tables: dict, mine: list, reactions: dict, my_reactions: list) -> dict:
    return {"facilitation": {
        **common, "tables": tables, "locked": is_locked(ctrl), "timer": timer_dict(ctrl),
        "server_time": epoch_ms(now()), "votes": {**common["votes"], "mine": mine, "used": len(mine)},
        "reactions": reactions, "my_reactions": my_reactions}}


def facilitation_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """Phase, timer, lock, groups, votes, reactions, replies: a part of the board's state, built for one viewer."""
    ctrl = control(session, workshop)
    common, _authors = _common(session, workshop, ctrl, Viewer(viewer.id, is_moderator(viewer), anonymous(workshop)))
    mine = session.execute(select(Vote.target_kind, Vote.target_id).where(  # the person's, under any name
        Vote.workshop_id == workshop.id, Vote.participant_id.in_(person_seats(viewer))).order_by(Vote.id)).all()
    reactions, my_reactions = _reactions(session, workshop.id, viewer.id)
    return _now_and_own(common, ctrl, tables_state(session, workshop, viewer),
                        [{"kind": k, "target_id": t} for k, t in mine], reactions, my_reactions)


def _shared(session: Session, workshop: Workshop) -> tuple[tuple[dict, dict], frozenset[int]]:
    """The part as a participant who owns nothing sees it, and (never sent as such) every seat's dots and
    reactions and the timer's row, from which `_own` picks the viewer's; who sees their replies otherwise."""
    ctrl = control(session, workshop)
    common, authors = _common(session, workshop, ctrl, Viewer(None, False, anonymous(workshop)))
    counts: dict[str, dict[str, int]] = {}
    reacted: dict[int, list[list]] = {}
    for card_id, kind, participant_id in session.execute(
            select(Reaction.card_id, Reaction.kind, Reaction.participant_id)
            .where(Reaction.workshop_id == workshop.id).order_by(Reaction.card_id, Reaction.kind)):
        by_kind = counts.setdefault(str(card_id), {})
        by_kind[kind] = by_kind.get(kind, 0) + 1
        reacted.setdefault(participant_id, []).append([card_id, kind])  # one per card, person and kind
    by_person: dict[str, list[dict]] = {}
    by_seat: dict[int, list[dict]] = {}
    for kind, target, seat, person in session.execute(
            select(Vote.target_kind, Vote.target_id, Vote.participant_id, Participant.person)
            .join(Participant, Participant.id == Vote.participant_id)
            .where(Vote.workshop_id == workshop.id).order_by(Vote.id)):
        dot = {"kind": kind, "target_id": target}
        by_seat.setdefault(seat, []).append(dot)
        if person is not None:
            by_person.setdefault(person, []).append(dot)
    clock = SimpleNamespace(**{name: getattr(ctrl, name) for name in _TIMER_FIELDS})  # no ORM row kept
    return (common, {"counts": counts, "reacted": reacted, "by_person": by_person, "by_seat": by_seat,
                     "clock": clock}), authors


def _own(session: Session, workshop: Workshop, viewer: Participant, built: tuple[dict, dict]) -> dict:
    common, data = built
    mine = data["by_person"] if viewer.person is not None else data["by_seat"]
    return _now_and_own(common, data["clock"], tables_state(session, workshop, viewer),
                        list(mine.get(viewer.person if viewer.person is not None else viewer.id, ())),
                        data["counts"], list(data["reacted"].get(viewer.id, ())))


FACILITATION = SharedPart(shared=_shared, own=_own, whole=facilitation_state)
