"""Language choice: French first, English second; a person's choice is remembered in their session."""

from __future__ import annotations

from flask import has_request_context, request, session

LANGUAGES = ("fr", "en")


def select_locale() -> str:
    if not has_request_context():  # CLI and background work speak French
        return "fr"
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES, default="fr") or "fr"
