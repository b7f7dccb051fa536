"""Language choice: French first, English second, and six more languages for the participant's path.

Parents who speak little French join in Arabic, Turkish, Portuguese, Spanish, Romanian or Tamil: the pages of
the participant's path are translated in those catalogs (the list is `workshop.i18n_participant`), any other
page falls back to French. A choice made with `?lang=` is remembered in the session and on the device (the
`lang` cookie); the device cookie never changes a logged-in facilitator's screen, which keeps the language of
their own session.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import Response, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

STAFF_LANGUAGES = ("fr", "en")
LANGUAGES = ("fr", "en", "ar", "tr", "pt", "es", "ro", "ta")
# Each language in its own name, as the picker shows it.
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية", "tr": "Türkçe", "pt": "Português",
                  "es": "Español", "ro": "Română", "ta": "தமிழ்"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEVICE_COOKIE = "lang"
DEVICE_COOKIE_DAYS = 365


def text_direction(locale: str) -> str:
    return "rtl" if locale in RIGHT_TO_LEFT else "ltr"


def supported(value: object) -> str | None:
    """The language code if it is one we speak, else None (validates cookies, query strings, card languages)."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def current_language() -> str:
    """The language of the current request (a participant's page or socket), always one we support."""
    return supported(str(get_locale())) or "fr"


# The participant's path: pages (and the board's socket) that speak the participant languages. Any other page
# shows French to a reader of those languages, and says so in <html lang>, rather than a mix of both.
PARTICIPANT_ENDPOINTS = frozenset({"boards.home", "boards.join_by_code", "boards.board", "privacy.notice",
                                   "privacy.mine", "privacy.export_mine", "privacy.erase_mine",
                                   # registering for a meeting, then one's registration by its personal link
                                   "meetings.register", "meetings.mine", "meetings.cancel", "meetings.choose",
                                   "meetings.open_board"})
SOCKET_PATH = "/socket.io"


def on_participant_path() -> bool:
    return request.endpoint in PARTICIPANT_ENDPOINTS or request.path.startswith(SOCKET_PATH)


def select_locale() -> Locale:
    """The request's language as a Locale parsed once per language: given a string, Flask-Babel parses it again
    for every request and socket event (a stat of Babel's data file each time), 6 % of the server's CPU when a
    flood of card posts was being refused."""
    return parsed_locale(_selected())


@cache
def parsed_locale(code: str) -> Locale:
    """A supported language's Locale, parsed once (for flask_babel.force_locale too, which would parse again)."""
    return Locale.parse(code)


def _selected() -> str:
    if not has_request_context():  # CLI and background work speak French
        return "fr"
    chosen = _chosen_locale()
    if chosen not in STAFF_LANGUAGES and not on_participant_path():
        return "fr"
    return chosen


def _chosen_locale() -> str:
    wanted = supported(request.args.get("lang"))
    if wanted:
        session["lang"] = wanted
    if supported(session.get("lang")):
        return session["lang"]
    device = supported(request.cookies.get(DEVICE_COOKIE))
    if device and not current_user.is_authenticated:
        return device
    # By primary tag in the browser's order of preference: "fr-FR, en;q=0.5" is French.
    for tag, _quality in request.accept_languages:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "fr"


def remember_on_device(response: Response) -> Response:
    """After a `?lang=` choice, keep it on the device for the next visit (no personal data: a language code)."""
    wanted = supported(request.args.get("lang"))
    if wanted and request.cookies.get(DEVICE_COOKIE) != wanted:
        response.set_cookie(DEVICE_COOKIE, wanted, max_age=DEVICE_COOKIE_DAYS * 86400, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response
