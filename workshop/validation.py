"""Small checks for untrusted payloads (socket events, CLI, JSON), with French messages."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

from workshop.errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Embedding, override and isolate controls: they turn the text around them (a name shown as "gpj.exe" reads
# "exe.jpg"), and nobody types them on purpose.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A name is one line: no tab, newline or other C0/C1 control at all.
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Categories that draw nothing by themselves: format characters (zero-width space, joiners, BOM...), separators,
# combining marks with no base, controls.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters that render as blank (Hangul fillers, braille blank).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def require_mapping(payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError(_("Le message envoyé n'a pas la bonne forme."))
    return payload


def clean_text(value: Any, field: str, *, min_len: int = 1, max_len: int, label: str | None = None) -> str:
    """Trim, normalise (NFC) and bound a piece of user text; control characters are refused."""
    label = field if label is None else label  # a lazy label is translated only for an error message
    if not isinstance(value, str):
        raise ValidationError(_("Le champ « %(f)s » doit être un texte.", f=label), field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(text) or _BIDI_CONTROL.search(text) or not _encodable(text):
        raise ValidationError(_("Le champ « %(f)s » contient des caractères invalides.", f=label), field=field)
    if not visible(text):
        text = ""  # zero-width spaces, a BOM...: nothing anyone could read, so empty
    if len(text) < min_len:
        raise ValidationError(_("Le champ « %(f)s » est vide.", f=label), field=field)
    if len(text) > max_len:
        raise ValidationError(
            _("Le champ « %(f)s » est trop long (%(n)d caractères au plus).", f=label, n=max_len), field=field
        )
    return text


def clean_name(value: Any, field: str, *, min_len: int = 1, max_len: int, label: str | None = None) -> str:
    """A name (person, account, structure, group, title): clean text on one line, no control character at all."""
    text = clean_text(value, field, min_len=min_len, max_len=max_len, label=label)
    if _NAME_CONTROL.search(text):
        raise ValidationError(_("Le champ « %(f)s » contient des caractères invalides.", f=label or field),
                              field=field)
    return text


def visible(text: str) -> bool:
    """Whether the text draws at least one character (not only zero-width, blank or format characters)."""
    return any(unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS for ch in text)


def _encodable(text: str) -> bool:
    """False for text the database cannot store (a lone surrogate, as a broken client may send)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


ID_MAX = 2**31 - 1  # identifiers are 32-bit integer columns on PostgreSQL


def clean_id(value: Any, field: str = "id") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX:
        raise ValidationError(_("Identifiant invalide."), field=field)
    return value


def clean_token(value: Any, field: str, *, max_len: int = 64) -> str:
    """A client-made identifier: letters, digits, dash and underscore."""
    if not isinstance(value, str) or not re.fullmatch(rf"[A-Za-z0-9_-]{{1,{max_len}}}", value):
        raise ValidationError(_("Identifiant « %(f)s » invalide.", f=field), field=field)
    return value


def clean_flag(payload: dict, field: str, default: bool) -> bool:
    """A yes/no switch of a payload; absent means `default`."""
    value = payload.get(field, default)
    if not isinstance(value, bool):
        raise ValidationError(_("Valeur « %(f)s » invalide.", f=field), field=field)
    return value


def clean_int(value: Any, field: str, low: int, high: int | None, message: str) -> int:
    """A whole number in [low, high] (no upper bound when high is None); booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise ValidationError(message, field=field)
    return value


def load_json(text: str | bytes, field: str, *, max_depth: int) -> Any:
    """Parse JSON from a file or form, refusing (ValidationError) what is not JSON or nests deeper than
    `max_depth` arrays and objects: a deeply nested document would otherwise exhaust the stack of whatever walks
    it (json itself, shapely, str())."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ValidationError(_("Ce fichier n'est pas du JSON valide."), field=field) from None
    level = [data]
    for _depth in range(max_depth + 1):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return data
    raise ValidationError(_("Données JSON trop imbriquées (%(n)d niveaux au plus).", n=max_depth), field=field)


def clean_ids(value: Any, field: str, maximum: int) -> list[int]:
    """A list of at most `maximum` identifiers, duplicates dropped, order kept; absent means none."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > maximum:
        raise ValidationError(_("Liste d'identifiants invalide (%(n)d au plus).", n=maximum), field=field)
    return list(dict.fromkeys(clean_id(raw, field) for raw in value))
