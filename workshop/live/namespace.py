"""The /board Socket.IO namespace: join, resync, and every declared board command, through the kernel."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from flask import Flask, current_app, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room, leave_room

from workshop import ratelimit
from workshop.addresses import request_key
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.extensions import db
from workshop.i18n import current_language
from workshop.live import presence
from workshop.live.devices import person_key
from workshop.live.kernel import Kernel, rate_refusal
from workshop.sockets import GuardedNamespace

log = logging.getLogger(__name__)


class BoardNamespace(GuardedNamespace):
    """Every client->server event answers {"ok": true, ...} or {"ok": false, "error": {...}}."""

    def __init__(self, kernel: Kernel, namespace: str = presence.NAMESPACE):
        super().__init__(namespace)
        self.kernel = kernel
        self.handlers.update({"join": self.join, "resync": self.resync, "state.cards": self.cards_page})
        self._counted: set[str] = set()  # rate-limited commands whose limit the early check counts
        self._refusals: dict[tuple[str, str], dict] = {}  # (rate, language) -> the error of a refusal
        for name, cmd in kernel.registry.commands.items():
            if not cmd.system:
                self.handlers[name] = self._command(name)
                if cmd.rate and cmd.rate not in COSTLY_RATES:
                    self._counted.add(name)

    def trigger_event(self, event, *args):
        """Two events are handled here, without Flask's contexts, the session or the kernel: a leave nothing
        watches, and a participant's rate-limited command over one of its limits, refused. One address's flood
        of card posts (thousands a second from 50 sockets), or a class closing 300 tabs at once, cost every
        other board its delay in that work."""
        if event == "disconnect" and args and self._left_unwatched(args[0]):
            return None
        if event not in self._counted or not args:
            return super().trigger_event(event, *args)
        cmd = self.kernel.registry.commands[event]
        try:
            known = self._known(args[0])
        except Exception:  # noqa: BLE001  (nothing counted yet: the usual path counts and answers instead)
            log.exception("early rate check of %s failed", event)
            known = None
        if known is None:
            return super().trigger_event(event, *args)
        participant_id, address, language, app = known
        if ratelimit.hit_all(cmd.rate, {"participant": participant_id, "socket": args[0], "address": address},
                             app=app):
            handler = partial(self.handlers[event], counted=participant_id)
            return self.socketio._handle_event(self._guarded(handler), event, self.namespace, *args)
        try:
            return self._refusal(cmd.rate, language, app)
        except Exception:  # noqa: BLE001  (counted already: refused again in Flask's contexts, not counted twice)
            log.exception("early refusal of %s failed", event)

            def refuse(_payload) -> dict:
                raise rate_refusal(cmd.rate)

            return self.socketio._handle_event(self._guarded(refuse), event, self.namespace, *args)

    def _known(self, sid: str) -> tuple[int, str, str, Flask] | None:
        """What the early count needs of this socket: its seat's participant, its address's key, its language
        and the app; None when it is not known well enough yet (no seat, an account's seat, whose login is
        checked first): the kernel counts."""
        environ = self.socketio.server.get_environ(sid, namespace=self.namespace) or {}
        seat = (environ.get(_SAVED_SESSION) or {}).get("board")
        address, language = environ.get(_ADDRESS), environ.get(_LANGUAGE)
        if not seat or seat.get("user_id") is not None or address is None or language is None:
            return None
        return seat["participant_id"], address, language, environ["flask.app"]

    def _left_unwatched(self, sid: str) -> bool:
        """A leave that no presence-watching command cares about only leaves presence, without Flask's contexts:
        a class closing its 300 tabs at the bell pushed 300 request contexts back to back, a third of the
        leaves' CPU, and held another board's card ~0.2 s. False: the usual path (on_disconnect) runs."""
        environ = self.socketio.server.get_environ(sid, namespace=self.namespace) or {}
        if _watched((environ.get(_SAVED_SESSION) or {}).get("board")):
            return False
        presence.remove(sid)
        return True

    def _refusal(self, rate: str, language: str, app: Flask) -> dict:
        error = self._refusals.get((rate, language))
        if error is None:  # translated once per language
            with app.app_context(), force_locale(language):
                error = self._refusals[(rate, language)] = rate_refusal(rate).to_dict()
        return {"ok": False, "error": dict(error)}

    def on_connect(self, auth=None):
        return True

    def on_disconnect(self, reason=None):
        try:
            self._left(session.get("board"))
        finally:
            db.session.remove()

    def join(self, payload) -> dict:
        """Let someone onto a board (by code, token or account) and give them what they missed. A wrong code
        is answered late, later with each failure from this address; a right one is never refused."""
        host = self.kernel.host
        user = current_user if current_user.is_authenticated else None
        paged = isinstance(payload, dict) and payload.get("paged") is True
        framed = isinstance(payload, dict) and payload.get("frames") is True  # events come as `events` lists
        if not paged:  # a paged join costs one page, never refused: a classroom always gets in
            self._may_snapshot(None)
        try:
            joined = host.join(db.session, payload, user, person=person_key())
        except NotFound:
            ratelimit.failed("JOIN_FAILURE_RATE", "join-code", request_key())
            raise
        _remember_socket()
        db.session().expire_on_commit = False  # this event's session: what join loaded serves the answer
        db.session.commit()
        participant, workshop = joined.participant, joined.workshop
        self._leave_current()
        moderator = host.is_moderator(participant)
        join_room(presence.room(workshop.id, moderators=moderator, framed=framed))
        # "watched": whether a presence-watching command (the facilitator's balance) cares when this seat comes
        # or goes; a leave that none watches reads nothing (a class closing 300 tabs at the bell read 300 seats
        # back to back, holding every board ~0.5 s).
        session["board"] = {"participant_id": participant.id, "workshop_id": workshop.id,
                            "user_id": participant.user_id,
                            "watched": any(cmd.on_presence(participant)
                                           for cmd in self.kernel.registry.presence_commands)}
        presence.add(workshop.id, request.sid, participant.id, participant.name, framed=framed)
        answer = {"participant": host.participant_dict(participant, joined.token),
                  "presence": presence.snapshot(workshop.id)}
        caught_up = self.kernel.catch_up(db.session, participant, payload.get("since"), paged=paged)
        self._charge(caught_up, participant)
        self.kernel.presence_changed(workshop.id, participant)
        return {**answer, **caught_up}

    def resync(self, payload) -> dict:
        participant = self._participant()
        since = payload.get("since") if isinstance(payload, dict) else None
        if since is None:
            raise ValidationError(_("Indiquez le dernier numéro de séquence reçu (since)."), field="since")
        self._limit("RESYNC_RATE", participant)
        self._may_snapshot(participant)
        with _one_costly_read():
            caught_up = self.kernel.catch_up(db.session, participant, since, paged=payload.get("paged") is True)
        self._charge(caught_up, participant)
        return caught_up

    def cards_page(self, payload) -> dict:
        """The next page of cards of a paged state: {"after": cursor} -> {"cards", "next", "seq"}."""
        participant = self._participant()
        after = payload.get("after") if isinstance(payload, dict) else None
        self._limit("PAGE_RATE", participant)
        with _one_costly_read():
            return self.kernel.cards_page(db.session, participant, after)

    # A state sent at once costs the pages it holds beyond the first (STATE_WHOLE_MAX_CARDS set above a page)
    # against PAGE_RATE (per socket, participant and address), so neither `join` nor `resync` without pages
    # can be repeated to hold the server; a small board, or a first page, costs nothing (a room of 300 people
    # behind one address joins at once).

    def _may_snapshot(self, participant) -> None:
        keys = {"participant": participant.id if participant is not None else None, **_origin()}
        if not ratelimit.allowed_all("PAGE_RATE", keys):
            raise rate_refusal("PAGE_RATE")

    def _charge(self, caught_up: dict, participant) -> None:
        state = caught_up.get("state")
        page = current_app.config["STATE_PAGE_CARDS"]
        if state is not None and page and len(state["cards"]) > page:
            ratelimit.hit_all("PAGE_RATE", {"participant": participant.id, **_origin()},
                              cost=(len(state["cards"]) - 1) // page)

    def _command(self, name: str) -> Callable:
        """The handler of a command; `counted`: the participant whose rate limit the early check counted."""
        costly = self.kernel.registry.commands[name].rate in COSTLY_RATES

        def handle(payload, counted: int | None = None) -> dict:
            board = self._seat()  # the kernel reads the participant, with the others of its batch
            _remember_socket()
            db.session().expire_on_commit = False  # this event's session ends with it: nothing read after
            if not costly:
                # The events of one socket run in parallel: a `join` between the early count and here seated
                # another participant, whose limit is counted now (this socket and address count twice then).
                return self.kernel.perform(db.session, board["participant_id"], name, payload, origin=_origin(),
                                           workshop_id=board["workshop_id"],
                                           rate_limited=counted != board["participant_id"]).ack
            with _one_costly_read():
                return self.kernel.perform(db.session, board["participant_id"], name, payload, origin=_origin(),
                                           workshop_id=board["workshop_id"]).ack

        return handle

    def _limit(self, setting: str, participant) -> None:
        if not ratelimit.hit_all(setting, {"participant": participant.id, **_origin()}):
            raise rate_refusal(setting)

    def _participant(self):
        return self.kernel.host.participant(db.session, self._seat()["participant_id"])

    def _seat(self) -> dict:
        """This socket's seat ({"participant_id", "workshop_id", "user_id"}), while it holds."""
        board = session.get("board")
        if not board:
            raise Forbidden(_("Rejoignez d'abord l'atelier avec son code."))
        account = board.get("user_id")
        if account is not None and not (current_user.is_authenticated and current_user.id == account):
            # The seat of an account lasts as long as that account's login: logout or disabling ends it here,
            # on every socket, at the next event.
            self._leave_current()
            raise Forbidden(_("Votre session a pris fin : reconnectez-vous pour continuer."))
        return board

    def _leave_current(self) -> None:
        board = session.pop("board", None)
        if board:
            for name in presence.rooms(board["workshop_id"]):
                leave_room(name)
            self._left(board)

    def _left(self, board: dict | None) -> None:
        """This socket left its board: presence, and what watches it (the facilitator's balance)."""
        presence.remove(request.sid)
        if not _watched(board):
            return
        try:
            participant = self.kernel.host.participant(db.session, board["participant_id"])
        except NotFound:
            return
        self.kernel.presence_changed(board["workshop_id"], participant)


