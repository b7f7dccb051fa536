"""Login, logout and the coordinators' account administration."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workshop import ratelimit
from workshop.accounts import service
from workshop.accounts.forms import LoginForm, UserForm
from workshop.addresses import request_key
from workshop.errors import DomainError, Forbidden, RateLimited
from workshop.extensions import db
from workshop.forms import attach_error

T = TypeVar("T")
bp = Blueprint("accounts", __name__)
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, spaces and backslashes


def admin_required(view):
    """Let only coordinators through; others get the French 403 page."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def readable(load: Callable[[], T]) -> T:
    """What `load` finds if this visitor may read it. Refused (a draft sheet, an unpublished toolkit): an anonymous
    visitor is sent to the login page and brought back (it may be theirs, or their network's, once logged in);
    someone logged in gets the Forbidden. Every page and download of a sheet or a toolkit goes through here."""
    try:
        return load()
    except Forbidden:
        if not current_user.is_authenticated:
            abort(Response(status=302, headers={"Location": url_for("accounts.login", next=request.path)}))
        raise


def _safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after login, else None. Browsers drop tabs and newlines from a URL and read a
    backslash as a slash, so `/%09/evil.example` or `/%5Cevil` would leave the site: either, a scheme or a host
    refuses the target."""
    if not target or not target.startswith("/") or _UNSAFE_IN_NEXT.search(target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or target.startswith("//") else target


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Log in with email and password; failures slow down the next attempts, a right password always passes."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = checked_login(form.email.data, form.password.data)
        except RateLimited as error:
            attach_error(form, error)
            status = error.status
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Bienvenue, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("boards.dashboard"))
    return render_template("accounts/login.html", form=form), status


def checked_login(email: str, password: str):
    """One password check at a time per account; the attempt is counted before the check (so concurrent
    attempts across processes get growing delays too) and waits for the failures before it. Every page that
    checks a password (login, the account page's current password) goes through here."""
    account, address = service.normalise_email(email), request_key()
    with ratelimit.one_at_a_time("login", account):
        account_over = ratelimit.count("LOGIN_FAILURE_RATE", "account", account)  # this attempt included
        over = max(account_over - 1, ratelimit.counted("LOGIN_FAILURE_RATE", "address", address))
        ratelimit.pause(ratelimit.delay_for(over))
        try:
            user = service.authenticate(db.session, email, password)
        except DomainError:
            ratelimit.count("LOGIN_FAILURE_RATE", "address", address)
            raise
        ratelimit.forget("LOGIN_FAILURE_RATE", "account", account)
        return user


@bp.post("/deconnexion")
@login_required
def logout():
    """Log out everywhere: end the account's sessions server-side and clear the browser's board tokens."""
    service.end_sessions(db.session, current_user)
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    response = redirect(url_for("boards.home"))
    # Board tokens live in localStorage: a shared computer must not hand the next person this seat.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/admin/comptes", methods=["GET", "POST"])
@admin_required
def users():
    """List accounts and create one."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(db.session, form.email.data, form.name.data, form.role.data,
                                       form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Compte créé pour %(name)s.", name=user.name), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/users.html", form=form, users=service.list_users(db.session))


@bp.post("/admin/comptes/<int:user_id>/<any(activer, desactiver):action>")
@admin_required
def set_active(user_id: int, action: str):
    """Enable or disable an account."""
    user = service.set_active(db.session, current_user, user_id, action == "activer")
    db.session.commit()
    message = _("Compte de %(n)s réactivé.", n=user.name) if user.active else _("Compte de %(n)s désactivé.",
                                                                                  n=user.name)
    flash(message, "success")
    return redirect(url_for("accounts.users"))
