"""Reactions ("moi aussi", "à creuser", "merci") and short replies under cards; the facilitator may hide a reply."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Participant
from workshop.boards.service import now
from workshop.errors import NotFound, ValidationError
from workshop.facilitation import targets
from workshop.facilitation.models import Reaction, Reply
from workshop.formats.builtin import REACT
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.live.visibility import anonymous_author, hidden_for_participants, policy
from workshop.validation import clean_flag, clean_id, clean_text, clean_token

REACTIONS = {"same": "Moi aussi", "dig": "À creuser", "thanks": "Merci"}
REPLY_MAX = 280
# A hidden reply reaches participants (its author too) as its place only; anonymous boards keep authors quiet.
REPLY = policy("reply", rules=(hidden_for_participants("reply", "id", "card_id"), anonymous_author))
REACTION = policy("reaction", rules=(anonymous_author,))


def hidden_replies(session: Session, workshop_id: int) -> dict[str, frozenset[int]]:
    """The board's hidden replies: a replay to a participant hides them even where they were logged visible."""
    return {"reply": frozenset(session.scalars(select(Reply.id).where(Reply.workshop_id == workshop_id,
                                                                       Reply.hidden.is_(True))))}


def reaction_counts(session: Session, card_id: int) -> dict:
    return dict(session.execute(select(Reaction.kind, func.count()).where(Reaction.card_id == card_id)
                                .group_by(Reaction.kind)).all())


@command("reaction.toggle", allows=REACT, emits=("reaction.toggled",), visibility=REACTION, batched=True)
def toggle_reaction(ctx: Context, payload: dict) -> None:
    kind = payload.get("kind")
    if not isinstance(kind, str) or kind not in REACTIONS:
        raise ValidationError(_("Réaction inconnue."), field="kind")
    card = targets.visible_target(ctx.session, ctx.workshop_id, "card", payload.get("card_id"))
    me = ctx.participant.id
    found = ctx.session.scalar(select(Reaction).where(Reaction.card_id == card.id, Reaction.participant_id == me,
                                                      Reaction.kind == kind))
    if found is None:
        ctx.session.add(Reaction(workshop_id=ctx.workshop_id, card_id=card.id, participant_id=me, kind=kind))
    else:
        ctx.session.delete(found)
    ctx.session.flush()
    ctx.emit("reaction.toggled", {"reaction": {"card_id": card.id, "kind": kind, "participant_id": me,
                                               "on": found is None},
                                  "counts": reaction_counts(ctx.session, card.id)})


def reply_dict(reply: Reply, author: str | None) -> dict:
    return {"id": reply.id, "card_id": reply.card_id, "client_id": reply.client_id, "text": reply.text,
            "author": author, "participant_id": reply.participant_id, "hidden": reply.hidden}


@command("reply.add", allows=REACT, rate="CARD_RATE", emits=("reply.added",), visibility=REPLY)
def add_reply(ctx: Context, payload: dict) -> dict:
    """A short answer under a card; a resend with the same client_id records nothing new."""
    client_id = clean_token(payload.get("client_id"), "client_id")
    text = clean_text(payload.get("text"), "text", max_len=REPLY_MAX, label=_("Réponse"))
    card = targets.visible_target(ctx.session, ctx.workshop_id, "card", payload.get("card_id"))
    existing = ctx.session.scalar(select(Reply).where(Reply.workshop_id == ctx.workshop_id,
                                                      Reply.client_id == client_id))
    if existing is not None:
        return {"reply": reply_dict(existing, ctx.participant.name)}
    reply = Reply(workshop_id=ctx.workshop_id, card_id=card.id, participant_id=ctx.participant.id,
                  client_id=client_id, text=text, hidden=False, created_at=now())
    ctx.session.add(reply)
    ctx.session.flush()
    data = reply_dict(reply, ctx.participant.name)
    ctx.emit("reply.added", {"reply": data})
    return {"reply": data}


@command("reply.hide", moderator=True, emits=("reply.hidden", "reply.shown"), visibility=REPLY)
def hide_reply(ctx: Context, payload: dict) -> None:
    hidden = clean_flag(payload, "hidden", True)
    reply = ctx.session.get(Reply, clean_id(payload.get("id")))
    if reply is None or reply.workshop_id != ctx.workshop_id:
        raise NotFound(_("Cette réponse n'existe plus."))
    reply.hidden = hidden
    author = ctx.session.get(Participant, reply.participant_id) if reply.participant_id else None
    ctx.emit("reply.hidden" if hidden else "reply.shown", {"reply": reply_dict(reply, author.name if author else None)})
