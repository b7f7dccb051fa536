"""Forms of the peer group pages (CSRF-protected); the rules live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from workshop.peergroups.service import ROLES


class GroupForm(FlaskForm):
    name = StringField(_l("Nom du groupe"), validators=[DataRequired(), Length(max=120)])
    purpose = TextAreaField(_l("Objet du groupe"), validators=[Optional(), Length(max=2000)])
    format_key = SelectField(_l("Format habituel des séances"))
    place = StringField(_l("Lieu habituel"), validators=[Optional(), Length(max=200)])
    networks = SelectMultipleField(_l("Réseau(x)"), coerce=int, validate_choice=True)
    cities = SelectMultipleField(_l("Territoire (communes)"), validate_choice=True)


class MemberForm(FlaskForm):
    email = StringField(_l("E-mail du compte"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Rôle dans le groupe"), choices=[SelectChoice(r, r) for r in ROLES])


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date de la séance"), validators=[Optional()])


class InviteForm(FlaskForm):
    emails = TextAreaField(_l("Adresses e-mail (une par ligne, ou séparées par des virgules)"),
                           validators=[DataRequired(), Length(max=10000)])
    starts_at = TimeField(_l("Début de la prochaine séance"), validators=[Optional()])
    ends_at = TimeField(_l("Fin"), validators=[Optional()])


class AnswerForm(FlaskForm):
    """A button of the invitation page (the answer is the button's value); CSRF only."""