def _watched(board: dict | None) -> bool:
    """Whether a presence-watching command (the facilitator's balance) cares when this seat leaves: said at join."""
    return bool(board) and board.get("watched", True)


COSTLY_RATES = frozenset({"SIMILAR_RATE"})  # commands whose cost grows with the board: one at a time too


@contextmanager
def _one_costly_read() -> Iterator[None]:
    """Costly reads (resync, pages, similar cards) one at a time per socket and COSTLY_IN_FLIGHT_PER_ADDRESS
    at a time per address: many sockets cannot hold the server with requests that each take long. Each also
    spends milliseconds of a budget (COSTLY_MS per socket, COSTLY_MS_PER_ADDRESS): counts of requests cannot
    tell a 6,000-card replay from a 10-card one, time can; a spammer gets at most that share of the process."""
    origin = _origin()
    if not ratelimit.allowed_all("COSTLY_MS", origin):
        raise rate_refusal("COSTLY_MS")
    with ratelimit.at_most({("socket", request.sid): 1,
                            ("address", origin["address"]): current_app.config["COSTLY_IN_FLIGHT_PER_ADDRESS"]},
                           rate_refusal("COSTLY_MS").message):
        started = time.perf_counter()
        try:
            yield
        finally:
            ratelimit.hit_all("COSTLY_MS", origin, cost=max(1, round((time.perf_counter() - started) * 1000)))


