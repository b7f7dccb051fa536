"""CLI: export-toolkit and export-report (DESIGN.md §4), rendered in this process through the PDF cache."""

from __future__ import annotations

import re

import click
from flask import Flask

from workshop.boards.models import Workshop
from workshop.cli_params import output_file, write_pdf
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.toolkits import book, report, service
from workshop.validation import ID_MAX, clean_text


def register(app: Flask) -> None:
    @app.cli.command("export-toolkit")
    @click.option("--practices", "spec", required=True, help="all, or practice ids separated by commas (3,8,12).")
    @click.option("--title", default="Boîte à outils", show_default=True)
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    def export_toolkit(spec: str, title: str, output_path: str) -> None:
        """Write a toolkit PDF of the given practices (all = every published practice)."""
        output = output_file(output_path)
        try:
            title = clean_text(title, "title", max_len=service.TITLE_MAX, label="Titre")
            practices = service.practices_for_export(db.session, spec)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        with app.test_request_context():
            document = book.adhoc_toolkit_document(db.session, practices, title)
        pages = write_pdf(document, output)
        click.echo(f"Boîte à outils « {title} » : {len(practices)} fiche(s), {pages} pages -> {output}")

    @app.cli.command("export-report")
    @click.argument("workshop_id")
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    def export_report(workshop_id: str, output_path: str) -> None:
        """Write the report (compte rendu) of a workshop as PDF."""
        if not re.fullmatch(r"[0-9]{1,10}", workshop_id) or not 1 <= int(workshop_id) <= ID_MAX:
            raise click.ClickException(f"Identifiant d'atelier invalide : {workshop_id} (attendu : un nombre).")
        output = output_file(output_path)
        workshop = db.session.get(Workshop, int(workshop_id))
        if workshop is None:
            raise click.ClickException(f"Aucun atelier n° {workshop_id}.")
        with app.test_request_context():
            document = report.report_document(db.session, workshop)
        pages = write_pdf(document, output)
        click.echo(f"Compte rendu de « {workshop.title} » : {pages} page(s) -> {output}")
