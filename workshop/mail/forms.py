"""E-mail forms: invitations, password recovery, the account page (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from workshop.accounts.forms import ROLE_CHOICES
from workshop.accounts.service import MAX_PASSWORD, MIN_PASSWORD
from workshop.i18n import LANGUAGE_NAMES, STAFF_LANGUAGES

LANGUAGE_CHOICES = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in STAFF_LANGUAGES]


def _email_field(label: object = None) -> EmailField:
    label = label or _l("Adresse e-mail")
    return EmailField(label, validators=[DataRequired(_l("Indiquez une adresse e-mail.")), Length(max=254),
                                         Email(_l("Adresse e-mail invalide."), check_deliverability=False)])


def _new_password(label: object = None) -> PasswordField:
    label = label or _l("Nouveau mot de passe")
    return PasswordField(label, validators=[
        DataRequired(_l("Indiquez un mot de passe.")),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=_l("Entre %(n)d et 1000 caractères.", n=MIN_PASSWORD))])


class InviteForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez un nom.")), Length(max=120)])
    email = _email_field()
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES, default="facilitator")
    network = SelectField(_l("Réseau"), coerce=int, default=0)
    structure = SelectField(_l("Structure"), coerce=int, default=0)
    language = SelectField(_l("Langue des e-mails"), choices=LANGUAGE_CHOICES, default="fr")


class ForgotForm(FlaskForm):
    email = _email_field()


class SetPasswordForm(FlaskForm):
    password = _new_password(_l("Mot de passe"))
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            validators=[EqualTo("password", _l("Les deux mots de passe diffèrent."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez un nom.")), Length(max=120)])
    language = SelectField(_l("Langue"), choices=LANGUAGE_CHOICES)


class EmailChangeForm(FlaskForm):
    email = _email_field(_l("Nouvelle adresse e-mail"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(_l("Indiquez votre mot de passe."))])
    password = _new_password()
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            validators=[EqualTo("password", _l("Les deux mots de passe diffèrent."))])


class NotificationsForm(FlaskForm):
    """One checkbox per kind is read from the request by name (`kind-<key>`); the kinds are listed in the
    notifications domain."""

    digest = BooleanField(_l("Un seul e-mail par jour (résumé) au lieu d'un e-mail à chaque fois"))
