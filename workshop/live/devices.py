"""Who is behind a seat without an account: a random id kept in the browser's device cookie.

The board page gives the cookie; the socket's join reads it. Re-joining under a new name from the same browser is
the same person, so budgets such as dots count per person. A random id, nothing else; it ends with the browser's.
Not the address: a whole school shares one, and each pupil has their own dots.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, request, session

DEVICE_COOKIE = "passerelles_device"
SHORTEST, LONGEST = 16, 200  # a cookie outside these bounds was not given by us: ignored


def _device() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if SHORTEST <= len(value) <= LONGEST else None


def give_device(response: Response) -> Response:
    """Set the device cookie on a page that opens a board, unless the browser has one."""
    if _device() is None:
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def person_key() -> str:
    """The person behind this socket: a hash of the device cookie, else of the socket itself; kept for the
    socket's life (in its Socket.IO session)."""
    if "person" not in session:
        device = _device()
        session["person"] = ("d:" + hashlib.sha256(device.encode()).hexdigest()[:40] if device
                             else "s:" + hashlib.sha256(request.sid.encode()).hexdigest()[:40])
    return session["person"]