def _origin() -> dict[str, str]:
    """What the rate limits count besides the participant: this socket and its address."""
    return {"socket": request.sid, "address": request_key()}


# What the early rate check needs of a socket, kept in its environ by the events that push Flask's contexts: its
# address's key (fixed: the socket's URL and headers are) and its language. The language comes from the socket's
# session, cookies and headers, fixed too, with one exception: the device's language cookie is not read while
# someone is logged in (i18n._chosen_locale), so a logged-in person seated as a participant without an account
# who logs out speaks the device's language from then on; each event that pushes the contexts sets it again, and
# early refusals speak the language of the last one until then.
_ADDRESS, _LANGUAGE = "passerelles.address", "passerelles.language"
# Where Flask-SocketIO keeps a socket's session between its events (manage_session, its default; an internal
# name of flask_socketio.SocketIO._handle_event): the early rate check and the leave of an unwatched seat read
# the seat there, without a context. Should a release rename it, both would find no seat: every command would
# take the usual path again (test_a_card_flood_is_refused_before_any_request_context, tests/test_limits.py,
# would fail), and every leave would be taken as unwatched, the balance no longer following a watched one
# (test_a_leave_nothing_watches_reads_no_seat_and_a_watched_one_still_counts would fail).
_SAVED_SESSION = "saved_session"


def _remember_socket() -> None:
    environ = request.environ
    environ[_LANGUAGE] = current_language()  # parsed once per event by Flask-Babel: the kernel asks it too
    if _ADDRESS not in environ:
        environ[_ADDRESS] = request_key()
