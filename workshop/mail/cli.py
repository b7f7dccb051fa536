"""CLI: invite-user (the contract), and send-digests for a manual run."""

from __future__ import annotations

import click
from flask import Flask

from workshop.accounts.models import ROLES
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.i18n import STAFF_LANGUAGES
from workshop.mail import invitations
from workshop.notifications.service import send_digests


def register(app: Flask) -> None:
    @app.cli.command("invite-user")
    @click.argument("email")
    @click.option("--name", required=True, help="Nom affiché.")
    @click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
    @click.option("--language", type=click.Choice(STAFF_LANGUAGES), default="fr", show_default=True,
                  help="Langue de l'e-mail.")
    def invite_user(email: str, name: str, role: str, language: str) -> None:
        """Invite a person by e-mail: the message holds a link where they set their password."""
        try:
            invitation = invitations.invite(db.session, None, email, name, role, language=language)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"Invitation envoyée à {invitation.email} ({invitation.role}), id {invitation.id}, "
                   f"lien valable jusqu'au {invitation.expires_at:%Y-%m-%d %H:%M} UTC")

    @app.cli.command("send-digests")
    def send_digests_command() -> None:
        """Send now the daily digests of waiting notifications."""
        sent = send_digests(db.session)
        db.session.commit()
        click.echo(f"Résumés envoyés : {sent}")
