"""Run board commands in-process, as the socket front does, for service-level tests (no socket needed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workshop.live.kernel import Outcome, current_kernel
from workshop.live.visibility import Viewer


@dataclass
class Change:
    """What a command did: the card of the ack (if any), the last event logged, and the rest of the ack."""

    card: dict | None
    event: dict | None
    extra: dict


def _change(outcome: Outcome) -> Change:
    ack = dict(outcome.ack)
    ack.pop("seq", None)
    return Change(ack.pop("card", None), outcome.event, ack)


def act(session: Session, participant, name: str, payload=None) -> Change:
    """Run the board command `name` as `participant` (through the kernel: checks, log, commit, broadcast)."""
    return _change(current_kernel().perform(session, participant.id, name, payload,
                                            workshop_id=participant.workshop_id, rate_limited=False))


def expire_timer(session: Session, workshop_id: int, token: int) -> Change:
    """What the server runs when a timer should have run out."""
    return _change(current_kernel().perform_system(session, workshop_id, "timer.expire", {"token": token}))


def board_state(session: Session, workshop, viewer) -> dict:
    return current_kernel().host.state(session, workshop, viewer)


def events_since(session: Session, workshop_id: int, since, viewer, limit: int):
    assert viewer.workshop_id == workshop_id
    return current_kernel().events_since(session, viewer, since, limit)


def view_event(event: dict, *, viewer_id: int | None = None, moderator: bool = False,
               anonymous: bool = False) -> dict:
    """The event as one viewer receives it (through its type's visibility policy)."""
    return current_kernel().registry.view(event, Viewer(viewer_id, moderator, anonymous))
