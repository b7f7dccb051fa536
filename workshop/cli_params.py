"""Parameter types of the CLI commands, whose errors read in French like the rest of the commands' messages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from workshop.printing.service import render_file


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


def output_file(path: str) -> Path:
    """Refuse early what cannot be written: a directory, a missing folder, a read-only place."""
    output = Path(path)
    if not path.strip():
        raise click.ClickException("Indiquez un fichier de sortie, par exemple --output boite.pdf.")
    if output.is_dir():
        raise click.ClickException(f"{path} est un dossier : indiquez un nom de fichier .pdf.")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise click.ClickException(f"Le dossier {folder} n'existe pas.")
    if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise click.ClickException(f"Impossible d'écrire {path} : vérifiez les droits sur ce dossier.")
    return output


def write_pdf(document, output: Path) -> int:
    """Render a document through the PDF cache and copy it to `output`; returns its page count."""
    path, pages = render_file(document)
    try:
        shutil.copyfile(path, output)
    except OSError as error:
        raise click.ClickException(f"Impossible d'écrire {output} : {error.strerror}.") from None
    return pages
