"""Practice forms (CSRF-protected). The rules (lengths, sanitising, controlled lists) live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from workshop.practices.cleaning import RAW_MAX, SUMMARY_MAX, TITLE_MAX
from workshop.practices.models import SECTIONS
from workshop.practices.vocabulary import AUDIENCES, KIND_LABELS, SECTION_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # the service checks values against the controlled lists
        pass


# Plain words, no markup: the help is printed as text (it once carried real <strong>/<em>/<a> tags into the form).
SECTION_HELP = _l("Texte simple : une ligne vide sépare deux paragraphes, une ligne qui commence par « - » devient "
                  "une puce. Le gras, l'italique et les liens déjà présents sont gardés.")


class PracticeForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à la fiche.")),
                                                 Length(max=TITLE_MAX)])
    summary = TextAreaField(_l("Résumé (quelques lignes)"), validators=[Length(max=SUMMARY_MAX)])
    kind = SelectField(_l("Type de fiche"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
                       default="practice")
    cities = StringField(_l("Villes (séparées par des virgules)"), validators=[Length(max=3000)])
    qpv = StringField(_l("Quartiers prioritaires (QPV)"), validators=[Length(max=4000)])
    structures = TextAreaField(_l("Structures impliquées (une par ligne)"), validators=[Length(max=9000)])
    frameworks = MultiCheckboxField(_l("Dispositifs"))
    themes = StringField(_l("Thèmes (séparés par des virgules)"), validators=[Length(max=1500)])
    audiences = MultiCheckboxField(_l("Publics"), choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()])
    networks = MultiCheckboxField(_l("Réseaux"))


for _name in SECTIONS:
    setattr(PracticeForm, _name, TextAreaField(SECTION_LABELS[_name], validators=[Length(max=RAW_MAX)],
                                               description=SECTION_HELP))


class TransitionForm(FlaskForm):
    action = HiddenField()
    comment = TextAreaField(_l("Commentaire"), validators=[Length(max=5000)])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Commentaire"), validators=[DataRequired(_l("Écrivez un commentaire.")),
                                                        Length(max=5000)])


class EditorForm(FlaskForm):
    email = StringField(_l("Adresse e-mail de la personne à inviter"),
                        validators=[DataRequired(_l("Indiquez une adresse e-mail.")), Length(max=254)])


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier JSON de fiches"), validators=[FileRequired(_l("Choisissez un fichier."))])
