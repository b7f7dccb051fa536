"""Facilitation rules: phases, lock, timer, spotlight, reveal, groups and merges, dot votes, reactions, replies,
columns, undo. Every change is one board event, written under the workshop's seq row lock (`_next_seq`), which
also makes the vote budget hold against concurrent requests, even across server processes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from workshop.boards import service as boards
from workshop.boards.formats import ACTIONS, DEFAULT_FORMAT, FORMATS, GROUP, REACT, VOTE, WRITE, ColumnSpec
from workshop.boards.models import BoardColumn, Card, Participant, Workshop
from workshop.boards.service import Change
from workshop.errors import Closed, DomainError, Forbidden, NotFound, ValidationError
from workshop.facilitation.models import (
    BoardControl,
    CardGroup,
    CardPlacement,
    CustomFormat,
    Reaction,
    Reply,
    TableSeat,
    UndoStep,
    Vote,
)
from workshop.validation import clean_id, clean_text, clean_token, require_mapping

REACTIONS = {"same": "Moi aussi", "dig": "À creuser", "thanks": "Merci"}
REPLY_MAX = 280
GROUP_NAME_MAX = 120
TIMER_MAX = 4 * 3600
UNDO_KEEP = 50
SIMILAR_CUTOFF = 70
TABLES_MAX = 20
SETTING_KEYS = ("anonymous", "vote_budget", "multi_dots", "everyone_groups", "tables")
FREE_PHASE = {"key": "", "label": "Atelier libre", "label_en": "Open board", "instructions": "", "minutes": 0,
              "allows": list(ACTIONS), "private": False}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


# --- Format and phase -----------------------------------------------------------------------------------


def settings_of(workshop: Workshop) -> dict:
    fmt = FORMATS.get(workshop.format_key)
    base = dict(fmt.defaults) if fmt else {}
    return {**base, **(workshop.settings or {})}


def phases_of(workshop: Workshop) -> list[dict]:
    """The workshop's phases: its own (saved from a custom format) or its format's."""
    own = (workshop.settings or {}).get("phases")
    if own:
        return own
    fmt = FORMATS.get(workshop.format_key)
    return [p.to_dict() for p in fmt.phases] if fmt else []


def control(session: Session, workshop: Workshop, *, create: bool = False) -> BoardControl:
    """The board's steering row; created on first write (callers hold the seq lock then)."""
    row = session.get(BoardControl, workshop.id)
    if row is None:
        phases = phases_of(workshop)
        row = BoardControl(workshop_id=workshop.id, phase_key=phases[0]["key"] if phases else "", locked=False,
                           votes_revealed=False, timer_lock_on_end=False, timer_token=0)
        if create:
            session.add(row)
    return row


def current_phase(workshop: Workshop, ctrl: BoardControl) -> dict:
    phases = phases_of(workshop)
    return next((p for p in phases if p["key"] == ctrl.phase_key), phases[0] if phases else FREE_PHASE)


def timer_dict(ctrl: BoardControl) -> dict:
    remaining, running = 0.0, False
    if ctrl.timer_ends_at is not None:
        remaining = max(0.0, (ctrl.timer_ends_at - boards.now()).total_seconds())
        running = remaining > 0
    elif ctrl.timer_remaining is not None:
        remaining = ctrl.timer_remaining
    return {
        "running": running,
        "paused": ctrl.timer_ends_at is None and ctrl.timer_remaining is not None,
        "ended": ctrl.timer_ends_at is not None and not running,
        "ends_at": _epoch_ms(ctrl.timer_ends_at) if ctrl.timer_ends_at else None,
        "remaining": round(remaining, 1),
        "duration": ctrl.timer_duration,
        "lock_on_end": bool(ctrl.timer_lock_on_end),
    }


def is_locked(ctrl: BoardControl) -> bool:
    """Locked by the facilitator, or by a timer that ran out with lock-on-end (even if no process saw it end)."""
    timer = timer_dict(ctrl)
    return bool(ctrl.locked or (timer["ended"] and ctrl.timer_lock_on_end))


def _workshop(session: Session, participant: Participant) -> Workshop:
    return boards.get_workshop(session, participant.workshop_id)


def require_moderator(participant: Participant) -> None:
    if not boards.is_moderator(participant):
        raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))


def _require_allowed(session: Session, participant: Participant, action: str, workshop: Workshop | None = None,
                     ctrl: BoardControl | None = None) -> None:
    """Participants act only on an unlocked board and in a phase that allows the action."""
    if boards.is_moderator(participant):
        return
    workshop = workshop or _workshop(session, participant)
    ctrl = ctrl or control(session, workshop)
    if not workshop.is_open:
        raise Closed()
    if is_locked(ctrl):
        raise Closed(_("Le tableau est verrouillé par l'animateur·rice."))
    phase = current_phase(workshop, ctrl)
    if action not in phase["allows"]:
        raise Closed(_("Ce n'est pas possible pendant la phase « %(p)s ».", p=phase["label"]))


def card_guard(session: Session, participant: Participant, action: str, card: Card) -> None:
    """Hook of boards.service: refuse card changes the phase or lock forbid; make cards private when due."""
    workshop = _workshop(session, participant)
    ctrl = control(session, workshop)
    if action in ("card.added", "card.updated"):
        _require_allowed(session, participant, WRITE, workshop, ctrl)
    elif action == "card.deleted" and not boards.is_moderator(participant) and is_locked(ctrl):
        raise Closed(_("Le tableau est verrouillé par l'animateur·rice."))
    if action == "card.added" and current_phase(workshop, ctrl)["private"]:
        card.private = True
    if action in ("card.added", "card.updated") and card.table_no is None \
            and card.column_key in table_columns(workshop):
        card.table_no = table_of(session, workshop, participant)


# --- Recording ------------------------------------------------------------------------------------------


def _event(session: Session, participant: Participant, type_: str, data: dict) -> dict:
    """Take the next seq (row lock) and append the event; the caller commits."""
    seq, _status = boards._next_seq(session, participant.workshop_id)
    return boards._record(session, participant.workshop_id, seq, type_, data, participant)


def _commit(session: Session, event: dict, extra: dict | None = None) -> Change:
    session.commit()
    return Change(None, event, extra)


def _flag(payload: dict, name: str, default: bool) -> bool:
    value = payload.get(name, default)
    if not isinstance(value, bool):
        raise ValidationError(_("Valeur « %(f)s » invalide.", f=name), field=name)
    return value


