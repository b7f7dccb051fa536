"""Live co-editing of a sheet (namespace /practice, one room per sheet): people editing the same sheet see each
other's typing; saving still goes through the version check of `sheets.update_practice`."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room

from workshop.accounts.models import User
from workshop.errors import Forbidden
from workshop.extensions import db, socketio
from workshop.practices import sheets
from workshop.practices.models import Practice
from workshop.practices.rights import get_practice, require_edit
from workshop.sockets import GuardedNamespace
from workshop.validation import clean_id, require_mapping

PRACTICE_NAMESPACE = "/practice"


def practice_room(practice_id: int) -> str:
    return f"practice:{practice_id}"


class PracticeNamespace(GuardedNamespace):
    """People editing the same sheet see each other's typing live; saving still goes through the version check.

    Client events (each answers {"ok": true, ...} or {"ok": false, "error": {...}}):
    - `join` {"practice_id"}: editors of the sheet only; answers {"version", "editors": [names]}
    - `typing` {"practice_id", "field", "value", "version"?}: relayed as `typing` {"field", "value", "by",
      "version"} to the others; `version` is the typist's form version, so a form already moved to a newer save
      can ignore a keystroke sent before that save (a late one would overwrite its "saved" notice)
    Server events: `typing`, `saved` {"version", "by", "fields"} after a save, `editors` {"names"}.
    """

    def __init__(self, namespace: str = PRACTICE_NAMESPACE):
        super().__init__(namespace)
        self.handlers.update({"join": self._join, "typing": self._typing})
        self.present: dict[str, tuple[int, str]] = {}  # sid -> (practice id, name)

    def on_connect(self, auth=None):
        return bool(current_user.is_authenticated)

    def on_disconnect(self, reason=None):
        left = self.present.pop(request.sid, None)
        if left:
            self._broadcast_editors(left[0])

    def _editable(self, payload) -> Practice:
        payload = require_mapping(payload)
        practice = get_practice(db.session, clean_id(payload.get("practice_id"), "practice_id"))
        require_edit(db.session, current_user, practice)
        return practice

    def _join(self, payload) -> dict:
        practice = self._editable(payload)
        join_room(practice_room(practice.id))
        self.present[request.sid] = (practice.id, current_user.name)
        self._broadcast_editors(practice.id)
        return {"version": practice.version, "editors": self._names(practice.id)}

    def _typing(self, payload) -> dict:
        practice = self._editable(payload)
        field, value = payload.get("field"), payload.get("value")
        sheets.check_typing(field, value)
        version = payload.get("version")
        version = None if version is None else clean_id(version, "version")
        if self.present.get(request.sid, (None,))[0] != practice.id:
            raise Forbidden(_("Ouvrez d'abord la fiche en modification."))
        socketio.emit("typing", {"field": field, "value": value, "by": current_user.name, "version": version},
                      to=practice_room(practice.id), namespace=PRACTICE_NAMESPACE, skip_sid=request.sid)
        return {}

    def _names(self, practice_id: int) -> list[str]:
        return sorted({name for pid, name in self.present.values() if pid == practice_id})

    def _broadcast_editors(self, practice_id: int) -> None:
        socketio.emit("editors", {"names": self._names(practice_id)}, to=practice_room(practice_id),
                      namespace=PRACTICE_NAMESPACE)


def announce_saved(practice: Practice, user: User, base_version: int | str | None) -> None:
    """After the commit of a save or a restore: tell the others editing this sheet that a new version exists
    (their form adopts untouched fields). A save that changed nothing made no version and announces nothing."""
    try:
        base = int(base_version)
    except (TypeError, ValueError):
        base = 0
    if practice.version <= base:
        return
    socketio.emit("saved", {"version": practice.version, "by": user.name, "fields": sheets.live_fields(practice)},
                  to=practice_room(practice.id), namespace=PRACTICE_NAMESPACE)
