"""Settings from environment variables, with defaults safe for a laptop."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def private_dir(path: Path) -> Path:
    """Create the folder readable by this user only (0700), and tighten one an older version left open."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError:  # not ours (a shared mount): leave it as its owner set it
        pass
    return path


def private_file(path: Path) -> bool:
    """Create the file empty with mode 0600 if it does not exist (True when created): the mode is given at creation,
    so there is no moment when another user could open it."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    return True


def _secret_key() -> str:
    """Use SECRET_KEY, else a key kept in instance/ (mode 0600) so sessions survive a restart."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = private_dir(INSTANCE) / "secret_key"
    if private_file(path) or not path.read_text().strip():
        path.write_text(secrets.token_urlsafe(48))
    path.chmod(0o600)
    return path.read_text().strip()


WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")
# Names that only reach this machine: always accepted in the Host header (the tests, a health check, a proxy).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")  # (Werkzeug cannot match an IPv6 address in this list)


def lan_address() -> str | None:
    """This machine's address on its local network (the one a phone in the room can reach), or None. A UDP socket
    "connected" to a private address sends nothing; it only makes the system pick the outgoing interface."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def default_public_url(host: str, port: str) -> str:
    """The public URL when PUBLIC_URL is unset: the bind address; when the server listens on every interface
    (`make run HOST=0.0.0.0`), the machine's LAN address, so that the join link and QR code work on phones in the
    room (its name when it has none). Never the request's Host header, which anyone can set."""
    name = (lan_address() or socket.gethostname()) if host in WILDCARD_HOSTS else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # an IPv6 address in a URL
    return f"http://{name}:{port}"


def only_this_machine(url: str) -> bool:
    """Whether a public URL names this machine only (localhost, 127.x, ::1): a phone in the room cannot open it, so
    the room screen warns the facilitator before people scan a QR code that leads nowhere."""
    name = (urlsplit(url).hostname or "").lower()
    return name in ("localhost", "::1") or name.startswith("127.") or name.endswith(".localhost")


def trusted_hosts(public_url: str, host: str, extra: list[str] | None = None) -> list[str]:
    """Flask's TRUSTED_HOSTS: the host of PUBLIC_URL, the bind address (on every interface: the LAN address and
    the machine's name), loopback names and any extra ones; a request naming another host gets a 400 before any
    view runs."""
    bound = [lan_address() or "", socket.gethostname()] if host in WILDCARD_HOSTS else [host]
    names = [urlsplit(public_url).hostname or "", *bound, *LOOPBACK_HOSTS, *(extra or [])]
    return list(dict.fromkeys(name for name in names if name))


