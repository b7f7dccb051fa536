"""Reporting pages ("Signaler") and the moderation queue of coordinators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop import ratelimit
from workshop.addresses import request_key
from workshop.errors import RateLimited, ValidationError
from workshop.extensions import db
from workshop.moderation import service
from workshop.moderation.commands import hide_on_board
from workshop.moderation.forms import DecisionForm, ReportForm

bp = Blueprint("moderation", __name__)


@bp.post("/signaler/<any(practice, structure, link):kind>/<int:target_id>")
def report(kind: str, target_id: int):
    """Report a sheet, a structure or a link, with a reason."""
    form = ReportForm()
    if not form.validate_on_submit():
        raise ValidationError(_("Le signalement n'a pas pu être lu : rechargez la page et recommencez."))
    keys = {"address": request_key(),
            "user": current_user.id if current_user.is_authenticated else None}
    if not ratelimit.hit_all("REPORT_RATE", keys):
        raise RateLimited(_("Trop de signalements d'un coup : patientez une minute."))
    service.report(db.session, kind, target_id, {"reason": form.reason.data, "details": form.details.data},
                   user=current_user)
    db.session.commit()
    message = _("Merci : votre signalement a été transmis à la coordination.")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, message=message)
    flash(message, "success")
    return redirect(_back(kind, target_id))


def _back(kind: str, target_id: int) -> str:
    endpoint, args = service.target_url_args(service.Report(target_kind=kind, target_id=target_id))
    return url_for(endpoint, **args)


@bp.get("/moderation")
@login_required
def queue():
    """List the open reports this person may decide on, and the last decisions."""
    return render_template("moderation/queue.html", reports=service.queue(db.session, current_user),
                           decided=service.decisions(db.session, current_user),
                           reasons=service.REASONS, targets=service.TARGET_LABELS, form=DecisionForm(),
                           url_of=service.target_url_args)


@bp.post("/moderation/<int:report_id>")
@login_required
def decide(report_id: int):
    """Hide the reported item, mark it edited, or dismiss the report."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    item = service.get_report(db.session, current_user, report_id)
    action = form.action.data
    if action == "hide" and item.target_kind == "card" and item.status == "open":
        hide_on_board(db.session, item)
    service.decide(db.session, current_user, report_id, action)
    db.session.commit()
    flash({"hide": _("Contenu masqué."), "edited": _("Signalement marqué comme corrigé."),
           "dismiss": _("Signalement écarté.")}[action], "success")
    return redirect(url_for("moderation.queue"))
