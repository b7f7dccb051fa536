"""The board command that erases people's data on a live board, so that open screens drop it at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workshop.live import presence
from workshop.live.commands import command
from workshop.live.context import Context
from workshop.live.kernel import current_kernel
from workshop.privacy import erasure
from workshop.validation import clean_ids

ERASE_MAX = 100_000  # participants of one board, at most, in one erasure


@command("privacy.erase", system=True, emits=("privacy.erased",), visibility=erasure.ERASED)
def erase_on_board(ctx: Context, payload: dict) -> dict:
    """Erase these participants' text and names (`participants`: ids; absent or None: the whole board)."""
    ids = payload.get("participants")
    erased = erasure.erase(ctx.session, ctx.workshop_id,
                           None if ids is None else clean_ids(ids, "participants", ERASE_MAX))
    if erased:
        ctx.emit("privacy.erased", erased.event())
        for event in erased.pending_events():
            ctx.emit("privacy.erased", event)
        ctx.after_commit(lambda: presence.rename(ctx.workshop_id, erased.participants, erasure.ERASED_NAME))
    return erased.counts()


def erase_live(session: Session, workshop_id: int, participant_ids: list[int] | None) -> dict:
    """Run the erasure on one board through the kernel (its lock, its log, one commit, the broadcast): the
    fronts call this, and do not commit again."""
    outcome = current_kernel().perform_system(session, workshop_id, "privacy.erase",
                                              {"participants": participant_ids})
    return {key: value for key, value in outcome.ack.items() if key != "seq"}
