"""Random single-use tokens stored hashed (SHA-256 of 32 random bytes: a stolen database opens no link), the error
of a link used up or too old, and the signed, non-expiring unsubscribe links (itsdangerous, keyed by SECRET_KEY)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from workshop.errors import ValidationError

TOKEN_MAX = 100


class LinkExpired(ValidationError):
    """A link that was used, revoked or is too old: the page says so and offers a new one."""

    code = "expired"
    status = 410


def new_token() -> tuple[str, str]:
    """A token for the link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def expiry(minutes: int) -> datetime:
    return now() + timedelta(minutes=minutes)


def well_formed(token: object) -> bool:
    return isinstance(token, str) and 0 < len(token) <= TOKEN_MAX and token.isascii()


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="passerelles.unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _unsubscribe_serializer().dumps([user_id, kind])


def read_unsubscribe(token: object) -> tuple[int, str] | None:
    """(user id, kind) of a signed unsubscribe token, or None when it was not made here."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        user_id, kind = _unsubscribe_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind
