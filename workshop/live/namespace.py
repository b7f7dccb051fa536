"""The /board Socket.IO namespace: join, resync, and every declared board command, through the kernel."""

from __future__ import annotations

from collections.abc import Callable

from flask import request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room, leave_room

from workshop import ratelimit
from workshop.errors import Forbidden, NotFound, RateLimited, ValidationError
from workshop.extensions import db
from workshop.live import presence
from workshop.live.kernel import Kernel
from workshop.sockets import GuardedNamespace


class BoardNamespace(GuardedNamespace):
    """Every client->server event answers {"ok": true, ...} or {"ok": false, "error": {...}}."""

    def __init__(self, kernel: Kernel, namespace: str = presence.NAMESPACE):
        super().__init__(namespace)
        self.kernel = kernel
        self.handlers.update({"join": self.join, "resync": self.resync})
        for name, cmd in kernel.registry.commands.items():
            if not cmd.system:
                self.handlers[name] = self._command(name)

    def on_connect(self, auth=None):
        return True

    def on_disconnect(self, reason=None):
        presence.remove(request.sid)

    def join(self, payload) -> dict:
        """Let someone onto a board (by code, token or account) and give them what they missed."""
        address = request.remote_addr or "?"
        if not ratelimit.allowed("JOIN_FAILURE_RATE", address):
            raise RateLimited()
        host = self.kernel.host
        try:
            joined = host.join(db.session, payload, current_user if current_user.is_authenticated else None)
        except NotFound:
            ratelimit.hit("JOIN_FAILURE_RATE", address)
            raise
        db.session().expire_on_commit = False  # this event's session: what join loaded serves the answer
        db.session.commit()
        participant, workshop = joined.participant, joined.workshop
        self._leave_current()
        moderator = host.is_moderator(participant)
        join_room(presence.moderators_room(workshop.id) if moderator else presence.room(workshop.id))
        session["board"] = {"participant_id": participant.id, "workshop_id": workshop.id}
        presence.add(workshop.id, request.sid, participant.id, participant.name)
        answer = {"participant": host.participant_dict(participant, joined.token),
                  "presence": presence.snapshot(workshop.id)}
        return {**answer, **self.kernel.catch_up(db.session, participant, payload.get("since"))}

    def resync(self, payload) -> dict:
        participant = self._participant()
        since = payload.get("since") if isinstance(payload, dict) else None
        if since is None:
            raise ValidationError(_("Indiquez le dernier numéro de séquence reçu (since)."), field="since")
        return self.kernel.catch_up(db.session, participant, since)

    def _command(self, name: str) -> Callable:
        def handle(payload) -> dict:
            return self.kernel.perform(db.session, self._participant(), name, payload).ack

        return handle

    def _participant(self):
        board = session.get("board")
        if not board:
            raise Forbidden(_("Rejoignez d'abord l'atelier avec son code."))
        return self.kernel.host.participant(db.session, board["participant_id"])

    def _leave_current(self) -> None:
        board = session.pop("board", None)
        if board:
            leave_room(presence.room(board["workshop_id"]))
            leave_room(presence.moderators_room(board["workshop_id"]))
            presence.remove(request.sid)
