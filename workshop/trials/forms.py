"""The trial forms: CSRF and rendering only; every rule (structure, date, lengths) is the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField

from workshop.trials.service import REFUSAL_MAX, TEXT_MAX, WITH_WHOM_MAX
from workshop.trials.vocabulary import RECOMMEND_LABELS


class TrialForm(FlaskForm):
    structure_name = StringField(_l("Structure où vous l'avez essayée"))
    structure_id = HiddenField()
    tried_on = StringField(_l("Date (ou début) de l'essai"), render_kw={"type": "date"})
    with_whom = StringField(_l("Avec qui"), render_kw={"maxlength": WITH_WHOM_MAX, "autocomplete": "off"})
    changes = TextAreaField(_l("Ce qui a changé pour les enfants et les parents"),
                            render_kw={"rows": 4, "maxlength": TEXT_MAX})
    adaptations = TextAreaField(_l("Ce que vous avez adapté"), render_kw={"rows": 3, "maxlength": TEXT_MAX})
    # Checked by the service (a French message and a stable code), not by WTForms' English one.
    recommend = RadioField(_l("La recommanderiez-vous ?"), validate_choice=False,
                           choices=[SelectChoice(k, v) for k, v in RECOMMEND_LABELS.items()])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Raison du refus (lue par l'auteur·rice)"), render_kw={"rows": 2,
                                                                                    "maxlength": REFUSAL_MAX})
    back = HiddenField()
