"""Socket.IO handlers of the live board (namespace /board): validate, call the service, broadcast."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room, leave_room
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from workshop import ratelimit
from workshop.boards import fanout, presence, service
from workshop.boards.models import Participant
from workshop.errors import Forbidden, NotFound, RateLimited, ValidationError
from workshop.extensions import db
from workshop.sockets import GuardedNamespace

log = logging.getLogger(__name__)

_workshop_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)

# Board events of other domains (practices, facilitation...): name -> rule(session, participant, payload)
# returning a service.Change. Registered at import, before the namespace is built.
RULES: dict[str, Callable] = {}


def board_rule(name: str, *, rate_limited: bool = False) -> Callable:
    """Declare a service function as the handler of a board event; broadcast and acks come for free."""

    def register(rule: Callable) -> Callable:
        RULES[name] = (rule, rate_limited)
        return rule

    return register


def broadcast(workshop_id: int, event: dict) -> None:
    """Send each screen the version of an event it may see: moderators, the owner of what it carries
    (their private card, their vote), everyone else. Private texts and anonymous authors never leave."""
    anonymous = service.workshop_anonymous(db.session, workshop_id)
    owner = service.event_owner(event)
    owner_sids = presence.sids_of(workshop_id, owner) if owner else []
    item = fanout.Item(service.view_event(event, moderator=True, anonymous=anonymous),
                       service.view_event(event, anonymous=anonymous), owner_sids)
    if owner_sids:
        item.owner_is_moderator = service.is_moderator(service.get_participant(db.session, owner))
        item.own = service.view_event(event, viewer_id=owner, anonymous=anonymous,
                                      moderator=item.owner_is_moderator)
    fanout.send(workshop_id, event["type"], item)


@sa_event.listens_for(Session, "loaded_as_persistent")
def _pin(session: Session, instance) -> None:
    """Keep what a board event loaded alive until the event ends: the identity map holds objects weakly, so
    the broadcast after the rule (which needs the workshop's settings) would otherwise read them again."""
    pinned = session.info.get("pinned")
    if pinned is not None:
        pinned.append(instance)


class BoardNamespace(GuardedNamespace):
    """Every client->server event answers {"ok": true, ...} or {"ok": false, "error": {...}}."""

    def __init__(self, namespace: str = presence.NAMESPACE):
        super().__init__(namespace)
        self.handlers.update({
            "join": self.join,
            "resync": self.resync,
            "card.add": self._change(service.add_card, rate_limited=True),
            "card.update": self._change(service.update_card),
            "card.delete": self._change(service.delete_card),
            "card.hide": self._change(service.set_card_hidden),
            "workshop.close": self._change(lambda s, p, _payload: service.set_status(s, p, "closed")),
            "workshop.reopen": self._change(lambda s, p, _payload: service.set_status(s, p, "open")),
        })
        for name, (rule, rate_limited) in RULES.items():
            self.handlers[name] = self._change(rule, rate_limited=rate_limited)

    def prepare_session(self) -> None:
        # One session per event, removed after it: what it just committed stays loaded (the participant, the
        # workshop) instead of being read again for the broadcast and the ack.
        current = db.session()
        current.expire_on_commit = False
        current.info["pinned"] = []

    def on_connect(self, auth=None):
        return True

    def on_disconnect(self, reason=None):
        presence.remove(request.sid)

    # --- events ---------------------------------------------------------------------------------

    def join(self, payload) -> dict:
        address = request.remote_addr or "?"
        if not ratelimit.allowed("JOIN_FAILURE_RATE", address):
            raise RateLimited()
        try:
            joined = service.join(db.session, payload, current_user if current_user.is_authenticated else None)
        except NotFound:
            ratelimit.hit("JOIN_FAILURE_RATE", address)
            raise
        participant, workshop = joined.participant, joined.workshop
        self._leave_current()
        moderator = service.is_moderator(participant)
        join_room(presence.moderators_room(workshop.id) if moderator else presence.room(workshop.id))
        session["board"] = {"participant_id": participant.id, "workshop_id": workshop.id}
        presence.add(workshop.id, request.sid, participant.id, participant.name)
        answer = {"participant": service.participant_dict(participant, joined.token),
                  "presence": presence.snapshot(workshop.id)}
        return {**answer, **self._catch_up(participant, payload.get("since"))}

    def _catch_up(self, participant: Participant, since) -> dict:
        """The events after `since` when given and replayable, else the whole state."""
        seq = service.current_seq(db.session, participant.workshop_id)
        if since is not None:
            limit = current_app.config["RESYNC_MAX_EVENTS"]
            events = service.events_since(db.session, participant.workshop_id, since, participant, limit)
            if events is not None:
                return {"events": events, "seq": max([seq, *(e["seq"] for e in events)])}
        workshop = service.get_workshop(db.session, participant.workshop_id)
        return {"state": service.board_state(db.session, workshop, participant), "seq": seq}

    def resync(self, payload) -> dict:
        participant = self._participant()
        since = payload.get("since") if isinstance(payload, dict) else None
        if since is None:
            raise ValidationError(_("Indiquez le dernier numéro de séquence reçu (since)."), field="since")
        return self._catch_up(participant, since)

    def _change(self, rule: Callable, rate_limited: bool = False) -> Callable:
        def handle(payload) -> dict:
            participant = self._participant()
            if rate_limited and not ratelimit.hit("CARD_RATE", participant.id):
                raise RateLimited(_("Doucement : vous avez posté beaucoup de post-it d'un coup. "
                                    "Attendez quelques secondes."))
            workshop_id = participant.workshop_id
            db.session.close()  # give the connection back while queued: a storm must not drain the pool
            db.session.add(participant)  # attached again as it was loaded, without a query
            with _workshop_locks[workshop_id]:
                change = rule(db.session, participant, payload)
                if change.event:
                    broadcast(workshop_id, change.event)
            result = {"card": change.card} if change.card else {}
            result.update(change.extra or {})
            if change.event:
                result["seq"] = change.event["seq"]
            return result

        return handle

    # --- helpers --------------------------------------------------------------------------------

    def _participant(self) -> Participant:
        board = session.get("board")
        if not board:
            raise Forbidden(_("Rejoignez d'abord l'atelier avec son code."))
        return service.get_participant(db.session, board["participant_id"])

    def _leave_current(self) -> None:
        board = session.pop("board", None)
        if board:
            leave_room(presence.room(board["workshop_id"]))
            leave_room(presence.moderators_room(board["workshop_id"]))
            presence.remove(request.sid)
