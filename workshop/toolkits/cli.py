"""CLI: export-toolkit and export-report (DESIGN.md §4), rendered in this process through the PDF cache."""

from __future__ import annotations

import click
from flask import Flask

from workshop.boards.models import Workshop
from workshop.cli_params import record_id
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.printing.output import output_file as _output
from workshop.printing.output import write_pdf as _write
from workshop.toolkits import book, report, service
from workshop.validation import clean_text


def register(app: Flask) -> None:
    @app.cli.command("export-toolkit")
    @click.option("--practices", "spec", required=True, help="all, or practice ids separated by commas (3,8,12).")
    @click.option("--title", default="Boîte à outils", show_default=True)
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    def export_toolkit(spec: str, title: str, output_path: str) -> None:
        """Write a toolkit PDF of the given practices (all = every published practice)."""
        output = _output(output_path)
        try:
            title = clean_text(title, "title", max_len=service.TITLE_MAX, label="Titre")
            practices = service.practices_for_export(db.session, spec)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        with app.test_request_context():
            document = book.adhoc_toolkit_document(db.session, practices, title)
        pages = _write(document, output)
        click.echo(f"Boîte à outils « {title} » : {len(practices)} fiche(s), {pages} pages -> {output}")

    @app.cli.command("export-report")
    @click.argument("workshop_id")
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    def export_report(workshop_id: str, output_path: str) -> None:
        """Write the report (compte rendu) of a workshop as PDF."""
        number = record_id(workshop_id, "d'atelier")
        output = _output(output_path)
        workshop = db.session.get(Workshop, number)
        if workshop is None:
            raise click.ClickException(f"Aucun atelier n° {workshop_id}.")
        with app.test_request_context():
            document = report.report_document(db.session, workshop)
        pages = _write(document, output)
        click.echo(f"Compte rendu de « {workshop.title} » : {pages} page(s) -> {output}")
