"""Parameter types of the CLI commands, whose errors read in French like the rest of the commands' messages."""

from __future__ import annotations

import click


class BoundedInt(click.IntRange):
    """A whole number between `min` and `max` (both required: no command runs unbounded on a typo)."""

    name = "integer"

    def __init__(self, min: int, max: int):  # noqa: A002  (click's names)
        super().__init__(min=min, max=max)

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
                self.fail(f"« {value} » n'est pas un nombre entier.", param, ctx)
            number = int(text)
        if not self.min <= number <= self.max:
            self.fail(f"{number} est hors des bornes permises ({self.min} à {self.max}).", param, ctx)
        return number


def record_id(value: str, what: str) -> int:
    """A record's id given as a command argument: digits within the id range, else a French refusal naming it."""
    from workshop.validation import ID_MAX

    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= ID_MAX:
        raise click.ClickException(f"Identifiant {what} invalide : {value} (attendu : un nombre).")
    return int(text)
