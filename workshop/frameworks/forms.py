"""The frameworks list's form (CSRF-protected); the rules live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class FrameworkForm(FlaskForm):
    key = StringField(_l("Code (lettres minuscules, chiffres, « _ »)"),
                      validators=[DataRequired(), Length(max=40)])
    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=120)])


class CatalogueForm(FlaskForm):
    """A framework's page in the catalogue; lengths and links are checked again by the service."""

    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=120)])
    purpose = TextAreaField(_l("À quoi il sert"), validators=[Length(max=4000)])
    purpose_en = TextAreaField(_l("À quoi il sert (anglais)"), validators=[Length(max=4000)])
    operators = TextAreaField(_l("Qui le porte et le finance"), validators=[Length(max=4000)])
    operators_en = TextAreaField(_l("Qui le porte et le finance (anglais)"), validators=[Length(max=4000)])
    eligibility = TextAreaField(_l("Qui peut en bénéficier (QPV, REP...)"), validators=[Length(max=4000)])
    eligibility_en = TextAreaField(_l("Qui peut en bénéficier (anglais)"), validators=[Length(max=4000)])
    contact = TextAreaField(_l("Qui contacter"), validators=[Length(max=4000)])
    url = StringField(_l("Lien officiel"), validators=[Length(max=300)])
