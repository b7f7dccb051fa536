"""Who is on a board right now; broadcasts are coalesced to spare big rooms.

Each process keeps its own sockets here (to find an owner's sockets, to count its screens); with REDIS_URL, who is
present is read from Redis, shared by all processes (cluster.py), so every screen shows the true count. Whatever
a screen is told of who is there (the join's `presence`, the `presence` event, a moderator's balance and the
presence-watching commands) is read through `_present`: one source. Which sockets take frames is kept per board
(`_framed`), the only record of it.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict

from workshop.extensions import socketio
from workshop.live import cluster

NAMESPACE = "/board"
COALESCE_SECONDS = 0.5
# Each presence message carries every name, to every screen: O(N) bytes to N screens per window. Big rooms
# get a longer window (0.5 s per 100 people, at most 5 s) so a join storm of 1,000 does not flood them.
MAX_COALESCE_SECONDS = 5.0

_lock = threading.Lock()
_sockets: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
_owners: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))  # board -> participant -> sids
_framed: dict[int, set[str]] = defaultdict(set)  # each board's sockets that take events in `events` frames
_pending: set[int] = set()


def boards() -> list[int]:
    """The boards with screens on this process."""
    with _lock:
        return [w for w, sockets in _sockets.items() if sockets]


def live_screens() -> int:
    """Screens connected to any board of this process (the PDF renderer gives way to them)."""
    with _lock:
        return sum(len(sockets) for sockets in _sockets.values())


def _present(workshop_id: int) -> tuple[list[tuple[int, str]], int | None]:
    """(participant id, name) of every socket on the board, and the version of that list (None: this process)."""
    if cluster.usable():
        try:
            return _shared(workshop_id)
        except Exception as error:  # noqa: BLE001  (Redis unreachable: this process's screens are what is left)
            cluster.failed(error)
    with _lock:
        return list(_sockets.get(workshop_id, {}).values()), None


def _shared(workshop_id: int) -> tuple[list[tuple[int, str]], int]:
    key = cluster.presence_key(workshop_id)
    pipe = cluster.client().pipeline()
    pipe.hgetall(key)
    pipe.get(key + ":v")
    entries, version = pipe.execute()
    entries = {field.decode(): json.loads(value) for field, value in entries.items()}
    live = cluster.alive({field.split(":", 1)[0] for field in entries})  # a dead process's screens, at once
    return [tuple(v) for f, v in entries.items() if f.split(":", 1)[0] in live], int(version or 0)


def snapshot(workshop_id: int) -> dict:
    entries, version = _present(workshop_id)
    people = dict(entries)
    shown = {"count": len(people), "names": sorted(people.values(), key=str.casefold)}
    if version is not None:
        shown["v"] = version  # several processes broadcast: a screen keeps the newest
    return shown


def participant_ids(workshop_id: int) -> list[int]:
    """The participants with at least one socket on this board (on any process when they share Redis)."""
    return sorted({pid for pid, _name in _present(workshop_id)[0]})


def add(workshop_id: int, sid: str, participant_id: int, name: str, *, framed: bool = False) -> None:
    with _lock:
        _sockets[workshop_id][sid] = (participant_id, name)
        _owners[workshop_id][participant_id].add(sid)
        if framed:
            _framed[workshop_id].add(sid)
    _share(workshop_id, {sid: (participant_id, name)})
    _schedule(workshop_id)


_unshared_gone: dict[int, set[str]] = defaultdict(set)  # sockets gone while Redis could not be told


def _share(workshop_id: int, changed: dict[str, tuple[int, str]], gone: tuple[str, ...] = ()) -> None:
    """Tell Redis of sockets arrived (`changed`) and left (`gone`). A leave Redis could not be told is kept and
    told when it answers again (`_reshare`): re-sharing only adds, so a screen shared again by a revival and gone
    in the second after stayed counted for good ("120 instead of 119" after a Redis restart, seen in the suite)."""
    if not cluster.usable():
        if gone:
            with _lock:
                _unshared_gone[workshop_id].update(gone)
        return  # shared again when Redis answers (cluster.succeeded)
    try:
        cluster.start()
        key = cluster.presence_key(workshop_id)
        pipe = cluster.client().pipeline()
        if changed:
            pipe.hset(key, mapping={f"{cluster.host_id}:{sid}": json.dumps(v) for sid, v in changed.items()})
            pipe.sadd(cluster.PREFIX + "host-boards:" + cluster.host_id, workshop_id)
        if gone:
            pipe.hdel(key, *(f"{cluster.host_id}:{sid}" for sid in gone))
        cluster.bump_version(pipe, key)
        pipe.execute()
    except Exception as error:  # noqa: BLE001
        if gone:
            with _lock:
                _unshared_gone[workshop_id].update(gone)
        cluster.failed(error)


def sids_of(workshop_id: int, participant_id: int) -> list[str]:
    """The sockets (in this process) of one participant: their own view of an event goes to these (an index,
    not a scan of the board's sockets: this runs once per event)."""
    with _lock:
        board = _owners.get(workshop_id)
        return list(board.get(participant_id, ())) if board else []


def framed(workshop_id: int, sid: str) -> bool:
    """Whether this socket of the board takes its events in `events` frames."""
    return sid in _framed.get(workshop_id, ())


def has_framed(workshop_id: int) -> bool:
    """Whether a socket of this board, in this process, takes events in frames (else none need framing)."""
    return bool(_framed.get(workshop_id))


def has_unframed(workshop_id: int) -> bool:
    """Whether a screen of the board on this process takes its events one by one (browsers take frames)."""
    with _lock:
        return len(_sockets.get(workshop_id, ())) > len(_framed.get(workshop_id, ()))


def reset() -> None:
    """Forget every socket (tests: a previous test's board may have had the same id)."""
    with _lock:
        _sockets.clear()
        _owners.clear()
        _framed.clear()


def rename(workshop_id: int, participant_ids: list[int], name: str) -> None:
    """Show these participants under a new name on their open sockets (a name erased on request)."""
    wanted = set(participant_ids)
    with _lock:
        sockets = _sockets.get(workshop_id, {})
        changed = [sid for sid, (pid, _name) in sockets.items() if pid in wanted]
        for sid in changed:
            sockets[sid] = (sockets[sid][0], name)
        renamed = {sid: sockets[sid] for sid in changed}
    if changed:
        _share(workshop_id, renamed)
        _schedule(workshop_id)


def remove(sid: str) -> int | None:
    with _lock:
        workshop_id = next((w for w, sockets in _sockets.items() if sid in sockets), None)
        if workshop_id is not None:
            participant_id, _name = _sockets[workshop_id].pop(sid)
            owned = _owners[workshop_id][participant_id]
            owned.discard(sid)
            if not owned:
                del _owners[workshop_id][participant_id]
            _framed[workshop_id].discard(sid)
    if workshop_id is not None:
        _share(workshop_id, {}, (sid,))
        _schedule(workshop_id)
    return workshop_id


def _schedule(workshop_id: int, delay: float | None = None) -> None:
    with _lock:
        if workshop_id in _pending:
            return
        _pending.add(workshop_id)
    socketio.start_background_task(_broadcast_later, workshop_id, delay)


def _coalesce_seconds(workshop_id: int) -> float:
    with _lock:
        size = len(_sockets.get(workshop_id, ()))
    return min(MAX_COALESCE_SECONDS, COALESCE_SECONDS * max(1.0, size / 100))


def _reshare() -> None:
    with _lock:
        boards = {w: dict(sockets) for w, sockets in _sockets.items() if sockets}
        gone = {w: tuple(sids - set(_sockets.get(w, ()))) for w, sids in _unshared_gone.items()}
        _unshared_gone.clear()
    for workshop_id in boards.keys() | gone.keys():
        _share(workshop_id, boards.get(workshop_id, {}), gone.get(workshop_id, ()))
        _schedule(workshop_id, 0.05)


cluster.on_revived = _reshare


def host_lost(workshop_id: int) -> None:
    """A process died: its screens left this board (told at once, as one change)."""
    _schedule(workshop_id, 0.05)


def _broadcast_later(workshop_id: int, delay: float | None = None) -> None:
    socketio.sleep(_coalesce_seconds(workshop_id) if delay is None else delay)
    with _lock:
        _pending.discard(workshop_id)
    socketio.emit("presence", snapshot(workshop_id), to=rooms(workshop_id), namespace=NAMESPACE)


def room(workshop_id: int, *, moderators: bool = False, framed: bool = False) -> str:
    """The room of a board's screens of one kind: moderators or participants, taking events one by one (the
    contract's `event`) or in frames (`events`)."""
    return f"w{workshop_id}" + (":fac" if moderators else "") + (":f" if framed else "")


def rooms(workshop_id: int) -> list[str]:
    """Every room of a board: what all its screens get (presence) goes to these."""
    return [room(workshop_id, moderators=m, framed=f) for m in (False, True) for f in (False, True)]
