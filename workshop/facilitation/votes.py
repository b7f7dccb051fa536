"""Dot voting: a budget of dots per participant, kept secret until the facilitator reveals the results.

The count-and-insert runs under the board's seq row lock (the kernel takes it first), so the budget holds under
a storm of clicks, even across server processes. `tally` is the one ranking: the board and the report use it.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Card, Participant
from workshop.boards.service import now, same_person
from workshop.errors import Closed, NotFound, ValidationError
from workshop.facilitation import targets
from workshop.facilitation.control import control, settings_of, writable
from workshop.facilitation.models import CardGroup, CardPlacement, Vote
from workshop.formats.builtin import VOTE
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.live.visibility import policy, secret_until_revealed
from workshop.validation import clean_flag, clean_id

# Each dot reaches its author only; the others learn the total, and the ranking when it is revealed.
SECRET_VOTE = policy("vote", rules=(secret_until_revealed,))


def _target(payload: dict) -> tuple[str, int]:
    return targets.kind_of(payload), clean_id(payload.get("id"))


def dots(session: Session, workshop_id: int, participant: Participant | None = None) -> int:
    """Dots on the board, or those of the person behind `participant` (under any name)."""
    query = select(func.count()).select_from(Vote).where(Vote.workshop_id == workshop_id)
    if participant is not None:
        query = query.where(Vote.participant_id.in_(person_seats(participant)))
    return session.scalar(query) or 0


def person_seats(participant: Participant):
    """The ids of the seats of the person behind `participant` on its board (a subquery): budgets count them."""
    return select(Participant.id).where(same_person(participant)).scalar_subquery()


def vote_dict(vote: Vote) -> dict:
    return {"id": vote.id, "kind": vote.target_kind, "target_id": vote.target_id,
            "participant_id": vote.participant_id}


def _still_open(ctx: Context) -> None:
    if control(ctx.session, ctx.workshop).votes_revealed:
        raise Closed(_("Les résultats sont affichés : le vote est clos."))


@command("vote.cast", allows=VOTE, rate="VOTE_RATE", emits=("vote.cast",), visibility=SECRET_VOTE, batched=True)
def cast_vote(ctx: Context, payload: dict) -> dict:
    """Put one dot on a card or a group."""
    kind, target_id = _target(payload)
    if ctx.moderator and VOTE not in ctx.steering.phase["allows"]:
        raise Closed(_("Le vote n'est pas ouvert."))
    _still_open(ctx)
    targets.visible_target(ctx.session, ctx.workshop_id, kind, target_id)
    settings = settings_of(ctx.workshop)
    budget = int(settings.get("vote_budget", 3))
    # One query: my dots, and my dots on this target; "my" is the person behind this seat, whatever name they
    # re-joined under (the same socket or device), so a new name gives no new budget.
    seats = person_seats(ctx.participant)
    used, here = ctx.session.execute(
        select(func.count(), func.count().filter((Vote.target_kind == kind) & (Vote.target_id == target_id)))
        .where(Vote.workshop_id == ctx.workshop_id, Vote.participant_id.in_(seats))).one()
    if used >= budget:
        raise ValidationError(_("Vous avez posé toutes vos gommettes (%(n)d).", n=budget), field="budget")
    if here and not settings.get("multi_dots"):
        raise ValidationError(_("Une seule gommette par post-it dans cet atelier."), field="id")
    vote = Vote(workshop_id=ctx.workshop_id, participant_id=ctx.participant.id, target_kind=kind,
                target_id=target_id, created_at=now())
    ctx.session.add(vote)
    ctx.session.flush()
    ctx.emit("vote.cast", {"vote": vote_dict(vote), "total": dots(ctx.session, ctx.workshop_id)})
    return {"vote": vote_dict(vote), "used": used + 1, "budget": budget}


@command("vote.remove", allows=VOTE, rate="VOTE_RATE", emits=("vote.removed",), visibility=SECRET_VOTE,
         batched=True)
def remove_vote(ctx: Context, payload: dict) -> dict:
    kind, target_id = _target(payload)
    _still_open(ctx)
    vote = ctx.session.scalar(select(Vote).where(
        Vote.workshop_id == ctx.workshop_id, Vote.participant_id.in_(person_seats(ctx.participant)),
        Vote.target_kind == kind,
        Vote.target_id == target_id).order_by(Vote.id.desc()).limit(1))
    if vote is None:
        raise NotFound(_("Vous n'avez pas de gommette ici."))
    data = {"vote": vote_dict(vote)}
    ctx.session.delete(vote)
    ctx.session.flush()
    data["total"] = dots(ctx.session, ctx.workshop_id)
    ctx.emit("vote.removed", data)
    return {"used": dots(ctx.session, ctx.workshop_id, ctx.participant)}


def tally(session: Session, workshop_id: int) -> dict:
    """Ranking by card and by group (a group counts its own dots plus its cards' dots); hidden and deleted
    cards are left out."""
    rows = session.execute(select(Vote.target_kind, Vote.target_id, Vote.participant_id)
                           .where(Vote.workshop_id == workshop_id)).all()
    by_card = Counter(r.target_id for r in rows if r.target_kind == "card")
    by_group = Counter(r.target_id for r in rows if r.target_kind == "group")
    live_cards = set(session.scalars(select(Card.id).where(Card.workshop_id == workshop_id,
                                                           Card.deleted.is_(False), Card.hidden.is_(False),
                                                           Card.pending.is_(False))))
    groups = list(session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop_id,
                                                          CardGroup.deleted.is_(False))))
    placements = dict(session.execute(select(CardPlacement.card_id, CardPlacement.group_id)
                                      .where(CardPlacement.workshop_id == workshop_id)).all())
    group_dots = {g.id: by_group[g.id] + sum(n for c, n in by_card.items() if placements.get(c) == g.id)
                  for g in groups}
    cards = sorted(({"id": c, "dots": n} for c, n in by_card.items() if c in live_cards),
                   key=lambda r: (-r["dots"], r["id"]))
    ranked_groups = sorted(({"id": g.id, "name": g.name, "kind": g.kind, "dots": group_dots[g.id]}
                            for g in groups if group_dots[g.id]), key=lambda r: (-r["dots"], r["id"]))
    return {"cards": cards, "groups": ranked_groups, "total": len(rows),
            "voters": len({r.participant_id for r in rows})}


@command("votes.reveal", payload=False, moderator=True, emits=("votes.revealed", "votes.hidden"))
def reveal_votes(ctx: Context, payload: dict) -> None:
    revealed = clean_flag(payload, "revealed", True)
    writable(ctx).votes_revealed = revealed
    data = {"revealed": revealed, "results": tally(ctx.session, ctx.workshop_id) if revealed else None}
    ctx.emit("votes.revealed" if revealed else "votes.hidden", data)


@command("votes.reset", payload=False, moderator=True, emits=("votes.reset",))
def reset_votes(ctx: Context, _payload: dict) -> None:
    """Clear every dot (a new round of voting)."""
    ctx.session.execute(delete(Vote).where(Vote.workshop_id == ctx.workshop_id))
    writable(ctx).votes_revealed = False
    ctx.emit("votes.reset", {"total": 0})
