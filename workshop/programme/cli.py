"""CLI: export-programme (DESIGN.md §4), the bilan rendered in this process through the PDF cache."""

from __future__ import annotations

import re

import click
from flask import Flask

from workshop.extensions import db
from workshop.printing.output import output_file, write_pdf
from workshop.programme import bilan, plan
from workshop.programme.models import Programme
from workshop.validation import ID_MAX


def _programme(programme_id: str | None) -> Programme:
    if programme_id is None:
        programme = plan.current_programme(db.session)
        if programme is None:
            raise click.ClickException("Aucun programme : créez-en un (ou lancez seed-demo).")
        return programme
    if not re.fullmatch(r"[0-9]{1,10}", programme_id) or not 1 <= int(programme_id) <= ID_MAX:
        raise click.ClickException(f"Identifiant de programme invalide : {programme_id[:40]} (attendu : un nombre).")
    programme = db.session.get(Programme, int(programme_id))
    if programme is None:
        raise click.ClickException(f"Aucun programme n° {programme_id}.")
    return programme


def register(app: Flask) -> None:
    @app.cli.command("export-programme")
    @click.argument("programme_id", required=False)
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    @click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
    def export_programme(programme_id: str | None, output_path: str, lang: str) -> None:
        """Write a programme's bilan (plan against what was done) as PDF; without an id, the current one."""
        output = output_file(output_path)
        programme = _programme(programme_id)
        with app.test_request_context(f"/?lang={lang}"):
            document = bilan.bilan_document(db.session, programme, with_budget=True)
        pages = write_pdf(document, output)
        click.echo(f"Bilan de « {programme.title} » : {pages} page(s) -> {output}")
