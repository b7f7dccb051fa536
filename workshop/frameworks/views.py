"""The admins' page of the frameworks list (kept at its first address, under the repository's)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.accounts.views import admin_required
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.frameworks import service
from workshop.frameworks.forms import FrameworkForm

bp = Blueprint("frameworks", __name__)


@bp.route("/fiches/dispositifs", methods=["GET", "POST"])
@admin_required
def edit():
    """Edit the controlled list of frameworks (dispositifs)."""
    form = FrameworkForm()
    if form.validate_on_submit():
        try:
            service.save_framework(db.session, current_user, form.key.data, form.label.data,
                                   active=request.form.get("active", "1") == "1")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Liste des dispositifs mise à jour."), "success")
            return redirect(url_for("frameworks.edit"))
    return render_template("frameworks/edit.html", form=form, frameworks=service.list_frameworks(db.session))
