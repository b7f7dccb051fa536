"""Pages of trials: record one on a published sheet, moderate them, the map layer and the sheet's JSON.

Each page that changes something commits once, after the service has flushed.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.notifications import hooks
from workshop.trials import public, service
from workshop.trials.forms import DecisionForm, TrialForm
from workshop.trials.vocabulary import RECOMMEND_LABELS

bp = Blueprint("trials", __name__)
FIELDS = ("structure_id", "structure_name", "tried_on", "with_whom", "changes", "adaptations", "recommend")


@bp.route("/fiches/<int:practice_id>/essais/nouveau", methods=["GET", "POST"])
@login_required
def record(practice_id: int):
    """"Nous l'avons essayée": where, when, with whom, what changed, what was adapted, would you recommend it."""
    practice = service.published_practice(db.session, practice_id)
    form = TrialForm()
    form.tried_on.render_kw = {**form.tried_on.render_kw, "max": date.today().isoformat()}
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                trial = service.record(db.session, current_user, practice_id,
                                       {name: getattr(form, name).data for name in FIELDS})
                hooks.trial_submitted(db.session, current_user, trial)
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
                status = error.status
            else:
                db.session.commit()
                flash(_("Merci ! Votre essai sera visible de tous dès qu'un·e coordinateur·rice l'aura validé."),
                      "success")
                return redirect(url_for("practices.show", practice_id=practice_id) + "#essais")
    return render_template("trials/record.html", practice=practice, form=form), status


def _back(default: str):
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else default)


@bp.post("/essais/<int:trial_id>/<any(valider, refuser):action>")
@login_required
def decide(trial_id: int, action: str):
    """A coordinator of the structure's network (or an admin) approves or refuses a trial, saying why."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    trial = service.decide(db.session, current_user, trial_id, action == "valider", form.reason.data)
    hooks.trial_decided(db.session, current_user, trial)
    db.session.commit()
    flash(_("Essai validé : il est maintenant visible et compté.") if trial.status == "approved"
          else _("Essai refusé : l'auteur·rice verra votre raison."), "success")
    return _back(url_for("trials.pending"))


@bp.post("/essais/<int:trial_id>/retirer")
@login_required
def withdraw(trial_id: int):
    """The author (or a coordinator) removes a trial."""
    if not DecisionForm().validate_on_submit():
        abort(400)
    practice_id = service.withdraw(db.session, current_user, trial_id)
    db.session.commit()
    flash(_("Essai retiré."), "success")
    return redirect(url_for("practices.show", practice_id=practice_id) + "#essais")


@bp.get("/essais/a-valider")
@login_required
def pending():
    """The trials waiting for this coordinator's decision."""
    return render_template("trials/pending.html", trials=service.pending_for(db.session, current_user),
                           form=DecisionForm(), recommend_labels=RECOMMEND_LABELS)


@bp.get("/api/fiches/<int:practice_id>/essais")
def api_practice(practice_id: int):
    """A published sheet's approved trials: counts and the latest quotes."""
    service.published_practice(db.session, practice_id)
    structures, cities = public.counts(db.session, [practice_id]).get(practice_id, (0, 0))
    return jsonify(ok=True, structures=structures, cities=cities, trials=[
        {**q, "tried_on": q["tried_on"].isoformat()} for q in public.quotes(db.session, practice_id)])


@bp.get("/api/carte/essais.geojson")
def api_map():
    """The map layer "Pratiques essayées": structures where approved trials of published sheets happened."""
    response = jsonify(public.map_geojson(db.session))
    response.mimetype = "application/geo+json"
    return response
