"""CLI: create-user."""

from __future__ import annotations

import click
from flask import Flask

from workshop.accounts import service
from workshop.accounts.models import ROLES
from workshop.errors import DomainError
from workshop.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", required=True, help="Nom affiché.")
    @click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
    @click.option("--password", required=True, help="Au moins 8 caractères.")
    def create_user(email: str, name: str, role: str, password: str) -> None:
        """Create an account."""
        try:
            user = service.create_user(db.session, email, name, role, password)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"Compte créé : {user.email} ({user.role}), id {user.id}")
