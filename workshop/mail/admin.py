"""Coordinators' pages: invitations (invite, resend, revoke) and the messages that could not be delivered."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from workshop.accounts.forms import ROLE_CHOICES
from workshop.accounts.views import admin_required
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.mail import invitations, outbox
from workshop.mail.forms import InviteForm
from workshop.mail.tokens import now
from workshop.mapping.structures import structure_choices
from workshop.networks.service import list_networks

bp = Blueprint("admin", __name__)


def _choices(form: InviteForm) -> None:
    form.network.choices = [SelectChoice(0, _("— aucun —")),
                            *(SelectChoice(n.id, n.name) for n in list_networks(db.session))]
    form.structure.choices = [SelectChoice(0, _("— aucune —")),
                              *(SelectChoice(i, label) for i, label in structure_choices(db.session))]


@bp.route("/admin/invitations", methods=["GET", "POST"])
@admin_required
def invitations_page():
    """Invite a person by e-mail; list invitations with their state."""
    form = InviteForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            invitation = invitations.invite(
                db.session, current_user, form.email.data, form.name.data, form.role.data,
                language=form.language.data, network_id=form.network.data or None,
                structure_id=form.structure.data or None)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=invitation.email), "success")
            return redirect(url_for("mail.admin.invitations_page"))
    status = 400 if request.method == "POST" else 200
    return render_template("mail/invitations.html", form=form, now=now(),
                           roles={choice.value: choice.label for choice in ROLE_CHOICES},
                           invitations=invitations.list_invitations(db.session)), status


@bp.post("/admin/invitations/<int:invitation_id>/<any(renvoyer, revoquer):action>")
@admin_required
def invitation_action(invitation_id: int, action: str):
    """Resend (a new link) or revoke an invitation."""
    try:
        if action == "renvoyer":
            invitation = invitations.resend(db.session, current_user, invitation_id)
            message = _("Nouveau lien envoyé à %(email)s.", email=invitation.email)
        else:
            invitation = invitations.revoke(db.session, current_user, invitation_id)
            message = _("Invitation de %(email)s révoquée : son lien ne fonctionne plus.", email=invitation.email)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("mail.admin.invitations_page"))


@bp.get("/admin/courriels")
@admin_required
def messages():
    """Messages the mail server refused for good (or after every retry), then the latest ones."""
    return render_template("mail/messages.html", failed=outbox.failed_messages(db.session),
                           recent=outbox.recent_messages(db.session))
