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
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
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
        # Task queue (workshop/jobs, Huey): imports and other heavy or periodic work run in `flask run-worker`,
        # never in the web process. The queue lives in JOBS_QUEUE_FILE (default instance/jobs-queue.db, SQLite:
        # nothing to install), or in Redis when REDIS_URL is set. JOBS_IMMEDIATE=1 runs each job at once in the
        # process that queued it (tests, debugging). Uploaded files wait in JOBS_SPOOL_DIR (default
        # instance/job-files); JOBS_WORKERS threads run jobs (default 2); finished jobs are deleted after
        # JOBS_RETENTION_DAYS days (default 30) by the worker's daily housekeeping.
        "JOBS_IMMEDIATE": os.environ.get("JOBS_IMMEDIATE", "0") == "1",
        "JOBS_QUEUE_FILE": os.environ.get("JOBS_QUEUE_FILE") or str(INSTANCE / "jobs-queue.db"),
        "JOBS_SPOOL_DIR": os.environ.get("JOBS_SPOOL_DIR") or str(INSTANCE / "job-files"),
        "JOBS_WORKERS": int(os.environ.get("JOBS_WORKERS", "2")),
        "JOBS_RETENTION_DAYS": int(os.environ.get("JOBS_RETENTION_DAYS", "30")),
    }
