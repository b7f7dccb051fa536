"""The unsubscribe page: a signed link (no login) that turns one kind of notification off."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm

from workshop.extensions import db
from workshop.mail.tokens import read_unsubscribe
from workshop.notifications import service

bp = Blueprint("notifications", __name__)


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Confirm, then turn the kind off (a POST: mail scanners that open links change nothing)."""
    found = read_unsubscribe(token)
    if found is None or found[1] not in service.KINDS:
        return render_template("notifications/unsubscribe.html", label=None, done=False), 404
    user_id, kind = found
    form = FlaskForm()
    done = False
    if request.method == "POST" and form.validate_on_submit():
        done = service.turn_off(db.session, user_id, kind)
        db.session.commit()
    return render_template("notifications/unsubscribe.html", label=service.KINDS[kind], done=done, form=form)
