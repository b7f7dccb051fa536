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
from flask_wtf import FlaskForm

from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error, submit
from workshop.networks import service as networks
from workshop.printing.views import pdf_response
from workshop.programme import bilan, plan
from workshop.programme.forms import (
    BudgetLineForm,
    CoordinatorForm,
    ProgrammeForm,
    TimeEntryForm,
    TimePlanForm,
    with_choices,
)
from workshop.programme.indicators import overview
from workshop.programme.models import Programme
from workshop.programme.parsing import format_decimal, format_euros
from workshop.programme.vocabulary import BUDGET_CATEGORIES

bp = Blueprint("programme", __name__)
ENTRIES_SHOWN = 30


def _forms(network_choices: list[tuple[str, str]]) -> dict[str, FlaskForm]:
    """The page's three forms, by the prefix of their fields (one page, three forms)."""
    forms = {"time": TimeEntryForm(prefix="time"), "plan": TimePlanForm(prefix="plan"),
             "budget": BudgetLineForm(prefix="budget")}
    for prefix in ("time", "plan"):
        with_choices(forms[prefix].network, network_choices)
    with_choices(forms["budget"].network, [("", _("Commun aux réseaux")), *network_choices])
    if not forms["time"].worked_on.data:
        forms["time"].worked_on.data = date.today().isoformat()
    return forms


def _network_choices() -> list[tuple[str, str]]:
    return [(str(n.id), n.short_name) for n in networks.list_networks(db.session)]


def _page(programme: Programme, status: int = 200, forms: dict | None = None, error: DomainError | None = None):
    coordinator = plan.can_coordinate(current_user, programme)
    forms = forms or _forms(_network_choices())
    lang = str(get_locale())
    return render_template("programme/show.html", view=overview(db.session, programme, with_budget=coordinator),
                           coordinator=coordinator, error=error, categories=BUDGET_CATEGORIES,
                           entries=plan.recent_time_entries(db.session, current_user, programme, ENTRIES_SHOWN),
                           can_record=plan.can_record_time(db.session, current_user, programme),
                           fmt=lambda value: format_decimal(value, lang),
                           eur=lambda value: format_euros(value, lang),
                           **{f"{prefix}_form": form for prefix, form in forms.items()}), status


@bp.get("/programmes")
def index():
    """List the programmes, the current one first."""
    current = plan.current_programme(db.session)
    return render_template("programme/index.html", programmes=plan.list_programmes(db.session), current=current,
                           form=ProgrammeForm() if plan.can_create(current_user) else None)


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
    return _edit_page(programme, form, CoordinatorForm(prefix="coordinator", formdata=None), status)


def _edit_page(programme: Programme, form: ProgrammeForm, coordinator_form: CoordinatorForm, status: int):
    return render_template("programme/edit.html", form=form, coordinator_form=coordinator_form,
                           programme=programme), status


def _coordinators(programme_id: int, action, success: str):
    """Add or remove a coordinator from the edit page; a refusal re-shows that page with the reason."""
    programme = plan.get_programme(db.session, programme_id)
    plan.require_coordinator(current_user, programme)  # the edit page lists the coordinators' e-mails
    form = CoordinatorForm(prefix="coordinator")
    status = submit(form, lambda: action(programme, form.email.data), success)
    if status is None:
        still = plan.can_coordinate(current_user, programme)  # who took themselves off may no longer edit
        return redirect(url_for("programme.edit", programme_id=programme.id, _anchor="coordinateurs") if still
                        else url_for("programme.show", programme_id=programme.id))
    programme_form = ProgrammeForm(obj=programme, formdata=None)
    programme_form.cities.data = ", ".join(programme.cities)
    return _edit_page(programme, programme_form, form, status)


@bp.post("/programmes/<int:programme_id>/coordinateurs")
@login_required
def add_coordinator(programme_id: int):
    """Name a coordinator of the programme by the e-mail of their account (its coordinators)."""
    return _coordinators(programme_id, lambda p, email: plan.add_coordinator(db.session, current_user, p, email),
                         _("Coordinateur·rice ajouté·e."))


@bp.post("/programmes/<int:programme_id>/coordinateurs/<int:user_id>/retirer")
@login_required
def remove_coordinator(programme_id: int, user_id: int):
    """Take a coordinator off the programme (its coordinators); one always remains."""
    return _coordinators(programme_id, lambda p, _email: plan.remove_coordinator(db.session, current_user, p, user_id),
                         _("Coordinateur·rice retiré·e."))


def _post(programme_id: int, prefix: str, action, success: str, anchor: str):
    """Run one of the page's forms (found by its prefix) through its rule; a refusal re-shows the page with the
    message beside the form, or answers JSON to a script."""
    programme = plan.get_programme(db.session, programme_id)
    forms = _forms(_network_choices())
    if not forms[prefix].validate_on_submit():
        abort(400)
    fields = {key.removeprefix(prefix + "-"): value for key, value in request.form.items()
              if key.startswith(prefix + "-")}
    try:
        action(db.session, current_user, programme, fields)
    except DomainError as error:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(ok=False, error=error.to_dict()), error.status
        attach_error(forms[prefix], error)
        return _page(programme, error.status, forms, error)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True)
    flash(success, "success")
    return redirect(url_for("programme.show", programme_id=programme.id, _anchor=anchor))


@bp.post("/programmes/<int:programme_id>/temps")
@login_required
def record_time(programme_id: int):
    """Record hours worked for a network."""
    return _post(programme_id, "time", plan.record_time, _("Temps enregistré."), "temps")


@bp.post("/programmes/<int:programme_id>/plan")
@login_required
def set_plan(programme_id: int):
    """Plan the hours of a network for a kind of work (coordinators)."""
    return _post(programme_id, "plan", plan.set_time_plan, _("Temps prévu enregistré."), "temps")


@bp.post("/programmes/<int:programme_id>/budget")
@login_required
def add_budget_line(programme_id: int):
    """Add a budget line (coordinators)."""
    return _post(programme_id, "budget", plan.save_budget_line, _("Ligne budgétaire ajoutée."), "budget")


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
