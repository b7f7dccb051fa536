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
    # By primary tag in the browser's order of preference: "fr-FR, en;q=0.5" is French.
    for tag, _quality in request.accept_languages:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "fr"
