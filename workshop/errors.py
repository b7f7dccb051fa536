"""Typed errors raised by the rules; views turn them into pages, socket handlers into error acks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. `code` is stable for programs, `message` is for people (French by default)."""

    code = "invalid"
    status = 400
    default_message = _l("Requête invalide.")

    def __init__(self, message: str | None = None, *, field: str | None = None, details: dict | None = None):
        self.message = str(message or self.default_message)
        self.field = field
        self.details = details or {}
        super().__init__(self.message)

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.details:
            error["details"] = self.details
        return error


class ValidationError(DomainError):
    code = "invalid"
    status = 400


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _l("Vous n'avez pas le droit de faire cela.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _l("Introuvable.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _l("Trop de tentatives : patientez un instant avant de recommencer.")


class Closed(DomainError):
    code = "closed"
    status = 409
    default_message = _l("Cet atelier est fermé : il ne reçoit plus de contributions.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _l("Quelqu'un a modifié ceci en même temps que vous.")