def _seconds(payload: dict, name: str, low: int, high: int) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValidationError(_("Durée invalide (de %(a)d à %(b)d secondes).", a=low, b=high), field=name)
    return int(value)


# --- Phases, lock, reveal, spotlight --------------------------------------------------------------------


def set_phase(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    key = require_mapping(payload).get("phase")
    workshop = _workshop(session, participant)
    phases = phases_of(workshop)
    index = next((i for i, p in enumerate(phases) if p["key"] == key), None)
    if index is None:
        raise ValidationError(_("Phase inconnue."), field="phase")
    event = _event(session, participant, "phase.changed", {"phase": phases[index], "index": index})
    control(session, workshop, create=True).phase_key = key
    return _commit(session, event)


def set_locked(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    locked = _flag(require_mapping(payload), "locked", True)
    workshop = _workshop(session, participant)
    event = _event(session, participant, "board.locked" if locked else "board.unlocked", {"locked": locked})
    ctrl = control(session, workshop, create=True)
    ctrl.locked = locked
    if not locked and ctrl.timer_lock_on_end and timer_dict(ctrl)["ended"]:
        ctrl.timer_lock_on_end = False  # unlocking after the bell really unlocks
    return _commit(session, event)


def reveal_cards(session: Session, participant: Participant, _payload: Any = None) -> Change:
    """Show every private card to everyone at once."""
    require_moderator(participant)
    cards = list(session.scalars(
        select(Card).where(Card.workshop_id == participant.workshop_id, Card.private.is_(True),
                           Card.deleted.is_(False)).options(selectinload(Card.participant)).order_by(Card.id)))
    for card in cards:
        card.private = False
    session.flush()
    event = _event(session, participant, "cards.revealed",
                   {"cards": [boards.card_dict(c) for c in cards if not c.hidden]})
    return _commit(session, event, {"revealed": len(cards)})


def set_spotlight(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    payload = require_mapping(payload)
    kind = payload.get("kind")
    spot = None
    if kind is not None:
        if kind not in ("card", "group"):
            raise ValidationError(_("Cible inconnue."), field="kind")
        _target(session, participant.workshop_id, kind, payload.get("id"), visible_to_all=True)
        spot = {"kind": kind, "id": payload["id"]}
    workshop = _workshop(session, participant)
    event = _event(session, participant, "spotlight.changed", {"spotlight": spot})
    control(session, workshop, create=True).spotlight = spot
    return _commit(session, event)


def update_settings(session: Session, participant: Participant, payload: Any) -> Change:
    """Change the workshop's rules of play: vote budget, several dots per card, who groups, anonymity."""
    require_moderator(participant)
    payload = require_mapping(payload)
    changes: dict = {}
    for name in ("multi_dots", "everyone_groups", "anonymous"):
        if name in payload:
            changes[name] = _flag(payload, name, False)
    if "tables" in payload:
        tables = payload["tables"]
        if not table_columns(_workshop(session, participant)):
            raise ValidationError(_("Cet atelier ne se joue pas par tables."), field="tables")
        if isinstance(tables, bool) or not isinstance(tables, int) or not 1 <= tables <= TABLES_MAX:
            raise ValidationError(_("Nombre de tables invalide (de 1 à %(n)d).", n=TABLES_MAX), field="tables")
        changes["tables"] = tables
    if "vote_budget" in payload:
        budget = payload["vote_budget"]
        if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 20:
            raise ValidationError(_("Nombre de gommettes invalide (de 1 à 20)."), field="vote_budget")
        changes["vote_budget"] = budget
    if not changes:
        raise ValidationError(_("Aucun réglage à changer."))
    workshop = _workshop(session, participant)
    seq, _status = boards._next_seq(session, workshop.id)
    workshop.settings = {**(workshop.settings or {}), **changes}
    settings = settings_of(workshop)
    data = {"settings": {k: settings.get(k) for k in SETTING_KEYS}}
    event = boards._record(session, workshop.id, seq, "settings.changed", data, participant)
    return _commit(session, event)


# --- World café tables ----------------------------------------------------------------------------------


def table_columns(workshop: Workshop) -> set[str]:
    """The workshop's round columns, whose cards record their author's table (none: not played by tables)."""
    fmt = FORMATS.get(workshop.format_key)
    keys = {c.key for c in fmt.columns if c.by_table} if fmt else set()
    return keys & {c.key for c in workshop.columns} if keys else keys  # other formats: no column query


def table_count(workshop: Workshop) -> int:
    """How many tables the facilitator set; 0 when the workshop is not played by tables."""
    tables = settings_of(workshop).get("tables")
    if not table_columns(workshop) or isinstance(tables, bool) or not isinstance(tables, int) or tables < 1:
        return 0
    return tables


def _seat_and_rank(session: Session, workshop: Workshop, participant: Participant) -> tuple[int | None, int | None]:
    """The table a participant chose (if any) and their rank of arrival among participants (None: facilitator)."""
    seat = session.get(TableSeat, participant.id)
    rank = None if boards.is_moderator(participant) else session.scalar(
        select(func.count()).select_from(Participant).where(
            Participant.workshop_id == workshop.id, Participant.role != "facilitator",
            Participant.id < participant.id))
    return (seat.table_no if seat else None), rank


def table_of(session: Session, workshop: Workshop, participant: Participant) -> int | None:
    """A participant's table: the one they chose, else round-robin by arrival; the facilitator sits nowhere."""
    count = table_count(workshop)
    if not count:
        return None
    seat, rank = _seat_and_rank(session, workshop, participant)
    if seat is not None:
        return (seat - 1) % count + 1  # still a real table after the facilitator removed some
    return None if rank is None else rank % count + 1


def tables_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """What a screen needs to place the viewer and group round cards by table (the screen recomputes `mine`
    from seat and rank when the facilitator changes the number of tables)."""
    count = table_count(workshop)
    seat, rank = _seat_and_rank(session, workshop, viewer) if count else (None, None)
    return {"count": count, "columns": [c.key for c in workshop.columns if c.key in table_columns(workshop)],
            "mine": table_of(session, workshop, viewer), "seat": seat, "rank": rank}


def set_table(session: Session, participant: Participant, payload: Any) -> Change:
    """Sit at a table (participants during rounds only); the facilitator may seat anyone at any time."""
    payload = require_mapping(payload)
    workshop = _workshop(session, participant)
    count = table_count(workshop)
    if not count:
        raise ValidationError(_("Cet atelier ne se joue pas par tables."), field="table")
    target = participant
    who = payload.get("participant_id")
    if who is not None and who != participant.id:
        if not boards.is_moderator(participant):
            raise Forbidden(_("Chacun·e choisit sa propre table."))
        target = session.get(Participant, clean_id(who, "participant_id"))
        if target is None or target.workshop_id != workshop.id:
            raise NotFound(_("Participant·e introuvable."))
    table = payload.get("table")
    if isinstance(table, bool) or not isinstance(table, int) or not 1 <= table <= count:
        raise ValidationError(_("Numéro de table invalide (de 1 à %(n)d).", n=count), field="table")
    if not boards.is_moderator(participant):
        ctrl = control(session, workshop)
        if not workshop.is_open:
            raise Closed()
        if is_locked(ctrl):
            raise Closed(_("Le tableau est verrouillé par l'animateur·rice."))
        if not current_phase(workshop, ctrl).get("by_table"):
            raise Closed(_("On change de table pendant les tours seulement."))
    event = _event(session, participant, "participant.table", {"seat": {"participant_id": target.id,
                                                                        "table": table}})
    seat = session.get(TableSeat, target.id)
    if seat is None:
        session.add(TableSeat(participant_id=target.id, workshop_id=workshop.id, table_no=table))
    else:
        seat.table_no = table
    return _commit(session, event, {"table": table})


# --- Timer ----------------------------------------------------------------------------------------------


def _timer_change(session: Session, participant: Participant, type_: str, change) -> Change:
    require_moderator(participant)
    workshop = _workshop(session, participant)
    seq, _status = boards._next_seq(session, workshop.id)
    ctrl = control(session, workshop, create=True)
    change(ctrl)
    ctrl.timer_token = (ctrl.timer_token or 0) + 1
    event = boards._record(session, workshop.id, seq, type_, {"timer": timer_dict(ctrl)}, participant)
    return _commit(session, event, {"timer_token": ctrl.timer_token})


def start_timer(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    payload = require_mapping(payload)
    seconds = _seconds(payload, "seconds", 5, TIMER_MAX)
    lock_on_end = _flag(payload, "lock_on_end", False)

    def start(ctrl: BoardControl) -> None:
        ctrl.timer_ends_at = boards.now() + timedelta(seconds=seconds)
        ctrl.timer_remaining, ctrl.timer_duration, ctrl.timer_lock_on_end = None, seconds, lock_on_end

    return _timer_change(session, participant, "timer.started", start)


def pause_timer(session: Session, participant: Participant, _payload: Any = None) -> Change:
    def pause(ctrl: BoardControl) -> None:
        timer = timer_dict(ctrl)
        if not timer["running"]:
            raise ValidationError(_("Le minuteur ne tourne pas."), field="timer")
        ctrl.timer_ends_at, ctrl.timer_remaining = None, timer["remaining"]

    return _timer_change(session, participant, "timer.paused", pause)


def resume_timer(session: Session, participant: Participant, _payload: Any = None) -> Change:
    def resume(ctrl: BoardControl) -> None:
        if ctrl.timer_ends_at is not None or ctrl.timer_remaining is None:
            raise ValidationError(_("Le minuteur n'est pas en pause."), field="timer")
        ctrl.timer_ends_at = boards.now() + timedelta(seconds=ctrl.timer_remaining)
        ctrl.timer_remaining = None

    return _timer_change(session, participant, "timer.resumed", resume)


def extend_timer(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    seconds = _seconds(require_mapping(payload), "seconds", 1, TIMER_MAX)

    def extend(ctrl: BoardControl) -> None:
        timer = timer_dict(ctrl)
        if ctrl.timer_ends_at is not None:
            ctrl.timer_ends_at = boards.now() + timedelta(seconds=timer["remaining"] + seconds)
        elif ctrl.timer_remaining is not None:
            ctrl.timer_remaining += seconds
        else:
            raise ValidationError(_("Aucun minuteur en cours."), field="timer")
        ctrl.timer_duration = (ctrl.timer_duration or 0) + seconds

    return _timer_change(session, participant, "timer.extended", extend)


def stop_timer(session: Session, participant: Participant, _payload: Any = None) -> Change:
    def stop(ctrl: BoardControl) -> None:
        ctrl.timer_ends_at = ctrl.timer_remaining = ctrl.timer_duration = None
        ctrl.timer_lock_on_end = False

    return _timer_change(session, participant, "timer.stopped", stop)


def expire_timer(session: Session, workshop_id: int, token: int) -> Change:
    """Called when a timer should have run out: announce it (and lock if asked), unless it changed since."""
    ctrl = session.get(BoardControl, workshop_id)
    if ctrl is None or ctrl.timer_token != token or not timer_dict(ctrl)["ended"]:
        return Change(None, None)
    seq, _status = boards._next_seq(session, workshop_id)
    ctrl.timer_token += 1
    if ctrl.timer_lock_on_end:
        ctrl.locked = True
    event = boards._record(session, workshop_id, seq, "timer.ended",
                           {"timer": timer_dict(ctrl), "locked": bool(ctrl.locked)}, None)
    session.commit()
    return Change(None, event)


def timer_delay(session: Session, workshop_id: int) -> tuple[int, float] | None:
    """(token, seconds left) of a running timer, for scheduling its end."""
    ctrl = session.get(BoardControl, workshop_id)
    if ctrl is None or ctrl.timer_ends_at is None:
        return None
    return ctrl.timer_token, max(0.0, (ctrl.timer_ends_at - boards.now()).total_seconds())


# --- Groups, merges, moves (undoable) -------------------------------------------------------------------


def _card(session: Session, workshop_id: int, card_id: Any) -> Card:
    card = session.get(Card, clean_id(card_id, "id"))
    if card is None or card.workshop_id != workshop_id or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    return card


def _group(session: Session, workshop_id: int, group_id: Any, *, deleted: bool = False) -> CardGroup:
    group = session.get(CardGroup, clean_id(group_id, "group_id"))
    if group is None or group.workshop_id != workshop_id or group.deleted != deleted:
        raise NotFound(_("Ce groupe n'existe plus."))
    return group


def _target(session: Session, workshop_id: int, kind: str, target_id: Any, *, visible_to_all: bool) -> Any:
    if kind == "group":
        return _group(session, workshop_id, target_id)
    card = _card(session, workshop_id, target_id)
    if visible_to_all and (card.hidden or card.private):
        raise NotFound(_("Ce post-it n'est pas visible de tous."))
    return card


def _placement(session: Session, card: Card) -> CardPlacement | None:
    return session.get(CardPlacement, card.id)


def _container(session: Session, workshop_id: int, column: str, group_id: int | None) -> list[int]:
    """Card ids of one column (loose cards) or one group, in their order."""
    rows = session.execute(
        select(Card.id, CardPlacement.position, CardPlacement.group_id)
        .outerjoin(CardPlacement, CardPlacement.card_id == Card.id)
        .where(Card.workshop_id == workshop_id, Card.deleted.is_(False),
               *([Card.column_key == column] if group_id is None else []))
    ).all()
    inside = [r for r in rows if r.group_id == group_id]
    return [r.id for r in sorted(inside, key=lambda r: (r.position if r.position is not None else 10**9, r.id))]


def _place(session: Session, workshop_id: int, order: list[int], group_id: int | None) -> None:
    for position, card_id in enumerate(order):
        row = session.get(CardPlacement, card_id)
        if row is None:
            session.add(CardPlacement(card_id=card_id, workshop_id=workshop_id, group_id=group_id,
                                      position=position))
        else:
            row.group_id, row.position = group_id, position
    session.flush()


def group_dict(session: Session, group: CardGroup) -> dict:
    return {"id": group.id, "column": group.column_key, "name": group.name, "kind": group.kind,
            "card_ids": _container(session, group.workshop_id, group.column_key, group.id)}


def _column_keys(session: Session, workshop_id: int) -> list[str]:
    return list(session.scalars(select(BoardColumn.key).where(BoardColumn.workshop_id == workshop_id)))


def _op_move(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    card = _card(session, workshop_id, args.get("id"))
    column = args.get("column", card.column_key)
    if column not in _column_keys(session, workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    group_id = args.get("group_id")
    if group_id is not None:
        group = _group(session, workshop_id, group_id)
        column = group.column_key
    position = args.get("position", 10**6)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError(_("Position invalide."), field="position")
    old = _placement(session, card)
    old_group = old.group_id if old else None
    old_order = _container(session, workshop_id, card.column_key, old_group)
    inverse = ("card.move", {"id": card.id, "column": card.column_key, "group_id": old_group,
                             "position": old_order.index(card.id)})
    _place(session, workshop_id, [i for i in old_order if i != card.id], old_group)
    card.column_key = column
    session.flush()
    order = [i for i in _container(session, workshop_id, column, group_id) if i != card.id]
    order.insert(min(position, len(order)), card.id)
    _place(session, workshop_id, order, group_id)
    card.updated_at = boards.now()
    data = {"card_id": card.id, "column": column, "group_id": group_id, "order": order}
    if old_group is not None and old_group != group_id:
        data["from_group"] = group_dict(session, session.get(CardGroup, old_group))
    return "card.moved", data, inverse


def _op_group_create(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    kind = args.get("kind", "group")
    if kind not in ("group", "merge"):
        raise ValidationError(_("Type de groupe inconnu."), field="kind")
    ids = args.get("card_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 200 or len(set(map(str, ids))) != len(ids):
        raise ValidationError(_("Choisissez les post-it à regrouper."), field="card_ids")
    if kind == "merge" and len(ids) < 2:
        raise ValidationError(_("Fusionner demande au moins deux post-it."), field="card_ids")
    cards = [_card(session, workshop_id, i) for i in ids]
    if any(c.private for c in cards):
        raise ValidationError(_("Révélez d'abord les post-it avant de les regrouper."), field="card_ids")
    name = _group_name(args.get("name", ""))
    column = args.get("column") or cards[0].column_key
    if column not in _column_keys(session, workshop_id):
        raise ValidationError(_("Colonne inconnue."), field="column")
    group = CardGroup(workshop_id=workshop_id, column_key=column, name=name, kind=kind, deleted=False)
    session.add(group)
    session.flush()
    for card in cards:
        card.column_key = column
    _place(session, workshop_id, [c.id for c in cards], group.id)
    return "group.created", {"group": group_dict(session, group)}, ("group.delete", {"id": group.id})


def _op_group_delete(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    """Ungroup (or unmerge): the cards go back loose in the column; the group is kept for undo."""
    group = _group(session, workshop_id, args.get("id"))
    card_ids = _container(session, workshop_id, group.column_key, group.id)
    loose = _container(session, workshop_id, group.column_key, None)
    _place(session, workshop_id, loose + card_ids, None)
    group.deleted = True
    data = {"group_id": group.id, "column": group.column_key, "card_ids": card_ids}
    return "group.deleted", data, ("group.restore", {"id": group.id, "card_ids": card_ids})


def _op_group_restore(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    group = _group(session, workshop_id, args.get("id"), deleted=True)
    group.deleted = False
    ids = [c.id for c in (session.get(Card, i) for i in args.get("card_ids", [])) if c and not c.deleted]
    for card_id in ids:
        session.get(Card, card_id).column_key = group.column_key
    _place(session, workshop_id, ids, group.id)
    return "group.created", {"group": group_dict(session, group)}, ("group.delete", {"id": group.id})


def _group_name(value: Any) -> str:
    return clean_text(value if value is not None else "", "name", min_len=0, max_len=GROUP_NAME_MAX,
                      label=_("Nom du groupe"))


def _op_group_rename(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    group = _group(session, workshop_id, args.get("id"))
    old, group.name = group.name, _group_name(args.get("name"))
    return ("group.renamed", {"group": group_dict(session, group)},
            ("group.rename", {"id": group.id, "name": old}))


def _columns_event(session: Session, workshop: Workshop, key: str) -> dict:
    session.flush()
    session.refresh(workshop, ["columns"])
    return {"column": key, "columns": boards.column_dicts(workshop)}


def _slug(label: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:30] or "colonne"


def _column_spec(workshop: Workshop, args: dict) -> ColumnSpec:
    fmt = FORMATS.get(workshop.format_key)
    offered = {c.key: c for c in (fmt.extra_columns if fmt else ())}
    if args.get("key") in offered and not args.get("label"):
        return offered[args["key"]]
    label = clean_text(args.get("label"), "label", max_len=80, label=_("Nom de la colonne"))
    color = args.get("color") or "#fde68a"
    if not isinstance(color, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ValidationError(_("Couleur invalide (#rrggbb)."), field="color")
    prompt = clean_text(args.get("prompt") or "", "prompt", min_len=0, max_len=300, label=_("Consigne"))
    key = args.get("key") if isinstance(args.get("key"), str) else _slug(label)
    clean_token(key, "key", max_len=40)
    return ColumnSpec(key, label, args.get("label_en") or label, color, prompt)


def _op_column_add(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    workshop = boards.get_workshop(session, workshop_id)
    spec = _column_spec(workshop, args)
    keys = [c.key for c in workshop.columns]
    key, n = spec.key, 2
    while key in keys:
        key, n = f"{spec.key}_{n}", n + 1
    position = args.get("position", len(keys))
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError(_("Position invalide."), field="position")
    column = BoardColumn(key=key, label_fr=spec.label_fr, label_en=spec.label_en, color=spec.color,
                         prompt=spec.prompt)
    columns = list(workshop.columns)
    columns.insert(min(position, len(columns)), column)
    workshop.columns = columns
    for i, c in enumerate(columns):
        c.position = i
    return "column.added", _columns_event(session, workshop, key), ("column.remove", {"key": key})


def _op_column_remove(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    workshop = boards.get_workshop(session, workshop_id)
    column = next((c for c in workshop.columns if c.key == args.get("key")), None)
    if column is None:
        raise ValidationError(_("Colonne inconnue."), field="key")
    if session.scalar(select(func.count()).select_from(Card).where(
            Card.workshop_id == workshop_id, Card.column_key == column.key, Card.deleted.is_(False))):
        raise ValidationError(_("Cette colonne contient des post-it : déplacez-les d'abord."), field="key")
    if len(workshop.columns) == 1:
        raise ValidationError(_("Le tableau garde au moins une colonne."), field="key")
    inverse = ("column.add", {"key": column.key, "label": column.label_fr, "label_en": column.label_en,
                              "color": column.color, "prompt": column.prompt,
                              "position": workshop.columns.index(column)})
    workshop.columns = [c for c in workshop.columns if c is not column]
    for i, c in enumerate(workshop.columns):
        c.position = i
    return "column.removed", _columns_event(session, workshop, column.key), inverse


def _op_column_update(session: Session, workshop_id: int, args: dict) -> tuple[str, dict, tuple[str, dict]]:
    """Rename a column (label, prompt) and/or move it to another position."""
    workshop = boards.get_workshop(session, workshop_id)
    column = next((c for c in workshop.columns if c.key == args.get("key")), None)
    if column is None:
        raise ValidationError(_("Colonne inconnue."), field="key")
    columns = list(workshop.columns)
    inverse = ("column.update", {"key": column.key, "label": column.label_fr, "prompt": column.prompt,
                                 "position": columns.index(column)})
    if "label" in args:
        column.label_fr = clean_text(args["label"], "label", max_len=80, label=_("Nom de la colonne"))
    if "prompt" in args:
        column.prompt = clean_text(args["prompt"] or "", "prompt", min_len=0, max_len=300, label=_("Consigne"))
    if "position" in args:
        position = args["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValidationError(_("Position invalide."), field="position")
        columns.remove(column)
        columns.insert(min(position, len(columns)), column)
        for i, c in enumerate(columns):
            c.position = i
    return "column.updated", _columns_event(session, workshop, column.key), inverse


OPS = {
    "card.move": _op_move,
    "group.create": _op_group_create,
    "group.delete": _op_group_delete,
    "group.restore": _op_group_restore,
    "group.rename": _op_group_rename,
    "column.add": _op_column_add,
    "column.remove": _op_column_remove,
    "column.update": _op_column_update,
}
# Moves that participants may make too when the workshop allows it ("everyone_groups") in a grouping phase.
SHARED_OPS = {"card.move", "group.create", "group.rename"}


def apply_op(session: Session, participant: Participant, op: str, payload: Any) -> Change:
    """Run one undoable move as a board event and remember its inverse."""
    args = require_mapping(payload)
    workshop = _workshop(session, participant)
    if not boards.is_moderator(participant):
        if op not in SHARED_OPS or not settings_of(workshop).get("everyone_groups"):
            raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))
        _require_allowed(session, participant, GROUP, workshop)
    seq, _status = boards._next_seq(session, workshop.id)
    try:
        type_, data, (inverse_op, inverse_args) = OPS[op](session, workshop.id, args)
    except DomainError:
        session.rollback()
        raise
    session.add(UndoStep(workshop_id=workshop.id, op=inverse_op, args=inverse_args))
    _trim_undo(session, workshop.id)
    event = boards._record(session, workshop.id, seq, type_, data, participant)
    return _commit(session, event)


def _trim_undo(session: Session, workshop_id: int) -> None:
    session.flush()
    cutoff = session.scalar(select(UndoStep.id).where(UndoStep.workshop_id == workshop_id)
                            .order_by(UndoStep.id.desc()).offset(UNDO_KEEP).limit(1))
    if cutoff is not None:
        session.execute(delete(UndoStep).where(UndoStep.workshop_id == workshop_id, UndoStep.id <= cutoff))


def undo(session: Session, participant: Participant, _payload: Any = None) -> Change:
    """Take back the facilitator's last move (groups, merges, moves, columns)."""
    require_moderator(participant)
    seq, _status = boards._next_seq(session, participant.workshop_id)
    step = session.scalar(select(UndoStep).where(UndoStep.workshop_id == participant.workshop_id)
                          .order_by(UndoStep.id.desc()).limit(1))
    if step is None:
        session.rollback()
        raise ValidationError(_("Rien à annuler."), field="undo")
    try:
        type_, data, _inverse = OPS[step.op](session, participant.workshop_id, dict(step.args))
    except DomainError:
        session.rollback()
        session.execute(delete(UndoStep).where(UndoStep.id == step.id))  # it can no longer be undone
        session.commit()
        raise
    session.delete(step)
    event = boards._record(session, participant.workshop_id, seq, type_, {**data, "undo": True}, participant)
    left = session.scalar(select(func.count()).select_from(UndoStep)
                          .where(UndoStep.workshop_id == participant.workshop_id))
    return _commit(session, event, {"undo_left": left})


# --- Votes ----------------------------------------------------------------------------------------------


def _vote_target(payload: Any) -> tuple[str, int]:
    payload = require_mapping(payload)
    kind = payload.get("kind", "card")
    if kind not in ("card", "group"):
        raise ValidationError(_("Cible inconnue."), field="kind")
    return kind, clean_id(payload.get("id"))


def _dots(session: Session, workshop_id: int, participant_id: int | None = None) -> int:
    query = select(func.count()).select_from(Vote).where(Vote.workshop_id == workshop_id)
    if participant_id is not None:
        query = query.where(Vote.participant_id == participant_id)
    return session.scalar(query) or 0


def cast_vote(session: Session, participant: Participant, payload: Any) -> Change:
    """Put one dot; the count-and-insert runs under the seq row lock, so the budget holds under a storm."""
    kind, target_id = _vote_target(payload)
    workshop = _workshop(session, participant)
    settings = settings_of(workshop)
    seq, _status = boards._next_seq(session, workshop.id)  # lock first, then count
    try:
        ctrl = control(session, workshop)
        _require_allowed(session, participant, VOTE, workshop, ctrl)
        if boards.is_moderator(participant) and VOTE not in current_phase(workshop, ctrl)["allows"]:
            raise Closed(_("Le vote n'est pas ouvert."))
        if ctrl.votes_revealed:
            raise Closed(_("Les résultats sont affichés : le vote est clos."))
        _target(session, workshop.id, kind, target_id, visible_to_all=True)
        budget = int(settings.get("vote_budget", 3))
        used, here = session.execute(  # one query: my dots, and my dots on this target
            select(func.count(), func.count().filter((Vote.target_kind == kind) & (Vote.target_id == target_id)))
            .where(Vote.workshop_id == workshop.id, Vote.participant_id == participant.id)).one()
        if used >= budget:
            raise ValidationError(_("Vous avez posé toutes vos gommettes (%(n)d).", n=budget), field="budget")
        if here and not settings.get("multi_dots"):
            raise ValidationError(_("Une seule gommette par post-it dans cet atelier."), field="id")
    except DomainError:
        session.rollback()
        raise
    vote = Vote(workshop_id=workshop.id, participant_id=participant.id, target_kind=kind, target_id=target_id,
                created_at=boards.now())
    session.add(vote)
    session.flush()
    data = {"vote": _vote_dict(vote), "total": _dots(session, workshop.id)}
    event = boards._record(session, workshop.id, seq, "vote.cast", data, participant)
    return _commit(session, event, {"vote": _vote_dict(vote), "used": used + 1, "budget": budget})


def remove_vote(session: Session, participant: Participant, payload: Any) -> Change:
    kind, target_id = _vote_target(payload)
    workshop = _workshop(session, participant)
    seq, _status = boards._next_seq(session, workshop.id)
    try:
        ctrl = control(session, workshop)
        _require_allowed(session, participant, VOTE, workshop, ctrl)
        if ctrl.votes_revealed:
            raise Closed(_("Les résultats sont affichés : le vote est clos."))
        vote = session.scalar(select(Vote).where(
            Vote.workshop_id == workshop.id, Vote.participant_id == participant.id, Vote.target_kind == kind,
            Vote.target_id == target_id).order_by(Vote.id.desc()).limit(1))
        if vote is None:
            raise NotFound(_("Vous n'avez pas de gommette ici."))
    except DomainError:
        session.rollback()
        raise
    data = {"vote": _vote_dict(vote)}
    session.delete(vote)
    session.flush()
    data["total"] = _dots(session, workshop.id)
    event = boards._record(session, workshop.id, seq, "vote.removed", data, participant)
    used = _dots(session, workshop.id, participant.id)
    return _commit(session, event, {"used": used})


def _vote_dict(vote: Vote) -> dict:
    return {"id": vote.id, "kind": vote.target_kind, "target_id": vote.target_id,
            "participant_id": vote.participant_id}


def results(session: Session, workshop_id: int) -> dict:
    """Ranking by card and by group (a group counts its own dots plus its cards' dots)."""
    rows = session.execute(select(Vote.target_kind, Vote.target_id, Vote.participant_id)
                           .where(Vote.workshop_id == workshop_id)).all()
    by_card = Counter(r.target_id for r in rows if r.target_kind == "card")
    by_group = Counter(r.target_id for r in rows if r.target_kind == "group")
    live_cards = set(session.scalars(select(Card.id).where(Card.workshop_id == workshop_id,
                                                           Card.deleted.is_(False), Card.hidden.is_(False))))
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


def reveal_votes(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    revealed = _flag(require_mapping(payload or {}), "revealed", True)
    workshop = _workshop(session, participant)
    seq, _status = boards._next_seq(session, workshop.id)
    control(session, workshop, create=True).votes_revealed = revealed
    data = {"revealed": revealed, "results": results(session, workshop.id) if revealed else None}
    event = boards._record(session, workshop.id, seq, "votes.revealed" if revealed else "votes.hidden", data,
                           participant)
    return _commit(session, event)


def reset_votes(session: Session, participant: Participant, _payload: Any = None) -> Change:
    """Clear every dot (a new round of voting)."""
    require_moderator(participant)
    workshop = _workshop(session, participant)
    seq, _status = boards._next_seq(session, workshop.id)
    session.execute(delete(Vote).where(Vote.workshop_id == workshop.id))
    control(session, workshop, create=True).votes_revealed = False
    event = boards._record(session, workshop.id, seq, "votes.reset", {"total": 0}, participant)
    return _commit(session, event)


# --- Reactions and replies ------------------------------------------------------------------------------


def _reaction_counts(session: Session, card_id: int) -> dict:
    return dict(session.execute(select(Reaction.kind, func.count()).where(Reaction.card_id == card_id)
                                .group_by(Reaction.kind)).all())


def toggle_reaction(session: Session, participant: Participant, payload: Any) -> Change:
    payload = require_mapping(payload)
    kind = payload.get("kind")
    if kind not in REACTIONS:
        raise ValidationError(_("Réaction inconnue."), field="kind")
    workshop = _workshop(session, participant)
    _require_allowed(session, participant, REACT, workshop)
    card = _target(session, workshop.id, "card", payload.get("card_id"), visible_to_all=True)
    seq, _status = boards._next_seq(session, workshop.id)
    found = session.scalar(select(Reaction).where(Reaction.card_id == card.id,
                                                  Reaction.participant_id == participant.id, Reaction.kind == kind))
    if found is None:
        session.add(Reaction(workshop_id=workshop.id, card_id=card.id, participant_id=participant.id, kind=kind))
    else:
        session.delete(found)
    session.flush()
    data = {"reaction": {"card_id": card.id, "kind": kind, "participant_id": participant.id,
                         "on": found is None},
            "counts": _reaction_counts(session, card.id)}
    event = boards._record(session, workshop.id, seq, "reaction.toggled", data, participant)
    return _commit(session, event)


def reply_dict(reply: Reply, author: str | None) -> dict:
    return {"id": reply.id, "card_id": reply.card_id, "client_id": reply.client_id, "text": reply.text,
            "author": author, "participant_id": reply.participant_id, "hidden": reply.hidden}


def add_reply(session: Session, participant: Participant, payload: Any) -> Change:
    """A short answer under a card; a resend with the same client_id records nothing new."""
    payload = require_mapping(payload)
    client_id = clean_token(payload.get("client_id"), "client_id")
    text = clean_text(payload.get("text"), "text", max_len=REPLY_MAX, label=_("Réponse"))
    workshop = _workshop(session, participant)
    _require_allowed(session, participant, REACT, workshop)
    card = _target(session, workshop.id, "card", payload.get("card_id"), visible_to_all=True)
    seq, _status = boards._next_seq(session, workshop.id)
    existing = session.scalar(select(Reply).where(Reply.workshop_id == workshop.id, Reply.client_id == client_id))
    if existing is not None:
        session.rollback()
        return Change(None, None, {"reply": reply_dict(existing, participant.name)})
    reply = Reply(workshop_id=workshop.id, card_id=card.id, participant_id=participant.id, client_id=client_id,
                  text=text, hidden=False, created_at=boards.now())
    session.add(reply)
    session.flush()
    data = reply_dict(reply, participant.name)
    event = boards._record(session, workshop.id, seq, "reply.added", {"reply": data}, participant)
    return _commit(session, event, {"reply": data})


def hide_reply(session: Session, participant: Participant, payload: Any) -> Change:
    require_moderator(participant)
    payload = require_mapping(payload)
    hidden = _flag(payload, "hidden", True)
    reply = session.get(Reply, clean_id(payload.get("id")))
    if reply is None or reply.workshop_id != participant.workshop_id:
        raise NotFound(_("Cette réponse n'existe plus."))
    seq, _status = boards._next_seq(session, participant.workshop_id)
    reply.hidden = hidden
    author = session.get(Participant, reply.participant_id) if reply.participant_id else None
    data = reply_dict(reply, author.name if author else None)
    event = boards._record(session, participant.workshop_id, seq, "reply.hidden" if hidden else "reply.shown",
                           {"reply": data}, participant)
    return _commit(session, event)


# --- Similar cards --------------------------------------------------------------------------------------


def _visible_cards(session: Session, participant: Participant) -> list[Card]:
    cards = session.scalars(select(Card).where(Card.workshop_id == participant.workshop_id,
                                               Card.deleted.is_(False), Card.hidden.is_(False)))
    return [c for c in cards if not c.private or c.participant_id == participant.id]


def similar_cards(session: Session, participant: Participant, payload: Any) -> Change:
    """Cards close to what someone is typing (only cards they may see), to avoid duplicates."""
    from rapidfuzz import fuzz, process, utils

    text = clean_text(require_mapping(payload).get("text"), "text", max_len=boards.CARD_MAX,
                      label=_("Texte du post-it"))
    if len(text) < 4:
        return Change(None, None, {"similar": []})
    cards = _visible_cards(session, participant)
    found = process.extract(text, {c.id: c.text for c in cards}, scorer=fuzz.token_set_ratio,
                            processor=utils.default_process, score_cutoff=SIMILAR_CUTOFF, limit=3)
    by_id = {c.id: c for c in cards}
    return Change(None, None, {"similar": [
        {"id": key, "text": by_id[key].text, "column": by_id[key].column_key, "score": round(score)}
        for _text, score, key in found]})


def suggest_groups(session: Session, participant: Participant, _payload: Any = None) -> Change:
    """Clusters of similar loose cards, per column, for the facilitator to accept (group.create) or dismiss."""
    from rapidfuzz import fuzz, utils

    require_moderator(participant)
    placed = set(session.scalars(select(CardPlacement.card_id).where(
        CardPlacement.workshop_id == participant.workshop_id, CardPlacement.group_id.is_not(None))))
    cards = [c for c in _visible_cards(session, participant) if c.id not in placed and not c.private]
    suggestions, used = [], set()
    for card in cards:
        if card.id in used:
            continue
        mates = [o for o in cards if o.id != card.id and o.id not in used and o.column_key == card.column_key
                 and fuzz.token_set_ratio(card.text, o.text, processor=utils.default_process) >= 75]
        if mates:
            ids = [card.id, *(o.id for o in mates)]
            used.update(ids)
            suggestions.append({"column": card.column_key, "card_ids": ids, "name": card.text[:60]})
    return Change(None, None, {"suggestions": suggestions})


# --- Formats saved from a workshop ----------------------------------------------------------------------


def save_format(session: Session, participant: Participant, payload: Any) -> Change:
    """Keep this workshop's columns, phases and defaults as a format for the facilitator's network."""
    from workshop.accounts.models import User
    from workshop.networks.service import networks_of

    require_moderator(participant)
    label = clean_text(require_mapping(payload).get("label"), "label", max_len=120, label=_("Nom du format"))
    workshop = _workshop(session, participant)
    user = session.get(User, participant.user_id) if participant.user_id else None
    if user is None:
        raise Forbidden()
    networks = networks_of(session, user)
    settings = settings_of(workshop)
    custom = CustomFormat(label=label, network_id=networks[0].id if networks else None, owner_id=user.id,
                          base_key=workshop.format_key,
                          data={"columns": boards.column_dicts(workshop), "phases": phases_of(workshop),
                                "defaults": {k: v for k, v in settings.items() if k != "phases"}})
    session.add(custom)
    session.commit()
    return Change(None, None, {"format": {"id": custom.id, "label": custom.label, "network_id": custom.network_id}})


def custom_formats_for(session: Session, user: Any) -> list[CustomFormat]:
    """Formats a facilitator may start from: their own and their networks'."""
    from workshop.networks.service import networks_of

    network_ids = [n.id for n in networks_of(session, user)]
    query = select(CustomFormat).where((CustomFormat.owner_id == user.id)
                                       | CustomFormat.network_id.in_(network_ids or [-1]))
    return list(session.scalars(query.order_by(CustomFormat.label)))


CUSTOM_PREFIX = "custom-"


def format_choices(session: Session, user: Any) -> list[tuple[str, str]]:
    """The saved formats a facilitator may start from, as (key, label) choices of the creation form."""
    return [(f"{CUSTOM_PREFIX}{f.id}", _("%(label)s (format enregistré)", label=f.label))
            for f in custom_formats_for(session, user)]


def create_workshop(session: Session, user: Any, title: str, *, format_key: str, **options) -> Workshop:
    """Create a workshop from a built-in format, or from a saved one (its columns, phases and defaults)."""
    if not format_key.startswith(CUSTOM_PREFIX):
        return boards.create_workshop(session, user, title, format_key=format_key, **options)
    custom_id = format_key.removeprefix(CUSTOM_PREFIX)
    custom = next((f for f in custom_formats_for(session, user) if str(f.id) == custom_id), None)
    if custom is None:
        raise ValidationError(_("Format inconnu : %(k)s.", k=format_key), field="format")
    base = custom.base_key if custom.base_key in FORMATS else DEFAULT_FORMAT
    workshop = boards.create_workshop(session, user, title, format_key=base, **options)
    workshop.columns = []
    session.flush()
    workshop.columns = [BoardColumn(key=c["key"], label_fr=c["label"], label_en=c.get("label_en") or c["label"],
                                    color=c["color"], prompt=c.get("prompt", ""), position=i)
                        for i, c in enumerate(custom.data["columns"])]
    workshop.settings = {**custom.data.get("defaults", {}), "phases": custom.data["phases"],
                         "custom_format_id": custom.id}
    session.commit()
    return workshop


# --- What a screen needs --------------------------------------------------------------------------------


def facilitation_state(session: Session, workshop: Workshop, viewer: Participant) -> dict:
    """Hook of boards.board_state: phase, timer, lock, groups, votes, reactions, replies, as the viewer may see."""
    ctrl = control(session, workshop)
    settings = settings_of(workshop)
    moderator = boards.is_moderator(viewer)
    anonymous = bool(settings.get("anonymous"))
    groups = session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop.id,
                                                     CardGroup.deleted.is_(False)).order_by(CardGroup.id))
    placements = session.execute(select(CardPlacement.card_id, CardPlacement.group_id, CardPlacement.position)
                                 .where(CardPlacement.workshop_id == workshop.id)).all()
    mine = session.execute(select(Vote.target_kind, Vote.target_id).where(
        Vote.workshop_id == workshop.id, Vote.participant_id == viewer.id).order_by(Vote.id)).all()
    reactions: dict[int, dict[str, int]] = {}
    my_reactions: list[tuple[int, str]] = []
    for card_id, kind, count, own in session.execute(  # one query: every count, and which ones are mine
            select(Reaction.card_id, Reaction.kind, func.count(),
                   func.count().filter(Reaction.participant_id == viewer.id))
            .where(Reaction.workshop_id == workshop.id).group_by(Reaction.card_id, Reaction.kind)):
        reactions.setdefault(card_id, {})[kind] = count
        if own:
            my_reactions.append((card_id, kind))
    replies = session.execute(select(Reply, Participant.name).outerjoin(
        Participant, Participant.id == Reply.participant_id).where(Reply.workshop_id == workshop.id)
        .order_by(Reply.id)).all()
    fmt = FORMATS.get(workshop.format_key)
    reply_view = {"viewer_id": viewer.id, "moderator": moderator, "anonymous": anonymous}
    return {"facilitation": {
        "format": {"key": workshop.format_key, "label": fmt.label_fr if fmt else workshop.format_key},
        "phases": phases_of(workshop),
        "phase": current_phase(workshop, ctrl),
        "extra_columns": [c.to_dict() for c in (fmt.extra_columns if fmt else ())],
        "settings": {k: settings.get(k) for k in SETTING_KEYS},
        "tables": tables_state(session, workshop, viewer),
        "locked": is_locked(ctrl),
        "timer": timer_dict(ctrl),
        "server_time": _epoch_ms(boards.now()),
        "spotlight": ctrl.spotlight,
        "groups": [group_dict(session, g) for g in groups],
        "placements": [[p.card_id, p.group_id, p.position] for p in placements],
        "votes": {"mine": [{"kind": k, "target_id": t} for k, t in mine], "used": len(mine),
                  "budget": int(settings.get("vote_budget", 3)), "total": _dots(session, workshop.id),
                  "revealed": bool(ctrl.votes_revealed),
                  "results": results(session, workshop.id) if ctrl.votes_revealed else None},
        "reactions": {str(k): v for k, v in reactions.items()},
        "my_reactions": [[c, k] for c, k in my_reactions],
        "replies": [_view_reply(reply_dict(r, name), **reply_view) for r, name in replies],
        "reaction_kinds": REACTIONS,
    }}


def _view_reply(reply: dict, *, viewer_id: int, moderator: bool, anonymous: bool) -> dict:
    event = boards.view_event({"seq": 0, "type": "reply", "data": {"reply": reply}}, viewer_id=viewer_id,
                              moderator=moderator, anonymous=anonymous)
    return event["data"]["reply"]


# --- Exports --------------------------------------------------------------------------------------------


def export_rows(session: Session, workshop: Workshop) -> list[dict]:
    """One row per visible card with its column, group, dots, reactions and author (unless anonymous)."""
    anonymous = bool(settings_of(workshop).get("anonymous"))
    groups = {g.id: g for g in session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop.id,
                                                                         CardGroup.deleted.is_(False)))}
    placements = dict(session.execute(select(CardPlacement.card_id, CardPlacement.group_id)
                                      .where(CardPlacement.workshop_id == workshop.id)).all())
    dots = Counter(session.scalars(select(Vote.target_id).where(Vote.workshop_id == workshop.id,
                                                                Vote.target_kind == "card")))
    reactions = Counter(session.scalars(select(Reaction.card_id).where(Reaction.workshop_id == workshop.id)))
    labels = {c.key: c.label_fr for c in workshop.columns}
    order = {c.key: i for i, c in enumerate(workshop.columns)}
    cards = session.scalars(select(Card).where(Card.workshop_id == workshop.id, Card.deleted.is_(False),
                                               Card.hidden.is_(False), Card.private.is_(False))
                            .options(selectinload(Card.participant)))
    rows = []
    for card in sorted(cards, key=lambda c: (order.get(c.column_key, 99), c.id)):
        group = groups.get(placements.get(card.id))
        rows.append({"id": card.id, "column": labels.get(card.column_key, card.column_key),
                     "column_key": card.column_key, "text": card.text,
                     "group": group.name if group else "", "group_id": group.id if group else None,
                     "merged": bool(group and group.kind == "merge"), "dots": dots[card.id],
                     "reactions": reactions[card.id],
                     "author": "" if anonymous or not card.participant else card.participant.name})
    return rows
