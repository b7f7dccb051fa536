"""A parent registers for a meeting in their own language (#18): the form, the errors, their registration page
and its messages speak it; the e-mails, written in French and English only, go out in French, said as French."""

from __future__ import annotations

import html

from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.test_languages import ROOT
from workshop.extensions import db
from workshop.mail.models import MailMessage
from workshop.meetings.models import Registration


def arabic(msgid: str) -> str:
    with (ROOT / "workshop/translations/ar/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle, locale="ar")[msgid].string


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_parent_registers_in_arabic_and_reads_their_registration_in_arabic(app, client, organiser,
                                                                            make_meeting):
    meeting_id = make_meeting(organiser)
    form = page(client.get(f"/rencontres/{meeting_id}/inscription?lang=ar"))
    assert '<html lang="ar" dir="rtl">' in form and 'data-testid="language-picker"' in form
    for msgid in ("M'inscrire", "Nom et prénom", "Je viens de…", "Parent", "— je choisirai sur place —"):
        assert arabic(msgid) in form

    refused = page(client.post(f"/rencontres/{meeting_id}/inscription", data={"name": "", "profile_kind": ""}))
    assert arabic("Indiquez votre nom.") in refused

    done = client.post(f"/rencontres/{meeting_id}/inscription", data={
        "name": "Amal", "email": "amal@exemple.fr", "profile_kind": "parent", "workshop_id": ""})
    assert done.status_code == 302
    mine = page(client.get(done.headers["Location"]))
    assert '<html lang="ar" dir="rtl">' in mine
    assert arabic("Mon inscription") in mine and arabic("Inscrit·e") in mine
    assert arabic("Vous êtes inscrit·e. Gardez ce lien personnel : il permet de voir ou d'annuler votre "
                  "inscription.") in mine
    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.name == "Amal"))
        message = db.session.scalar(select(MailMessage).where(MailMessage.recipient == "amal@exemple.fr"))
        assert registration.language == "ar"  # kept: the e-mails follow it once they speak Arabic
        assert message.language == "fr" and "Amal" in message.body_text
