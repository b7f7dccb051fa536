"""Forms of the meetings pages: the meeting, its programme, registration, check-in, preparation, restitution."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from workshop.boards.profiles import PROFILE_KINDS
from workshop.meetings.service import CAPACITY_MAX, PARALLEL_MAX
from workshop.meetings.vocabulary import ITEM_KINDS, KINDS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices WTForms takes."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_id(value):
    """A hidden or select id: empty means none; anything but a positive whole number is refused by the rules."""
    if value in (None, "", "0"):
        return None
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else -1


class MeetingForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à la rencontre.")),
                                                 Length(max=200)])
    kind = SelectField(_l("Type de rencontre"), choices=choices(KINDS.items()), default="working_time")
    starts_at = DateTimeLocalField(_l("Début"), format=DATETIME_FORMATS,
                                   validators=[DataRequired(_l("Indiquez la date et l'heure de début."))])
    ends_at = DateTimeLocalField(_l("Fin"), format=DATETIME_FORMATS,
                                 validators=[DataRequired(_l("Indiquez l'heure de fin."))])
    place = StringField(_l("Adresse du lieu"), validators=[Length(max=300)])
    structure_id = HiddenField()
    structure_query = StringField(_l("Ou une structure de la carte"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    capacity = IntegerField(_l("Jauge (places)"), validators=[Optional(), NumberRange(1, CAPACITY_MAX)])
    networks = SelectMultipleField(_l("Réseau(x) organisateur(s)"), coerce=int, choices=[])
    public = BooleanField(_l("Rencontre publique (sinon sur invitation)"), default=True)
    registration_open = BooleanField(_l("Inscriptions ouvertes"), default=True)


class ItemForm(FlaskForm):
    kind = SelectField(_l("Séquence"), choices=choices((k, v) for k, v in ITEM_KINDS.items() if k != "parallel"))
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Début"), format=DATETIME_FORMATS, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Fin"), format=DATETIME_FORMATS, validators=[DataRequired()])
    room = StringField(_l("Salle"), validators=[Length(max=120)])


class SlotForm(FlaskForm):
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Début"), format=DATETIME_FORMATS, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Fin"), format=DATETIME_FORMATS, validators=[DataRequired()])
    count = IntegerField(_l("Nombre d'ateliers en parallèle"), default=2,
                         validators=[DataRequired(), NumberRange(1, PARALLEL_MAX)])
    room = StringField(_l("Salles (préfixe, numérotées)"), validators=[Length(max=110)])
    format_key = SelectField(_l("Format"), choices=[])
    facilitator = SelectField(_l("Animation"), coerce=optional_id, choices=[])


class RegistrationForm(FlaskForm):
    name = StringField(_l("Nom et prénom"), validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=120)])
    email = StringField(_l("E-mail (facultatif)"), validators=[Optional(), Email(_l("Adresse e-mail invalide.")),
                                                               Length(max=254)])
    profile_kind = RadioField(_l("Je viens de…"), choices=choices(PROFILE_KINDS.items()),
                              validators=[DataRequired(_l("Choisissez d'où vous venez."))])
    structure_id = HiddenField()
    structure_name = StringField(_l("Ma structure"), validators=[Length(max=200)])
    city = StringField(_l("Ville"), validators=[Length(max=120)])
    network_id = SelectField(_l("Réseau"), coerce=optional_id, choices=[])
    role = StringField(_l("Fonction"), validators=[Length(max=120)])
    workshop_id = SelectField(_l("Atelier choisi"), coerce=optional_id, choices=[])
    needs = TextAreaField(_l("Besoins d'accessibilité ou d'interprétariat"), validators=[Length(max=1000)])


class WalkInForm(FlaskForm):
    name = StringField(_l("Nom et prénom"), validators=[DataRequired(), Length(max=120)])
    profile_kind = SelectField(_l("Vient de"), choices=choices(PROFILE_KINDS.items()), default="other")
    workshop_id = SelectField(_l("Atelier"), coerce=optional_id, choices=[])


class ChooseWorkshopForm(FlaskForm):
    workshop_id = SelectField(_l("Mon atelier"), coerce=optional_id, choices=[])


class TaskForm(FlaskForm):
    text = StringField(_l("Tâche"), validators=[DataRequired(), Length(max=300)])
    owner = StringField(_l("Qui s'en charge"), validators=[Length(max=120)])
    due_on = DateField(_l("Pour le"), validators=[Optional()])


class SynthesisForm(FlaskForm):
    synthesis = TextAreaField(_l("Synthèse (Markdown : paragraphes, listes « - », **gras**)"),
                              validators=[Length(max=20_000)])
    published = BooleanField(_l("Publier la restitution (lien public)"))


class ActionForm(FlaskForm):
    """A button that changes something: its CSRF token only."""
