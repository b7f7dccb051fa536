"""Moderation forms (CSRF-protected); the reason and the action are checked against their lists by the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class ReportForm(FlaskForm):
    reason = StringField()
    details = TextAreaField()


class DecisionForm(FlaskForm):
    action = StringField()
