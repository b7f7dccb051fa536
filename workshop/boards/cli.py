"""CLI: create-workshop."""

from __future__ import annotations

import json

import click
from flask import Flask, url_for

from workshop.accounts import service as accounts
from workshop.boards import service
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.formats.builtin import DEFAULT_FORMAT, FORMATS


def register(app: Flask) -> None:
    @app.cli.command("create-workshop")
    @click.option("--title", required=True)
    @click.option("--facilitator", "facilitator_email", required=True, help="E-mail of an existing account.")
    @click.option("--template", "format_key", type=click.Choice(list(FORMATS)), default=DEFAULT_FORMAT,
                  show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print {id, code, url} as JSON.")
    def create_workshop(title: str, facilitator_email: str, format_key: str, as_json: bool) -> None:
        """Create an open workshop and print its join code."""
        user = accounts.get_by_email(db.session, facilitator_email)
        if user is None:
            raise click.ClickException(f"Aucun compte pour {facilitator_email} : créez-le avec create-user.")
        try:
            workshop = service.create_workshop(db.session, user, title, format_key=format_key)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        with app.test_request_context():
            url = url_for("boards.board", code=workshop.code)
        if as_json:
            click.echo(json.dumps({"id": workshop.id, "code": workshop.code, "url": url}))
        else:
            click.echo(f"Atelier {workshop.id} « {workshop.title} » : code {workshop.code}, {url}")
