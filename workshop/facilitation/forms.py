"""The facilitator's form for a next step."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from workshop.facilitation.next_steps import OWNER_MAX, TEXT_MAX


class NextStepForm(FlaskForm):
    text = StringField(_l("Suite à donner"), validators=[
        DataRequired(_l("Écrivez ce qui doit être fait.")),
        Length(max=TEXT_MAX, message=_l("%(max)d caractères au plus."))])
    owner = StringField(_l("Qui s'en charge"), validators=[
        Optional(), Length(max=OWNER_MAX, message=_l("%(max)d caractères au plus."))])
    due_on = DateField(_l("Pour quand"), validators=[Optional()])
