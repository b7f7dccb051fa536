"""Pages reached from an e-mail (invitation, password reset) and the "forgotten password" form; the account
page and the coordinators' pages are blueprints of their own, nested here (mail.account.*, mail.admin.*)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from workshop import ratelimit
from workshop.accounts.service import normalise_email
from workshop.addresses import request_key
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.jobs.queue import enqueue
from workshop.mail import account, admin, invitations, recovery, tasks
from workshop.mail.forms import ForgotForm, SetPasswordForm
from workshop.mail.tokens import LinkExpired

bp = Blueprint("mail", __name__)
bp.register_blueprint(account.bp)
bp.register_blueprint(admin.bp)


def _expired(error: LinkExpired, purpose: str):
    """A used, revoked or old link: say so, and offer a new one."""
    return render_template("mail/expired.html", message=error.message, purpose=purpose), error.status


def _password_page(check, accept, title: str, welcome, purpose: str):
    """The page a link opens to set a password: `check()` refuses an old link (or returns the invitation it
    shows), `accept(password)` sets it (and
    returns the account, logged in here after the commit), `welcome(user)` is the flash message."""
    try:
        found = check()
    except LinkExpired as error:
        return _expired(error, purpose)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accept(form.password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(welcome(user), "success")
            return redirect(url_for("boards.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("mail/set_password.html", form=form, invitation=found,
                           title=title), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set a password from an invitation link; the account is created and logged in."""
    return _password_page(lambda: invitations.by_token(db.session, token),
                          lambda password: invitations.accept(db.session, token, password),
                          _("Choisissez votre mot de passe"),
                          lambda user: _("Bienvenue, %(name)s : votre compte est prêt.", name=user.name),
                          "invitation")


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link: one answer, in the same time, whether the address has an account or not (a job
    looks it up); limited per address asked for and per client address (beyond, the same answer and no mail: the
    right person can still log in)."""
    form = ForgotForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        if ratelimit.hit("RESET_RATE", "email", email) and \
                ratelimit.hit("RESET_RATE_PER_ADDRESS", "address", request_key()):
            enqueue(tasks.request_reset, email)
        return render_template("mail/forgot_sent.html", email=email)
    status = 400 if request.method == "POST" else 200
    return render_template("mail/forgot.html", form=form), status


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a reset link: other sessions end, this browser is logged in."""
    return _password_page(lambda: recovery.check_reset(db.session, token),
                          lambda password: recovery.reset_password(db.session, token, password),
                          _("Nouveau mot de passe"),
                          lambda _user: _("Mot de passe changé : vos autres sessions sont fermées."), "reset")
