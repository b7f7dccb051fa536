"""Exports of a board (CSV, Markdown), downloadable by its facilitator at any moment."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.boards import service as boards
from workshop.errors import DomainError, ValidationError
from workshop.extensions import db
from workshop.facilitation import due, exports, next_steps
from workshop.facilitation.forms import NextStepForm
from workshop.spreadsheet import safe_cell

bp = Blueprint("facilitation", __name__)


def _moderated(workshop_id: int):
    workshop = boards.get_workshop(db.session, workshop_id)
    if not boards.can_moderate(current_user, workshop):
        abort(403)
    return workshop


def _filename(workshop, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", workshop.title.lower()).strip("-")[:40] or "atelier"
    return f"{slug}-{workshop.code}.{ext}"


@bp.get("/ateliers/<int:workshop_id>/export.csv")
@login_required
def export_csv(workshop_id: int):
    """Download the cards, groups, dots and reactions as CSV (opens in a spreadsheet)."""
    workshop = _moderated(workshop_id)
    rows = exports.export_rows(db.session, workshop)
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet software reads UTF-8
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Colonne"), _("Groupe"), _("Fusion"), _("Post-it"), _("Gommettes"), _("Réactions"),
                     _("Auteur·rice"), _("Langue")])
    for row in rows:
        writer.writerow([safe_cell(v) for v in (row["column"], row["group"], "oui" if row["merged"] else "",
                                                        row["text"], row["dots"], row["reactions"], row["author"],
                                                        row["language"])])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(workshop, "csv")}"'})


@bp.get("/ateliers/<int:workshop_id>/export.md")
@login_required
def export_markdown(workshop_id: int):
    """Download the board as Markdown: columns, groups, cards with their dots, and the ranking."""
    workshop = _moderated(workshop_id)
    return Response(exports.markdown(db.session, workshop), mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(workshop, "md")}"'})


@bp.route("/ateliers/<int:workshop_id>/suites", methods=["GET", "POST"])
@login_required
def next_steps_page(workshop_id: int):
    """The facilitator's list of next steps: add one (what, who, by when), tick it off, remove it."""
    workshop = _moderated(workshop_id)
    form = NextStepForm()
    error = None
    if form.validate_on_submit():
        try:
            next_steps.add_step(db.session, workshop, form.text.data, form.owner.data or "", form.due_on.data)
        except DomainError as problem:
            db.session.rollback()
            error = problem.message
        else:
            db.session.commit()
            flash(_("Suite à donner ajoutée."), "success")
            return redirect(url_for("facilitation.next_steps_page", workshop_id=workshop.id))
    failed = request.method == "POST"
    return render_template("facilitation/next_steps.html", workshop=workshop, form=form, error=error,
                           steps=next_steps.list_steps(db.session, workshop)), 400 if failed else 200


@bp.post("/ateliers/<int:workshop_id>/suites/<int:step_id>")
@login_required
def next_step_change(workshop_id: int, step_id: int):
    """One button per action (done, to do again, remove); CSRF is checked by CSRFProtect for every POST."""
    workshop = _moderated(workshop_id)
    action = request.form.get("action", "")
    if action in ("done", "undone"):
        next_steps.set_done(db.session, workshop, step_id, action == "done")
    elif action == "delete":
        next_steps.delete_step(db.session, workshop, step_id)
        flash(_("Suite à donner retirée."), "success")
    else:
        raise ValidationError(_("Action inconnue."), field="action")
    db.session.commit()
    return redirect(url_for("facilitation.next_steps_page", workshop_id=workshop.id))


@bp.get("/suites-a-donner")
@login_required
def due_page():
    """What is due in the next two weeks and what is overdue, per network and per person (the owner typed)."""
    steps = due.due_steps(db.session, current_user, date.today())
    view = request.args.get("par") if request.args.get("par") in ("reseau", "personne") else "reseau"
    groups = (due.by_person(steps, _("Sans responsable")) if view == "personne"
              else due.by_network(steps, _("Sans réseau")))
    return render_template("facilitation/due.html", steps=steps, groups=groups, view=view,
                           overdue=sum(step.overdue for step in steps), days=due.SOON_DAYS)
