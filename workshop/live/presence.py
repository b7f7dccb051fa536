"""Who is on a board right now, per server process; broadcasts are coalesced to spare big rooms."""

from __future__ import annotations

import threading
from collections import defaultdict

from workshop.extensions import socketio

NAMESPACE = "/board"
COALESCE_SECONDS = 0.5
# Each presence message carries every name, to every screen: O(N) bytes to N screens per window. Big rooms
# get a longer window (0.5 s per 100 people, at most 5 s) so a join storm of 1,000 does not flood them.
MAX_COALESCE_SECONDS = 5.0

_lock = threading.Lock()
_sockets: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
_pending: set[int] = set()


def live_screens() -> int:
    """Screens connected to any board of this process (the PDF renderer gives way to them)."""
    with _lock:
        return sum(len(sockets) for sockets in _sockets.values())


def snapshot(workshop_id: int) -> dict:
    with _lock:
        people = dict(_sockets.get(workshop_id, {}).values())
    return {"count": len(people), "names": sorted(people.values(), key=str.casefold)}


def participant_ids(workshop_id: int) -> list[int]:
    """The participants with at least one socket on this board (in this process)."""
    with _lock:
        return sorted({pid for pid, _name in _sockets.get(workshop_id, {}).values()})


def add(workshop_id: int, sid: str, participant_id: int, name: str) -> None:
    with _lock:
        _sockets[workshop_id][sid] = (participant_id, name)
    _schedule(workshop_id)


def sids_of(workshop_id: int, participant_id: int) -> list[str]:
    """The sockets (in this process) of one participant: their own view of an event goes to these."""
    with _lock:
        return [sid for sid, (pid, _name) in _sockets.get(workshop_id, {}).items() if pid == participant_id]


def rename(workshop_id: int, participant_ids: list[int], name: str) -> None:
    """Show these participants under a new name on their open sockets (a name erased on request)."""
    wanted = set(participant_ids)
    with _lock:
        sockets = _sockets.get(workshop_id, {})
        changed = [sid for sid, (pid, _name) in sockets.items() if pid in wanted]
        for sid in changed:
            sockets[sid] = (sockets[sid][0], name)
    if changed:
        _schedule(workshop_id)


def remove(sid: str) -> int | None:
    with _lock:
        workshop_id = next((w for w, sockets in _sockets.items() if sockets.pop(sid, None) is not None), None)
    if workshop_id is not None:
        _schedule(workshop_id)
    return workshop_id


def _schedule(workshop_id: int) -> None:
    with _lock:
        if workshop_id in _pending:
            return
        _pending.add(workshop_id)
    socketio.start_background_task(_broadcast_later, workshop_id)


def _coalesce_seconds(workshop_id: int) -> float:
    with _lock:
        size = len(_sockets.get(workshop_id, ()))
    return min(MAX_COALESCE_SECONDS, COALESCE_SECONDS * max(1.0, size / 100))


def _broadcast_later(workshop_id: int) -> None:
    socketio.sleep(_coalesce_seconds(workshop_id))
    with _lock:
        _pending.discard(workshop_id)
    people = snapshot(workshop_id)
    socketio.emit("presence", people, to=room(workshop_id), namespace=NAMESPACE)
    socketio.emit("presence", people, to=moderators_room(workshop_id), namespace=NAMESPACE)


def room(workshop_id: int) -> str:
    return f"w{workshop_id}"


def moderators_room(workshop_id: int) -> str:
    return f"w{workshop_id}:fac"
