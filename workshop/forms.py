"""Helpers shared by forms of every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm

from workshop.errors import DomainError


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a rule's refusal next to the field it concerns, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
