"""The account page (/compte): name, language, e-mail (confirmed by a link to the new address), password (ends
the other sessions) and notification choices."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from workshop.accounts import service as accounts
from workshop.accounts.views import checked_login
from workshop.errors import DomainError, ValidationError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.mail import recovery
from workshop.mail.forms import EmailChangeForm, NotificationsForm, PasswordChangeForm, ProfileForm
from workshop.notifications import service as notifications

bp = Blueprint("account", __name__)
FORMS = {"profil": ProfileForm, "courriel": EmailChangeForm, "motdepasse": PasswordChangeForm,
         "notifications": NotificationsForm}


def _forms(posted: str | None) -> dict:
    """The page's four forms; only the posted one reads the request."""
    user = current_user
    forms = {key: (cls() if key == posted else cls(formdata=None)) for key, cls in FORMS.items()}
    if posted != "profil":
        forms["profil"].name.data, forms["profil"].language.data = user.name, user.language
    if posted != "notifications":
        forms["notifications"].digest.data = notifications.settings_of(db.session, user.id).digest
    return forms


def _render(forms: dict, status: int = 200):
    setting = notifications.settings_of(db.session, current_user.id)
    kinds = [(key, label, key not in setting.off) for key, label in notifications.KINDS.items()]
    return render_template("mail/account.html", forms=forms, kinds=kinds), status


@bp.get("/compte")
@login_required
def page():
    """Show the account page."""
    return _render(_forms(None))


@bp.post("/compte/<any(profil, courriel, motdepasse, notifications):part>")
@login_required
def save(part: str):
    """Save one part of the account page."""
    forms = _forms(part)
    form = forms[part]
    if not form.validate_on_submit():
        return _render(forms, 400)
    user = current_user._get_current_object()
    try:
        message = _apply(part, form, user)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _render(forms, error.status)
    db.session.commit()
    if part == "motdepasse":
        login_user(user)  # this browser stays logged in under the new session version
    flash(message, "success")
    return redirect(url_for("mail.account.page"))


def _apply(part: str, form, user) -> str:
    if part == "profil":
        accounts.update_profile(db.session, user, form.name.data, form.language.data)
        session["lang"] = user.language
        return _("Profil enregistré.")
    if part == "courriel":
        recovery.request_email_change(db.session, user, form.email.data)
        return _("Un lien de confirmation a été envoyé à %(email)s : votre adresse changera quand vous l'aurez "
                 "suivi.", email=form.email.data.strip().lower())
    if part == "motdepasse":
        try:
            checked_login(user.email, form.current.data)  # slowed after failures, as the login is
        except ValidationError:
            raise ValidationError(_("Mot de passe actuel incorrect."), field="current") from None
        accounts.set_password(db.session, user, form.password.data)
        return _("Mot de passe changé : vos autres sessions sont fermées.")
    wanted = [key for key in notifications.KINDS if request.form.get(f"kind-{key}")]
    notifications.choose(db.session, user, wanted, form.digest.data)
    return _("Choix de notifications enregistrés.")


@bp.get("/compte/courriel/<token>")
def confirm_email(token: str):
    """Follow the link sent to a new address: the account takes it."""
    try:
        user = recovery.confirm_email(db.session, token)
    except DomainError as error:  # an old link, or the address taken meanwhile
        db.session.rollback()
        return render_template("mail/expired.html", message=error.message, purpose="email"), error.status
    db.session.commit()
    flash(_("Adresse e-mail confirmée : %(email)s.", email=user.email), "success")
    return redirect(url_for("mail.account.page") if current_user.is_authenticated else url_for("accounts.login"))
