"""Who is in the room: the balance of profiles (and of networks) of the people present on a board.

Only moderators see it: in their join or resync state, and in the `balance.changed` events the kernel logs when
someone with a profile arrives, leaves or changes profile (participants receive those events empty).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.models import Participant, Workshop
from workshop.boards.profiles import PROFILE_KINDS
from workshop.boards.service import is_moderator
from workshop.live import presence
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.live.models import BoardEvent
from workshop.live.visibility import moderators_only, policy
from workshop.mapping.models import structure_network
from workshop.networks.models import Network

BALANCE = policy("balance", "networks", rules=(moderators_only,))


def balance_of(session: Session, participant_ids: list[int]) -> tuple[dict[str, int], dict[str, int]]:
    """Counts by profile kind (only kinds present), and by network of the participants' structures."""
    if not participant_ids:
        return {}, {}
    kinds = Counter(dict(session.execute(
        select(Participant.profile, func.count()).where(Participant.id.in_(participant_ids),
                                                        Participant.profile.is_not(None))
        .group_by(Participant.profile)).all()))
    networks = dict(session.execute(
        select(Network.short_name, func.count(Participant.id))
        .join(structure_network, structure_network.c.network_id == Network.id)
        .join(Participant, Participant.structure_id == structure_network.c.structure_id)
        .where(Participant.id.in_(participant_ids)).group_by(Network.short_name)).all())
    return {k: kinds[k] for k in PROFILE_KINDS if kinds.get(k)}, networks


def balance_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """A part of the board's state: the balance of who is present, for moderators only."""
    if not is_moderator(viewer):
        return {}
    kinds, networks = balance_of(session, presence.participant_ids(workshop.id))
    return {"balance": kinds, "balance_networks": networks}


def _profiled(participant: Participant) -> bool:
    return participant.profile is not None


@command("balance.update", on_presence=_profiled, emits=("balance.changed",), visibility=BALANCE, batched=True)
def update_balance(ctx: Context, payload: dict) -> None:
    """Tell moderators the new balance when it differs from the last one logged (nothing logged otherwise)."""
    kinds, networks = balance_of(ctx.session, payload["present"])
    last = ctx.session.scalar(select(BoardEvent.payload).where(BoardEvent.workshop_id == ctx.workshop_id,
                                                               BoardEvent.type == "balance.changed")
                              .order_by(BoardEvent.seq.desc()).limit(1))
    if last != {"balance": kinds, "networks": networks}:
        ctx.emit("balance.changed", {"balance": kinds, "networks": networks})
