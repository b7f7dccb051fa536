"""The frameworks list's form (CSRF-protected); the rules live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class FrameworkForm(FlaskForm):
    key = StringField(_l("Code (lettres minuscules, chiffres, « _ »)"),
                      validators=[DataRequired(), Length(max=40)])
    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=120)])
