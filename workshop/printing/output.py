"""Writing a PDF to a file named on the command line (the export commands of every domain)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from workshop.printing.books import PdfBook
from workshop.printing.renderer import PdfDocument
from workshop.printing.service import render_file


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


def write_pdf(document: PdfDocument | PdfBook, output: Path) -> int:
    """Render in this process (through the cache), copy to `output`; the page count."""
    path, pages = render_file(document)
    try:
        shutil.copyfile(path, output)
    except OSError as error:
        raise click.ClickException(f"Impossible d'écrire {output} : {error.strerror}.") from None
    return pages
