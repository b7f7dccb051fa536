"""Forms of the programme page: CSRF and the widgets; every value is checked by the rules (`plan`), which give
the French message and the stable code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from workshop.programme.vocabulary import BUDGET_CATEGORIES, WORK_KINDS


def _select(label, choices=()) -> SelectField:
    return SelectField(label, choices=[SelectChoice(key, text) for key, text in choices], validate_choice=False)


def with_choices(field: SelectField, choices: list[tuple[str, str]]) -> None:
    field.choices = [SelectChoice(key, text) for key, text in choices]


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Titre"))
    aims = TextAreaField(_l("Objectifs"))
    cities = TextAreaField(_l("Communes (codes INSEE, séparés par des virgules)"))
    starts_on = StringField(_l("Début"), render_kw={"type": "date"})
    ends_on = StringField(_l("Fin"), render_kw={"type": "date"})
    planned_meetings = StringField(_l("Rencontres collectives prévues"), render_kw={"inputmode": "numeric"})


class TimeEntryForm(FlaskForm):
    network = _select(_l("Réseau"))
    kind = _select(_l("Type de travail"), WORK_KINDS.items())
    worked_on = StringField(_l("Date"), render_kw={"type": "date"})
    hours = StringField(_l("Heures"), render_kw={"inputmode": "decimal", "placeholder": "3,5"})
    person = StringField(_l("Qui"), render_kw={"autocomplete": "name", "aria-describedby": "person-note"})


class TimePlanForm(FlaskForm):
    network = _select(_l("Réseau"))
    kind = _select(_l("Type de travail"), WORK_KINDS.items())
    hours = StringField(_l("Heures prévues"), render_kw={"inputmode": "decimal"})


class BudgetLineForm(FlaskForm):
    category = _select(_l("Catégorie"), BUDGET_CATEGORIES.items())
    label = StringField(_l("Intitulé"))
    network = _select(_l("Réseau"))
    planned = StringField(_l("Prévu (€)"), render_kw={"inputmode": "decimal"})
    committed = StringField(_l("Engagé (€)"), render_kw={"inputmode": "decimal"})
    spent = StringField(_l("Dépensé (€)"), render_kw={"inputmode": "decimal"})


class CoordinatorForm(FlaskForm):
    """Name a coordinator by the e-mail of their account (its removal buttons post this form's CSRF alone)."""

    email = StringField(_l("E-mail du compte"), render_kw={"type": "email", "autocomplete": "off"})
