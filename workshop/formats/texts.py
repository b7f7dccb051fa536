"""The words of the built-in formats (column names and prompts, phase names and instructions) as catalog msgids.

Boards carry these French texts in their state; each page translates them for its own reader with the map
`translations()` hands to the board script, so a parent reading Arabic and the facilitator reading French see
the same board in their own language. The French text is the msgid; the English catalog entry of a column or
phase name is its `label_en`.
"""

from __future__ import annotations

from flask_babel import get_locale, gettext

from workshop.formats.builtin import FORMATS, FREE_PHASE
from workshop.peergroups.review import REVIEW_PHASE


def format_texts() -> list[str]:
    """Every French text of the built-in formats a participant can read on a board, once each, in order (with
    the phase a peer group's board opens on)."""
    texts: list[str] = [FREE_PHASE["label"], REVIEW_PHASE["label"], REVIEW_PHASE["instructions"]]
    for fmt in FORMATS.values():
        for column in (*fmt.columns, *fmt.extra_columns):
            texts += [column.label_fr, column.prompt]
        for phase in fmt.phases:
            texts += [phase.label_fr, phase.instructions]
    return [t for t in dict.fromkeys(texts) if t]


def english_names() -> dict[str, str]:
    """The English names the formats declare (label_en): the English catalog must say the same."""
    names = {phase["label"]: phase["label_en"] for phase in (FREE_PHASE, REVIEW_PHASE)}
    for fmt in FORMATS.values():
        names.update({c.label_fr: c.label_en for c in (*fmt.columns, *fmt.extra_columns)})
        names.update({p.label_fr: p.label_en for p in fmt.phases})
    return names


def translations() -> dict[str, str]:
    """French text -> the page's language, for the texts the catalog translates (empty for French pages)."""
    if str(get_locale()) == "fr":
        return {}
    found = {text: gettext(text) for text in format_texts()}
    return {text: shown for text, shown in found.items() if shown != text}
