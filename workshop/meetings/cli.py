"""CLI: create-meeting and export-restitution (DESIGN.md §4)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask import Flask, url_for

from workshop.accounts import service as accounts
from workshop.cli_params import BoundedInt, record_id
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.meetings import restitution, service
from workshop.meetings.models import Meeting
from workshop.printing.output import output_file, write_pdf


def _starts(value: str) -> datetime:
    try:
        return service.local_time(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise click.BadParameter(f"date et heure ISO attendues (2026-03-14T09:30), pas « {value} ».") from None


def register(app: Flask) -> None:
    @app.cli.command("create-meeting")
    @click.option("--title", required=True)
    @click.option("--organiser", "organiser_email", required=True, help="E-mail of an existing account.")
    @click.option("--starts", required=True, help="ISO date and time, e.g. 2026-03-14T09:30.")
    @click.option("--workshops", "count", type=BoundedInt(1, service.PARALLEL_MAX), required=True,
                  help="Number of parallel workshops.")
    @click.option("--capacity", type=BoundedInt(1, service.CAPACITY_MAX), default=None)
    @click.option("--json", "as_json", is_flag=True, help="Print the meeting and its workshops as JSON.")
    def create_meeting(title: str, organiser_email: str, starts: str, count: int, capacity: int | None,
                       as_json: bool) -> None:
        """Create a public meeting, open for registration, with N parallel workshops ready for cards."""
        organiser = accounts.get_by_email(db.session, organiser_email)
        if organiser is None:
            raise click.ClickException(f"Aucun compte pour {organiser_email} : créez-le avec create-user.")
        try:
            meeting = service.create_meeting(db.session, organiser, {
                "title": title, "starts_at": _starts(starts), "capacity": capacity, "public": True})
            workshops = service.create_workshops(db.session, organiser, meeting, count)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        with app.test_request_context():
            data = {"id": meeting.id, "code": meeting.code, "url": url_for("meetings.show", meeting_id=meeting.id),
                    "workshops": [{"id": w.id, "code": w.code, "url": url_for("boards.board", code=w.code)}
                                  for w in workshops]}
        if as_json:
            click.echo(json.dumps(data))
        else:
            click.echo(f"Rencontre {meeting.id} « {meeting.title} » : code {meeting.code}, {data['url']}")
            for w in data["workshops"]:
                click.echo(f"  atelier {w['id']} : code {w['code']}, {w['url']}")

    @app.cli.command("export-restitution")
    @click.argument("meeting_id")
    @click.option("--output", "output_path", required=True, help="The PDF file to write.")
    def export_restitution(meeting_id: str, output_path: str) -> None:
        """Write the restitution of a meeting as PDF."""
        number = record_id(meeting_id, "de rencontre")
        output = output_file(output_path)
        meeting = db.session.get(Meeting, number)
        if meeting is None:
            raise click.ClickException(f"Aucune rencontre n° {meeting_id}.")
        with app.test_request_context():
            document = restitution.restitution_document(db.session, meeting)
        pages = write_pdf(document, output)
        click.echo(f"Restitution de « {meeting.title} » : {pages} page(s) -> {output}")
