"""What every Socket.IO namespace of the app shares: each client event is answered {"ok": true, ...} or
{"ok": false, "error": {"code", "message"}}, with a French message for people and a stable code for programs,
whatever goes wrong (an unknown event, a refused action, an unexpected error), and with the database session
cleaned up after it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_babel import gettext as _
from flask_socketio import Namespace

from workshop import database
from workshop.errors import DomainError
from workshop.extensions import db

log = logging.getLogger(__name__)


class GuardedNamespace(Namespace):
    """Subclasses fill `self.handlers` (event name -> function of the payload returning a dict)."""

    def __init__(self, namespace: str):
        super().__init__(namespace)
        self.handlers: dict[str, Callable] = {}

    def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        handler = self.handlers.get(event)
        if handler is None:
            return {"ok": False, "error": {"code": "invalid", "message": _("Action inconnue.")}}
        return self.socketio._handle_event(self._guarded(handler), event, self.namespace, *args)

    def _guarded(self, handler: Callable) -> Callable:
        def run(payload=None, *_ignored):
            try:
                return {"ok": True, **handler(payload)}
            except DomainError as error:
                db.session.rollback()
                return {"ok": False, "error": error.to_dict()}
            except database.UNAVAILABLE as error:  # the action changed nothing: the outbox keeps the card
                if not database.unavailable(error):  # a broken schema ("no such column") is a fault of ours
                    return self._internal()
                log.warning("%s event %s: database unavailable (%s)", self.namespace, getattr(handler, "__name__", "?"),
                            str(error).splitlines()[0][:200])
                self._rollback()
                return {"ok": False, "error": {"code": "unavailable", "message": _(
                    "Enregistrement impossible pour l'instant : vos post-it attendent et partiront tout seuls.")}}
            except Exception:
                return self._internal()
            finally:
                db.session.remove()

        return run

    def _internal(self) -> dict:
        """An unexpected error (called inside its `except`): logged with its traceback for us, answered
        `internal` with a French sentence and nothing of the error for the client."""
        log.exception("%s event failed", self.namespace)
        self._rollback()
        return {"ok": False, "error": {"code": "internal",
                                       "message": _("Erreur du serveur : réessayez dans un instant.")}}

    @staticmethod
    def _rollback() -> None:
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection itself is gone: removing the session discards it)
            log.debug("rollback failed on an unavailable database")
