"""Cartography forms: declaring / editing a link, editing a structure, its members, the structures represented at
a workshop, importing a file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from workshop.mapping import vocabulary


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(mapping: dict, blank: str | None = None) -> list[SelectChoice]:
    """SelectChoice, not tuples: WTForms 3.3 deprecates tuples."""
    items = [SelectChoice(key, label) for key, label in mapping.items()]
    return [SelectChoice("", blank), *items] if blank is not None else items


class LinkForm(FlaskForm):
    """The characterisation of a link; `target` (and its type-ahead `target_name`) only when declaring."""

    # The partner is picked with the structures type-ahead (160 structures and more do not fit a <select>): the
    # name is what the person types, the hidden id what they picked; only the id counts.
    target_name = StringField(_l("Structure partenaire"), validators=[Optional(), Length(max=200)])
    target = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])
    level = SelectField(_l("Niveau de coopération"), choices=_choices(vocabulary.LEVELS), default="unknown")
    formalisation = SelectField(_l("Formalisation"), choices=_choices(vocabulary.FORMALISATIONS),
                                default="informal")
    frameworks = MultiCheckboxField(_l("Dispositifs"), choices=[])
    shared = MultiCheckboxField(_l("Ce qui est partagé"), choices=_choices(vocabulary.SHARED))
    parents_place = SelectField(_l("Place des parents"), choices=_choices(vocabulary.PARENTS_PLACES, "—"),
                                default="")
    since = IntegerField(_l("Depuis (année)"), validators=[Optional(), NumberRange(1950, 2100)])
    frequency = SelectField(_l("Fréquence"), choices=_choices(vocabulary.FREQUENCIES, "—"), default="")
    initiative = SelectField(_l("Qui a pris l'initiative ?"), choices=_choices(vocabulary.INITIATIVES),
                             default="unknown")
    description = TextAreaField(_l("Description"), validators=[Length(max=3000)])

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in ("level", "formalisation", "frameworks", "shared",
                                                             "parents_place", "since", "frequency", "initiative",
                                                             "description")}


class StructureForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez un nom.")), Length(max=200)])
    kind = SelectField(_l("Type"), choices=_choices(vocabulary.KINDS))
    address = StringField(_l("Adresse"), validators=[Length(max=300)])
    postcode = StringField(_l("Code postal"), validators=[Length(max=5)])
    latitude = StringField(_l("Latitude"), validators=[Length(max=20)])
    longitude = StringField(_l("Longitude"), validators=[Length(max=20)])
    priority = SelectField(_l("Éducation prioritaire"), choices=_choices(vocabulary.PRIORITY, "—"), default="")
    qpv_code = StringField(_l("Code QPV (saisi à la main ; vide = déduit des contours)"),
                           validators=[Length(max=12)])
    public = BooleanField(_l("Visible sur la carte publique"))


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier"), validators=[FileRequired(_l("Choisissez un fichier."))])
    format = SelectField(_l("Format"), choices=_choices({
        "annuaire": _l("Annuaire de l'éducation (CSV ;)"),
        "qpv": _l("Liste des QPV de l'ANCT (listeqp2024, CSV)"),
        "qpv-outlines": _l("Contours des QPV (GeoJSON)"),
        "structures": _l("Structures : modèle CSV Passerelles"),
    }), validators=[DataRequired()])
    departement = StringField(_l("Département (facultatif, ex. 93)"), validators=[Length(max=3)])
    cities = StringField(_l("Communes (facultatif : codes INSEE séparés par des virgules)"),
                         validators=[Length(max=2000)])
    dry_run = BooleanField(_l("Simulation : afficher le rapport sans rien écrire"), default=True)



class MemberForm(FlaskForm):
    """A coordinator attaches an existing account to a structure."""

    email = StringField(_l("E-mail du compte"), validators=[DataRequired(_l("Indiquez une adresse e-mail.")),
                                                           Length(max=254), Email(_l("Adresse e-mail invalide."))])


class WorkshopStructuresForm(FlaskForm):
    """The published structures represented at a workshop (choices set by the view)."""

    structures = SelectMultipleField(_l("Structures représentées"), coerce=int, choices=[], validate_choice=False)
