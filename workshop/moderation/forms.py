"""Moderation forms (CSRF-protected); reasons and lengths are checked again by the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from workshop.moderation.service import DETAILS_MAX, REASONS


class ReportForm(FlaskForm):
    reason = SelectField(_l("Raison"), choices=[("", _l("Choisir…")), *REASONS.items()], validate_choice=False)
    details = TextAreaField(_l("Précisions (facultatif)"), validators=[Length(max=DETAILS_MAX)])


class DecisionForm(FlaskForm):
    action = SelectField(choices=[("hide", ""), ("edited", ""), ("dismiss", "")], validate_choice=False)
