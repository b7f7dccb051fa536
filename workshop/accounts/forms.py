"""Account forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from workshop.accounts.service import MIN_PASSWORD

# SelectChoice, not tuples: WTForms 3.3 deprecates tuples (a warning, an error under the test suite).
ROLE_CHOICES = [
    SelectChoice("member", _l("Membre")),
    SelectChoice("facilitator", _l("Animateur·rice")),
    SelectChoice("admin", _l("Coordinateur·rice (admin)")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail."))])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(_l("Indiquez votre mot de passe."))])


class UserForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez un nom.")), Length(max=120)])
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Indiquez une adresse e-mail.")),
                    Email(_l("Adresse e-mail invalide."), check_deliverability=False)],
    )
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES, default="facilitator")
    password = PasswordField(
        _l("Mot de passe provisoire"),
        validators=[DataRequired(_l("Indiquez un mot de passe.")),
                    Length(min=MIN_PASSWORD, message=_l("Au moins %(n)d caractères.", n=MIN_PASSWORD))],
    )
