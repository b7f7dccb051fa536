"""The frameworks: the admins' list (kept at its first address, under the repository's) and the public
catalogue at /dispositifs, each framework's page editable by coordinators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workshop.accounts.views import admin_required
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error, submit
from workshop.frameworks import catalogue, service
from workshop.frameworks.forms import CatalogueForm, FrameworkForm

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


@bp.get("/dispositifs")
def index():
    """List the frameworks that open schools to parents and the neighbourhood."""
    lang = str(get_locale())
    items = [{"framework": f, "texts": catalogue.texts(f, lang)}
             for f in service.list_frameworks(db.session, active_only=True)]
    return render_template("frameworks/index.html", items=items)


@bp.get("/dispositifs/<key>")
def show(key: str):
    """Show a framework: what it is for, who runs and funds it, who is eligible, whom to contact, who uses it."""
    framework = catalogue.get_framework(db.session, key)
    return render_template("frameworks/show.html", framework=framework,
                           texts=catalogue.texts(framework, str(get_locale())),
                           usage=catalogue.usage(db.session, framework.key),
                           can_edit=service.can_edit(current_user))


@bp.route("/dispositifs/<key>/modifier", methods=["GET", "POST"])
@admin_required
def edit_entry(key: str):
    """Edit a framework's page in the catalogue (coordinators)."""
    framework = catalogue.get_framework(db.session, key)
    form = CatalogueForm(obj=framework)
    fields = {name: form[name].data or "" for name in form.data if name != "csrf_token"}
    status = submit(form, lambda: catalogue.save_entry(db.session, current_user, key, fields),
                    _("Dispositif mis à jour."))
    if status is None:
        return redirect(url_for("frameworks.show", key=key))
    return render_template("frameworks/entry_edit.html", form=form, framework=framework), status
