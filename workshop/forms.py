"""Helpers shared by forms of every domain."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, request
from flask_wtf import FlaskForm

from workshop.errors import DomainError
from workshop.extensions import db


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a rule's refusal next to the field it concerns, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def submit(form: FlaskForm, action: Callable[[], object], success: str) -> int | None:
    """Run a page form's service action once the form passes (CSRF): commit and flash `success`, returning None
    (the caller redirects); else roll back, show the refusal on the form and return the page's status."""
    if not form.validate_on_submit():
        return 400 if request.method == "POST" else 200
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return error.status
    db.session.commit()
    flash(success, "success")
    return None
