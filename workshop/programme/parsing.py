"""Reading typed amounts, hours and dates: Decimal with two places (never floats), with French messages."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from workshop.errors import ValidationError

AMOUNT_MAX = Decimal("9999999999.99")  # Numeric(12, 2)
_NUMBER = re.compile(r"[0-9]{1,10}(?:[.,][0-9]{1,2})?")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_amount(value: Any, field: str, label: str, *, maximum: Decimal = AMOUNT_MAX,
                 allow_zero: bool = True) -> Decimal:
    """A sum in euros as typed ("1 250,50", "1250.5"): at most two decimals, not negative, within the column."""
    if value is None:  # a field left out counts as empty
        value = ""
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = _SPACES.sub("", value).removesuffix("€")
    else:
        raise ValidationError(_("« %(f)s » : indiquez un nombre.", f=label), field=field)
    if text == "":
        text = "0"
    if not _NUMBER.fullmatch(text):
        raise ValidationError(_("« %(f)s » : un nombre positif avec au plus deux décimales, par exemple 1250,50.",
                                f=label), field=field)
    try:
        amount = Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern above already excludes it
        raise ValidationError(_("« %(f)s » : indiquez un nombre.", f=label), field=field) from None
    if amount > maximum:
        raise ValidationError(_("« %(f)s » : %(n)s au plus.", f=label, n=format_decimal(maximum)), field=field)
    if not allow_zero and amount == 0:
        raise ValidationError(_("« %(f)s » doit être plus grand que zéro.", f=label), field=field)
    return amount


def parse_date(value: Any, field: str, label: str) -> date:
    """A date from a date field (2026-10-05) or typed the French way (05/10/2026)."""
    text = value.strip() if isinstance(value, str) else ""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 2000 <= parsed.year <= 2100:
            return parsed
    raise ValidationError(_("« %(f)s » : une date au format JJ/MM/AAAA, par exemple 05/10/2026.", f=label),
                          field=field)


def format_decimal(value: Decimal, lang: str = "fr") -> str:
    """1234.5 -> "1 234,50" in French, "1,234.50" in English (always two decimals)."""
    text = f"{value:,.2f}"
    if lang == "en":
        return text
    whole, _dot, cents = text.partition(".")
    return whole.replace(",", "\u202f") + "," + cents


def format_euros(value: Decimal, lang: str = "fr") -> str:
    """1234.5 -> "1 234,50 €" in French, "€1,234.50" in English."""
    return f"€{format_decimal(value, lang)}" if lang == "en" else f"{format_decimal(value, lang)}\u00a0€"
