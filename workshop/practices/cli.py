"""CLI: export-practices, import-practices, reindex-practices."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.practices import exchange, index
from workshop.practices.models import Practice
from workshop.practices.sheets import sync_derived


def register(app: Flask) -> None:
    @app.cli.command("export-practices")
    @click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option("--all", "everything", is_flag=True, help="Toutes les fiches, pas seulement les publiées.")
    def export_practices(output: Path, everything: bool) -> None:
        """Write practice sheets (with provenance and versions) to a JSON file."""
        viewer = db.session.scalar(select(User).where(User.role == "admin").limit(1)) if everything else None
        data = exchange.export_practices(db.session, viewer)
        try:
            output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"Écriture impossible : {error}") from None
        click.echo(f"{len(data['practices'])} fiche(s) exportée(s) dans {output}")

    @app.cli.command("import-practices")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "admin_email", required=True, help="E-mail du compte coordinateur qui importe.")
    @click.option("--dry-run", is_flag=True, help="Vérifier sans rien enregistrer.")
    def import_practices(file: Path, admin_email: str, dry_run: bool) -> None:
        """Import practice sheets from a JSON export; prints one line per item and never duplicates."""
        user = accounts.get_by_email(db.session, admin_email)
        if user is None or not user.is_admin:
            raise click.ClickException(f"{admin_email} n'est pas un compte coordinateur (admin).")
        try:
            reports = exchange.import_practices(db.session, user, exchange.load(file.read_bytes()), dry_run=dry_run)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for r in reports:
            line = f"#{r.index} {r.outcome} {r.uuid or '-'} {r.title or ''}"
            if r.reason:
                line += f" — {r.reason}"
            for warning in r.warnings:
                line += f" [{warning}]"
            click.echo(line)
        counts = {o: sum(r.outcome == o for r in reports) for o in ("created", "skipped", "rejected")}
        click.echo(f"créées : {counts['created']}, déjà présentes : {counts['skipped']}, "
                   f"rejetées : {counts['rejected']}" + (" (essai à blanc : rien n'a été enregistré)" if dry_run
                                                        else ""))

    @app.cli.command("reindex-practices")
    def reindex_practices() -> None:
        """Create the full-text index if missing and rebuild it from the sheets."""
        with db.engine.begin() as connection:
            index.ensure_schema(connection)
        count = 0
        for practice in db.session.scalars(select(Practice)):
            sync_derived(db.session, practice)
            count += 1
        db.session.commit()
        click.echo(f"{count} fiche(s) réindexée(s)")
