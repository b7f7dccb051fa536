"""Workshop and join forms."""

from __future__ import annotations

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workshop.formats.builtin import DEFAULT_FORMAT, FORMATS


def format_label(fmt) -> LazyString:
    """Formats carry their own French and English names: show the one of the page's language."""
    return LazyString(lambda: fmt.label_en if str(get_locale()) == "en" else fmt.label_fr)


class WorkshopForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à l'atelier.")), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Lieu"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    format_key = SelectField(_l("Format"), choices=[SelectChoice(k, format_label(f)) for k, f in FORMATS.items()],
                             default=DEFAULT_FORMAT)


class JoinCodeForm(FlaskForm):
    class Meta:
        csrf = False  # typed on a phone from a projected code; nothing is changed by it

    code = StringField(_l("Code de l'atelier"),
                       validators=[DataRequired(_l("Tapez le code affiché dans la salle.")), Length(max=20)])
