"""CLI: privacy-export, privacy-erase, purge-personal-data."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from workshop.boards.service import now
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.privacy import exports, people
from workshop.privacy.commands import erase_live
from workshop.privacy.retention import purge_expired
from workshop.validation import ID_MAX

ID = click.IntRange(1, ID_MAX)


def _who(workshop_id: int | None, participant_id: int | None, email: str | None) -> None:
    """Exactly one person or workshop: --account, or --workshop (with --participant for one seat)."""
    if (workshop_id is None) == (email is None):
        raise click.UsageError("Indiquez soit --workshop ID (avec --participant ID pour une personne), "
                               "soit --account EMAIL.")
    if participant_id is not None and workshop_id is None:
        raise click.UsageError("--participant va avec --workshop.")


def register(app: Flask) -> None:
    @app.cli.command("privacy-export")
    @click.option("--workshop", "workshop_id", type=ID, help="Atelier (id).")
    @click.option("--participant", "participant_id", type=ID, help="Participant·e de cet atelier (id).")
    @click.option("--account", "email", help="E-mail d'un compte.")
    @click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Fichier JSON (sinon la sortie standard).")
    def privacy_export(workshop_id: int | None, participant_id: int | None, email: str | None,
                       output: Path | None) -> None:
        """Export a participant's, a workshop's or an account's personal data as JSON."""
        _who(workshop_id, participant_id, email)
        try:
            if email is not None:
                data = exports.export_account(db.session, people.account_by_email(db.session, email))
            else:
                workshop = people.workshop_of(db.session, workshop_id)
                data = (exports.export_workshop(db.session, workshop) if participant_id is None else
                        exports.export_participant(db.session, people.seat_of(db.session, workshop, participant_id)))
        except DomainError as error:
            raise click.ClickException(error.message) from None
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output is None:
            click.echo(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            click.echo(f"Données exportées dans {output}")

    @app.cli.command("privacy-erase")
    @click.option("--workshop", "workshop_id", type=ID, help="Atelier (id) : tout l'atelier, ou --participant.")
    @click.option("--participant", "participant_id", type=ID, help="Participant·e de cet atelier (id).")
    @click.option("--account", "email", help="E-mail d'un compte (dé-identifié, ses contributions restent).")
    @click.option("--yes", is_flag=True, help="Confirmer l'effacement (irréversible).")
    def privacy_erase(workshop_id: int | None, participant_id: int | None, email: str | None, yes: bool) -> None:
        """Erase a participant's, a workshop's or an account's personal data (irreversible)."""
        _who(workshop_id, participant_id, email)
        if not yes:
            raise click.UsageError("L'effacement est irréversible : ajoutez --yes pour confirmer.")
        try:
            if email is not None:
                done = people.erase_account(db.session, people.account_by_email(db.session, email))
                db.session.commit()
                click.echo(f"Compte {done['account']} effacé ; {done['seats']} place(s) d'atelier dé-identifiée(s).")
                return
            workshop = people.workshop_of(db.session, workshop_id)
            ids = None if participant_id is None else [people.seat_of(db.session, workshop, participant_id).id]
            counts = erase_live(db.session, workshop.id, ids)  # the kernel commits and tells open screens
        except DomainError as error:
            raise click.ClickException(error.message) from None
        click.echo(_report(counts))

    @app.cli.command("purge-personal-data")
    @click.option("--dry-run", is_flag=True, help="Compter sans rien effacer.")
    @click.option("--months", type=click.IntRange(1, 1200), default=None,
                  help="Durée de conservation en mois (par défaut RETENTION_MONTHS).")
    def purge_personal_data(dry_run: bool, months: int | None) -> None:
        """Erase names and card texts of workshops closed more than RETENTION_MONTHS ago."""
        counts = purge_expired(db.session, now(), months=months, dry_run=dry_run)
        if not dry_run:
            db.session.commit()
        prefix = "À effacer" if dry_run else "Effacé"
        click.echo(f"{prefix} : {counts['workshops']} atelier(s), " + _report(counts))


def _report(counts: dict) -> str:
    return (f"{counts['cards']} post-it, {counts['replies']} réponse(s), {counts['participants']} nom(s), "
            f"{counts['events']} événement(s) du journal réécrits"
            + (f", {counts['registrations']} inscription(s) à des rencontres" if "registrations" in counts else "")
            + (f", {counts['time_entries']} nom(s) sur des saisies de temps." if "time_entries" in counts else "."))
