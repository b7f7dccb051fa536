"""Security headers on every response (pages, JSON, PDF, errors, static files).

The Content-Security-Policy allows no inline script, no inline style attribute and no plugin: user text that ever
slipped into markup could not run. `<script type="application/json">` data blocks are not executed and need nothing.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


def tile_source(tile_url: str) -> str:
    """The CSP source of a Leaflet tile URL template ("https://{s}.tile.example/{z}/{x}/{y}.png" ->
    "https://*.tile.example"); "" when no tile server is set or the template cannot be expressed as one origin."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    labels = parts.netloc.split(".")
    if re.search(r"[{}]", labels[0]):
        labels[0] = "*"  # a subdomain placeholder ({s}): CSP allows a wildcard as the leftmost label only
    if any(re.search(r"[{}]", label) for label in labels):
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{'.'.join(labels)}"


def socket_sources(public_url: str) -> str:
    """ws:/wss: of the configured public host. 'self' already covers them for browsers following CSP 3; older ones
    (Safari before 15.4) need them written out."""
    parts = urlsplit(public_url or "")
    if not parts.netloc:
        return ""
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


# Pages made to be shown inside the networks' own sites (iframes); every other page refuses to be framed.
EMBED_PREFIX = "/integrer/"


def embed_ancestors(setting: str) -> str:
    """The frame-ancestors sources of embeds: "*" (any site), or the configured origins (space or comma
    separated, http(s) only: anything else in the setting is dropped rather than loosening the policy)."""
    values = [v for v in re.split(r"[\s,]+", setting or "*") if v]
    if values == ["*"]:
        return "*"
    kept = [v for v in values if re.fullmatch(r"https?://[A-Za-z0-9*.-]+(:\d{1,5})?", v)]
    return " ".join(["'self'", *kept])


def content_security_policy(tile_url: str, public_url: str, ancestors: str = "'none'") -> str:
    img = " ".join(filter(None, ("'self' data:", tile_source(tile_url))))
    connect = " ".join(filter(None, ("'self'", socket_sources(public_url))))
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; connect-src {connect}; "
            f"frame-ancestors {ancestors}; base-uri 'self'; form-action 'self'; object-src 'none'")


def style_nonce() -> str:
    """A nonce for the `<style>` elements of this one response: the print preview shows the exact HTML the PDF is
    made from, whose stylesheet and running titles live in `<style>`. Scripts stay refused."""
    if "csp_style_nonce" not in g:
        g.csp_style_nonce = secrets.token_urlsafe(16)
    return g.csp_style_nonce


def with_style_nonce(html: str) -> str:
    """Give the nonce to the `<style>` elements of the document's head (user text never reaches the head raw)."""
    head, sep, body = html.partition("</head>")
    return head.replace("<style>", f'<style nonce="{style_nonce()}">') + sep + body


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key: Flask builds it for every
    request context, and Flask-SocketIO pushes one for every board message (5 % of the server's CPU at 200
    cards/s went into building serializers)."""

    _cache: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._cache
        if cached is None or cached[0] != key:
            cached = self._cache = (key, super().get_signing_serializer(app))
        return cached[1]


def install(app: Flask) -> None:
    """One after_request hook: the headers are computed once from the settings."""
    app.session_interface = SessionCookies()
    headers = {
        "Content-Security-Policy": content_security_policy(app.config.get("MAP_TILE_URL", ""),
                                                           app.config.get("PUBLIC_URL", "")),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }

    embed_headers = {**headers, "Content-Security-Policy": content_security_policy(
        app.config.get("MAP_TILE_URL", ""), app.config.get("PUBLIC_URL", ""),
        embed_ancestors(app.config.get("EMBED_ANCESTORS", "*")))}
    del embed_headers["X-Frame-Options"]  # it has no "these sites" form; frame-ancestors says who may frame

    @app.after_request
    def security_headers(response: Response) -> Response:
        chosen = embed_headers if request.path.startswith(EMBED_PREFIX) else headers
        for name, value in chosen.items():
            if name == "Content-Security-Policy" and response.mimetype == "application/pdf":
                continue  # Chrome's PDF viewer is an <embed> that object-src 'none' would block (crbug 271452)
            response.headers.setdefault(name, value)
        if nonce := g.get("csp_style_nonce"):
            response.headers["Content-Security-Policy"] = chosen["Content-Security-Policy"].replace(
                "style-src 'self'", f"style-src 'self' 'nonce-{nonce}'", 1)
        return response
