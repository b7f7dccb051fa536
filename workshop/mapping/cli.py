"""CLI: import-structures (the same import service as the admin page)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from workshop.extensions import db
from workshop.mapping.imports.report import make_scope
from workshop.mapping.imports.run import FORMATS, run_import


def register(app: Flask) -> None:
    @app.cli.command("import-structures")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
                  help="annuaire, qpv (liste ANCT), qpv-outlines (GeoJSON) ou structures (modèle CSV).")
    @click.option("--dry-run", is_flag=True, help="Afficher le rapport sans rien écrire.")
    @click.option("--departement", default=None, help="Ne garder qu'un département (ex. 93).")
    @click.option("--cities", default=None, help="Ne garder que ces communes (codes INSEE séparés par des virgules).")
    def import_structures(file: Path, fmt: str, dry_run: bool, departement: str | None, cities: str | None) -> None:
        """Import structures or QPV from an official file or the structures template."""
        try:
            scope = make_scope(departement, cities)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        report = run_import(db.session, file.read_bytes(), fmt, dry_run=dry_run, scope=scope)
        if report.should_commit:
            db.session.commit()
        else:
            db.session.rollback()
        for line in report.lines():
            click.echo(line)
        if not report.ok:
            raise click.ClickException(report.error or "En-tête non reconnu : rien n'a été importé.")
