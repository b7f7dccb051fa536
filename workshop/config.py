"""Settings from environment variables, with defaults safe for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """Use SECRET_KEY, else a key kept in instance/ so sessions survive a restart."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _int_env(name: str, default: int) -> int:
    """An integer setting; a value that is not one fails at start with the setting's name."""
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def from_env() -> dict:
    """Build the configuration of a running instance."""
    INSTANCE.mkdir(exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'passerelles.db'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        "PROXY_FIX": os.environ.get("PROXY_FIX", "0") == "1",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "workshop" / "translations"),
        # Request bodies (workshop/guard.py): a larger body is refused (413 `too_large`) before it is read, on
        # every URL, whether its view reads the body or not. The map import's files (the national Annuaire is
        # ~70 MB) get their own allowance.
        "MAX_CONTENT_LENGTH": _int_env("MAX_CONTENT_LENGTH", 20 * 1024 * 1024),
        "MAP_IMPORT_MAX_BYTES": _int_env("MAP_IMPORT_MAX_BYTES", 200 * 1024 * 1024),
        # A body arriving slower than this many bytes a second, once BODY_GRACE_SECONDS have passed, is cut
        # (408 `too_slow`): a trickling upload would hold its connection for ever. Under gevent only.
        "BODY_MIN_RATE": _int_env("BODY_MIN_RATE", 1024),
        "BODY_GRACE_SECONDS": _int_env("BODY_GRACE_SECONDS", 30),
        # Requests in progress per client address (429 `too_many_connections` beyond; PROXY_FIX=1 counts the
        # forwarded address). Pages, uploads and PDFs finish in moments: 64 leaves a classroom of 30 phones behind
        # one NAT room to load pages all at once, while 2,050 slow uploads from one address no longer take all of
        # the worker's 2,000 connections. 0: no cap.
        "MAX_REQUESTS_PER_ADDRESS": _int_env("MAX_REQUESTS_PER_ADDRESS", 64),
        # Socket.IO connections (WebSocket or long-polling, held for the whole workshop) per client address: a
        # departmental meeting's ~300 phones may share the venue's one public address (each holds one, two for an
        # instant while upgrading to WebSocket); 512 still leaves three quarters of the worker to everyone else.
        "MAX_SOCKETS_PER_ADDRESS": _int_env("MAX_SOCKETS_PER_ADDRESS", 512),
        # Password hashing cost (argon2id); tests lower it.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        # Live board limits.
        "CARD_RATE": os.environ.get("CARD_RATE", "20/10 seconds"),
        "JOIN_FAILURE_RATE": os.environ.get("JOIN_FAILURE_RATE", "20/minute"),
        "LOGIN_FAILURE_RATE": os.environ.get("LOGIN_FAILURE_RATE", "5/minute"),
        "RESYNC_MAX_EVENTS": 500,
        # Practices: "1" = a sheet needs the approval of every one of its networks to be published.
        "PRACTICES_DOUBLE_APPROVAL": os.environ.get("PRACTICES_DOUBLE_APPROVAL", "0") == "1",
        # Map: a tile server URL template ("" = no tiles; markers, links and outlines still show).
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", ""),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", ""),
        # PDF exports (workshop/printing): cache folder (default instance/pdf-cache), render processes, their
        # nice level, how long a request waits for a render before showing a progress page, and inline
        # rendering in the request (CLI-like; tests) instead of the pool.
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR") or str(INSTANCE / "pdf-cache"),
        "PDF_WORKERS": int(os.environ.get("PDF_WORKERS", "2")),
        "PDF_WORKER_NICE": int(os.environ.get("PDF_WORKER_NICE", "10")),
        "PDF_INLINE_WAIT": float(os.environ.get("PDF_INLINE_WAIT", "2.0")),
        "PDF_RENDER_INLINE": os.environ.get("PDF_RENDER_INLINE", "0") == "1",
    }
