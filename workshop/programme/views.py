"""Programme pages: where the programme stands against its plan, time and budget forms, CSV and PDF bilan.

The page is public without the budget; the budget, the plan and the time entries' names are for the programme's
coordinators. Every POST commits once here; a refusal re-shows the page with the French message and its code.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error, submit
from workshop.networks import service as networks
from workshop.printing.views import pdf_response
from workshop.programme import bilan, plan
from workshop.programme.forms import BudgetLineForm, ProgrammeForm, TimeEntryForm, TimePlanForm, with_choices
from workshop.programme.indicators import overview
from workshop.programme.models import Programme, TimeEntry
from workshop.programme.parsing import format_decimal, format_euros
from workshop.programme.vocabulary import BUDGET_CATEGORIES

bp = Blueprint("programme", __name__)
ENTRIES_SHOWN = 30


PREFIXES = {"time_form": "time", "plan_form": "plan", "budget_form": "budget"}  # one page, three forms


def _forms(network_choices: list[tuple[str, str]]) -> dict:
    forms = {"time_form": TimeEntryForm(prefix="time"), "plan_form": TimePlanForm(prefix="plan"),
             "budget_form": BudgetLineForm(prefix="budget")}
    for name in ("time_form", "plan_form"):
        with_choices(forms[name].network, network_choices)
    with_choices(forms["budget_form"].network, [("", _("Commun aux réseaux")), *network_choices])
    if not forms["time_form"].worked_on.data:
        forms["time_form"].worked_on.data = date.today().isoformat()
    return forms


def _page(programme: Programme, status: int = 200, forms: dict | None = None, error: DomainError | None = None):
    coordinator = plan.can_coordinate(current_user, programme)
    choices = [(str(n.id), n.short_name) for n in networks.list_networks(db.session)]
    forms = forms or _forms(choices)
    entries = list(db.session.scalars(select(TimeEntry).where(TimeEntry.programme_id == programme.id)
                                      .order_by(TimeEntry.worked_on.desc(), TimeEntry.id.desc())
                                      .limit(ENTRIES_SHOWN))) if coordinator else []
    lang = str(get_locale())
    return render_template("programme/show.html", view=overview(db.session, programme, with_budget=coordinator),
                           coordinator=coordinator, entries=entries, error=error, categories=BUDGET_CATEGORIES,
                           can_record=plan.can_record_time(db.session, current_user, programme),
                           fmt=lambda value: format_decimal(value, lang),
                           eur=lambda value: format_euros(value, lang), **forms), status


def _refused(programme: Programme, error: DomainError, forms: dict):
    db.session.rollback()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=False, error=error.to_dict()), error.status
    for name, form in forms.items():
        if any(key.startswith(PREFIXES[name] + "-") for key in request.form):
            attach_error(form, error)
    return _page(programme, error.status, forms, error)


@bp.get("/programmes")
def index():
    """List the programmes, the current one first."""
    current = plan.current_programme(db.session)
    return render_template("programme/index.html", programmes=plan.list_programmes(db.session), current=current,
                           form=ProgrammeForm() if current_user.is_authenticated and current_user.is_admin else None)


@bp.post("/programmes")
@login_required
def create():
    """Create a programme (coordinators); its creator coordinates it."""
    form = ProgrammeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        programme = plan.save_programme(db.session, current_user, request.form)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_template("programme/index.html", programmes=plan.list_programmes(db.session),
                               current=plan.current_programme(db.session), form=form, error=error), error.status
    db.session.commit()
    return redirect(url_for("programme.show", programme_id=programme.id))


@bp.get("/programmes/<int:programme_id>")
def show(programme_id: int):
    """Show where the programme stands against its plan: time, meetings, budget (coordinators), indicators."""
    return _page(plan.get_programme(db.session, programme_id))


@bp.route("/programmes/<int:programme_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(programme_id: int):
    """Edit the programme's title, aims, cities, period and planned meetings (its coordinators)."""
    programme = plan.get_programme(db.session, programme_id)
    plan.require_coordinator(current_user, programme)
    form = ProgrammeForm(obj=programme) if request.method == "GET" else ProgrammeForm()
    if request.method == "GET":
        form.cities.data = ", ".join(programme.cities)
    status = submit(form, lambda: plan.save_programme(db.session, current_user, request.form, programme),
                    _("Programme enregistré."))
    if status is None:
        return redirect(url_for("programme.show", programme_id=programme.id))
    return render_template("programme/edit.html", form=form, programme=programme), status


def _post(programme_id: int, action, success: str, anchor: str):
    programme = plan.get_programme(db.session, programme_id)
    choices = [(str(n.id), n.short_name) for n in networks.list_networks(db.session)]
    forms = _forms(choices)
    if not any(f.validate_on_submit() for f in forms.values()):
        abort(400)
    try:
        action(programme)
    except DomainError as error:
        return _refused(programme, error, forms)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True)
    flash(success, "success")
    return redirect(url_for("programme.show", programme_id=programme.id, _anchor=anchor))


def _fields(prefix: str) -> dict:
    return {key.removeprefix(prefix + "-"): value for key, value in request.form.items() if key.startswith(prefix)}


@bp.post("/programmes/<int:programme_id>/temps")
@login_required
def record_time(programme_id: int):
    """Record hours worked for a network."""
    return _post(programme_id, lambda p: plan.record_time(db.session, current_user, p, _fields("time")),
                 _("Temps enregistré."), "temps")


@bp.post("/programmes/<int:programme_id>/plan")
@login_required
def set_plan(programme_id: int):
    """Plan the hours of a network for a kind of work (coordinators)."""
    return _post(programme_id, lambda p: plan.set_time_plan(db.session, current_user, p, _fields("plan")),
                 _("Temps prévu enregistré."), "temps")


@bp.post("/programmes/<int:programme_id>/budget")
@login_required
def add_budget_line(programme_id: int):
    """Add a budget line (coordinators)."""
    return _post(programme_id, lambda p: plan.save_budget_line(db.session, current_user, p, _fields("budget")),
                 _("Ligne budgétaire ajoutée."), "budget")


@bp.post("/programmes/<int:programme_id>/budget/<int:line_id>/supprimer")
@login_required
def delete_budget_line(programme_id: int, line_id: int):
    """Delete a budget line (coordinators)."""
    programme = plan.get_programme(db.session, programme_id)
    form = BudgetLineForm(prefix="budget")
    if not form.validate_on_submit():
        abort(400)
    plan.delete_budget_line(db.session, current_user, programme, line_id)
    db.session.commit()
    flash(_("Ligne budgétaire supprimée."), "success")
    return redirect(url_for("programme.show", programme_id=programme.id, _anchor="budget"))


@bp.get("/programmes/<int:programme_id>/bilan.csv")
def bilan_csv(programme_id: int):
    """Download the programme's figures as CSV (the budget only for its coordinators)."""
    programme = plan.get_programme(db.session, programme_id)
    body = bilan.bilan_csv(db.session, programme, with_budget=plan.can_coordinate(current_user, programme))
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="programme-{programme.id}.csv"'})


@bp.get("/programmes/<int:programme_id>/bilan.pdf")
def bilan_pdf(programme_id: int):
    """Download the bilan PDF (rendered out of the web process; the budget only for its coordinators)."""
    programme = plan.get_programme(db.session, programme_id)
    document = bilan.bilan_document(db.session, programme, with_budget=plan.can_coordinate(current_user, programme))
    return pdf_response(document, url_for("programme.show", programme_id=programme.id))