def _int_env(name: str, default: int) -> int:
    """An integer setting; a value that is not one fails at start with the setting's name."""
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def from_env() -> dict:
    """Build the configuration of a running instance."""
    private_dir(INSTANCE)
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'passerelles.db'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        # Where the app serves (`make run`), and the absolute base of every link that leaves the page: join links,
        # QR codes, links printed in PDFs. Default: http://HOST:PORT (see default_public_url).
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": os.environ.get("PORT", "5000"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").rstrip("/"),
        # Host names accepted in requests besides PUBLIC_URL's, the bind address and loopback (comma-separated; a
        # leading dot accepts subdomains). create_app derives TRUSTED_HOSTS from them.
        "EXTRA_TRUSTED_HOSTS": [name.strip() for name in os.environ.get("TRUSTED_HOSTS", "").split(",")
                                if name.strip()],
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
        # Open connections per client address, refused as they are accepted (workshop/serving.py, without
        # PROXY_FIX); 0: the two caps above together.
        "MAX_CONNECTIONS_PER_ADDRESS": _int_env("MAX_CONNECTIONS_PER_ADDRESS", 0),
        # Password hashing cost (argon2id); tests lower it.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        # Live board limits. Each rate counts per participant and per socket (re-joining under a new name gets
        # round neither); its _PER_ADDRESS twin counts per address, much wider: a whole school, or a meeting of
        # 300 people, may share one address, so it is a backstop at what the server can carry.
        "CARD_RATE": os.environ.get("CARD_RATE", "20/10 seconds"),
        # The burst is bounded too: 400 cards accepted in the same second (one address's whole window, opened by
        # 50 sockets at once) held every other board ~1 s while they went out; a room posting at once stays under 100.
        "CARD_RATE_PER_ADDRESS": os.environ.get("CARD_RATE_PER_ADDRESS", "100/second;400/10 seconds"),
        # Reports ("Signaler") of cards, sheets, structures and links, per participant/socket and per address.
        "REPORT_RATE": os.environ.get("REPORT_RATE", "5/minute"),
        "REPORT_RATE_PER_ADDRESS": os.environ.get("REPORT_RATE_PER_ADDRESS", "60/minute"),
        # Group creation (each one rewrites a column's placements): 934 in 10 s froze a board.
        "GROUP_RATE": os.environ.get("GROUP_RATE", "20/10 seconds"),
        "GROUP_RATE_PER_ADDRESS": os.environ.get("GROUP_RATE_PER_ADDRESS", "100/10 seconds"),
        # Dots put or taken back (each is broadcast to every screen).
        "VOTE_RATE": os.environ.get("VOTE_RATE", "30/10 seconds"),
        "VOTE_RATE_PER_ADDRESS": os.environ.get("VOTE_RATE_PER_ADDRESS", "1000/10 seconds"),
        # Costly reads: similar-card hints (a fuzzy match over the board) and resync (a replay or a snapshot).
        "SIMILAR_RATE": os.environ.get("SIMILAR_RATE", "20/10 seconds"),
        "SIMILAR_RATE_PER_ADDRESS": os.environ.get("SIMILAR_RATE_PER_ADDRESS", "200/10 seconds"),
        "RESYNC_RATE": os.environ.get("RESYNC_RATE", "10/10 seconds"),
        "RESYNC_RATE_PER_ADDRESS": os.environ.get("RESYNC_RATE_PER_ADDRESS", "300/10 seconds"),
        # Costly reads (resync, pages of state, similar cards) running at once from one address; one per socket.
        "COSTLY_IN_FLIGHT_PER_ADDRESS": int(os.environ.get("COSTLY_IN_FLIGHT_PER_ADDRESS", "2")),
        # Milliseconds of costly reads (wall time) per socket, and per address, in a moving window: a late joiner
        # on a 6,000-card board spends ~600 ms for its 20 pages; a spammer stops at the budget.
        "COSTLY_MS": os.environ.get("COSTLY_MS", "2000/10 seconds"),
        "COSTLY_MS_PER_ADDRESS": os.environ.get("COSTLY_MS_PER_ADDRESS", "3000/10 seconds"),
        # Pages of board state sent (state.cards; a whole state sent at once counts as the pages it holds): a
        # 6,000-card board is 20 pages of 300.
        "PAGE_RATE": os.environ.get("PAGE_RATE", "40/10 seconds"),
        "PAGE_RATE_PER_ADDRESS": os.environ.get("PAGE_RATE_PER_ADDRESS", "60/10 seconds"),
        # Wrong join codes (per address) and wrong passwords (per account and per address) that are free in
        # each window; beyond them each attempt waits FAILURE_DELAY_BASE seconds, doubling up to
        # FAILURE_DELAY_MAX. A right code or password is never refused (a classroom shares one address).
        "JOIN_FAILURE_RATE": os.environ.get("JOIN_FAILURE_RATE", "20/minute"),
        "LOGIN_FAILURE_RATE": os.environ.get("LOGIN_FAILURE_RATE", "5/15 minutes"),
        "FAILURE_DELAY_BASE": float(os.environ.get("FAILURE_DELAY_BASE", "0.5")),
        "FAILURE_DELAY_MAX": float(os.environ.get("FAILURE_DELAY_MAX", "8")),
        "RESYNC_MAX_EVENTS": 500,
        # Frames written once per audience straight to each screen's WebSocket (live/wire.py); 0: through
        # engine.io's per-socket queue, as every other message.
        "WIRE_FRAMES": os.environ.get("WIRE_FRAMES", "1") != "0",
        # A late joiner who asks for pages gets the board's cards STATE_PAGE_CARDS at a time (0: all at once).
        "STATE_PAGE_CARDS": int(os.environ.get("STATE_PAGE_CARDS", "300")),
        # A join or resync without pages gets at most this many cards, then `cards_next` like a paged one (the
        # board store follows it either way): a client cannot ask a 6,000-card board whole (0: no cap). As a page:
        # at 1,000, a spammer's joins (350 KB each, encoded in one piece) still stalled another board ~1.9 s.
        "STATE_WHOLE_MAX_CARDS": int(os.environ.get("STATE_WHOLE_MAX_CARDS", "300")),
        # Practices: "1" = a sheet needs the approval of every one of its networks to be published.
        "PRACTICES_DOUBLE_APPROVAL": os.environ.get("PRACTICES_DOUBLE_APPROVAL", "0") == "1",
        # Map: a tile server URL template ("" = no tiles; markers, links and outlines still show).
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", ""),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", ""),
        # Embeds (/integrer/...): the sites allowed to frame them ("*" = any; else origins, space separated).
        "EMBED_ANCESTORS": os.environ.get("EMBED_ANCESTORS", "*"),
        # PDF exports (workshop/printing): cache folder (default instance/pdf-cache), render processes, their
        # nice level, how long a request waits for a render before showing a progress page, and inline
        # rendering in the request (CLI-like; tests) instead of the pool.
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR") or str(INSTANCE / "pdf-cache"),
        "PDF_WORKERS": int(os.environ.get("PDF_WORKERS", "2")),
        "PDF_WORKER_NICE": int(os.environ.get("PDF_WORKER_NICE", "10")),
        "PDF_INLINE_WAIT": float(os.environ.get("PDF_INLINE_WAIT", "2.0")),
        "PDF_RENDER_INLINE": os.environ.get("PDF_RENDER_INLINE", "0") == "1",
        # Personal data (RGPD): names and card texts of workshops closed more than this many months ago are
        # erased by `flask purge-personal-data` (and the periodic task); default 24 months.
        "RETENTION_MONTHS": int(os.environ.get("RETENTION_MONTHS", "24")),
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
        # PDF renders one address may start (documents not yet in the cache; a cached PDF is always served).
        "PDF_RENDER_RATE": os.environ.get("PDF_RENDER_RATE", "20/minute;200/hour"),
        # E-mail (workshop/mail, flask-mailman): unset MAIL_SERVER writes messages to the log instead of sending.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int_env("MAIL_PORT", 25),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Passerelles <ne-pas-repondre@passerelles.local>"),
        "MAIL_TIMEOUT": _int_env("MAIL_TIMEOUT", 20),
        # A temporary SMTP failure (4xx, server unreachable) is tried again after MAIL_RETRY_SECONDS, up to
        # MAIL_MAX_ATTEMPTS tries in all; then, or at once on a permanent refusal (5xx), the message is "failed".
        "MAIL_RETRY_SECONDS": _int_env("MAIL_RETRY_SECONDS", 300),
        "MAIL_MAX_ATTEMPTS": _int_env("MAIL_MAX_ATTEMPTS", 5),
        # Links sent by e-mail: an invitation is valid INVITATION_DAYS days, a password reset RESET_MINUTES
        # minutes, an e-mail change confirmation EMAIL_CHANGE_HOURS hours; each works once.
        "INVITATION_DAYS": _int_env("INVITATION_DAYS", 7),
        "RESET_MINUTES": _int_env("RESET_MINUTES", 30),
        "EMAIL_CHANGE_HOURS": _int_env("EMAIL_CHANGE_HOURS", 24),
        # Reset requests per address asked for and per client address (beyond: the same answer, no mail).
        "RESET_RATE": os.environ.get("RESET_RATE", "3/hour"),
        "RESET_RATE_PER_ADDRESS": os.environ.get("RESET_RATE_PER_ADDRESS", "20/hour"),
        # Notifications: next steps due within this many days are reminded to the workshop's facilitator.
        "NEXT_STEP_REMINDER_DAYS": _int_env("NEXT_STEP_REMINDER_DAYS", 2),
    }
