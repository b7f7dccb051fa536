"""Notifications read from a real SMTP server: a sheet's review requested and decided, each in the person's
language with an unsubscribe link; the daily digest; next steps falling due; unsubscribing."""

from __future__ import annotations

import html
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from tests.mail.smtp import html_of, link_in, subject, text_of
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db
from workshop.facilitation.models import NextStep
from workshop.moderation.models import Report
from workshop.notifications import service as notifications
from workshop.notifications.models import Notification
from workshop.notifications.reminders import remind_moderation, remind_next_steps


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _set(app, user, *, language: str | None = None, digest: bool | None = None) -> None:
    with app.app_context():
        account = db.session.get(User, user.id)
        if language:
            account.language = language
        if digest is not None:
            notifications.choose(db.session, account, list(notifications.KINDS), digest)
        db.session.commit()


def test_review_requested_and_decided_reach_the_right_people_in_their_language(app, client, login, people,
                                                                               make_practice, smtp):
    _set(app, people.coord_cs, language="en")
    practice_id = make_practice(people.member)
    login(people.member)
    assert client.post(f"/fiches/{practice_id}/statut", data={"action": "submit"}).status_code == 302
    english = smtp.wait_for("coord_cs@exemple.fr")
    assert subject(english) == "A practice sheet is waiting for your review: Café des parents au collège"
    assert f"http://localhost/fiches/{practice_id}" in text_of(english)
    assert "Stop receiving this kind of message" in html_of(english)
    french = smtp.wait_for("admin@exemple.fr")
    assert subject(french) == "Une fiche pratique attend votre relecture : Café des parents au collège"
    assert smtp.to("coord_ef@exemple.fr") == [] and smtp.to("member@exemple.fr") == []  # not their network / self

    reviewer = app.test_client()
    login_response = reviewer.post("/connexion", data={"email": "coord_cs@exemple.fr", "password": "motdepasse-1"})
    assert login_response.status_code == 302
    assert reviewer.post(f"/fiches/{practice_id}/statut", data={"action": "publish"}).status_code == 302
    decided = smtp.wait_for("member@exemple.fr")
    assert subject(decided).startswith("Décision sur une fiche pratique que vous suivez")
    assert "publiée" in text_of(decided)


def test_digest_gathers_waiting_notifications_in_one_message_and_unsubscribe_turns_a_kind_off(
        app, client, runner, login, people, make_practice, smtp):
    _set(app, people.coord_cs, digest=True)
    first, second = make_practice(people.member, title="Fiche A"), make_practice(people.member, title="Fiche B")
    login(people.member)
    for practice_id in (first, second):
        client.post(f"/fiches/{practice_id}/statut", data={"action": "submit"})
    smtp.wait_for("admin@exemple.fr", count=2)
    assert smtp.to("coord_cs@exemple.fr") == []  # waiting for the digest
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0 and "Résumés envoyés : 1" in result.output
    digest = smtp.wait_for("coord_cs@exemple.fr")
    assert subject(digest) == "Passerelles : ce qui vous attend (2)"
    body = text_of(digest)
    assert "Fiche A" in body and "Fiche B" in body
    assert runner.invoke(args=["send-digests"]).output.strip() == "Résumés envoyés : 0"  # nothing sent twice

    unsubscribe = urlsplit(link_in(digest, "/desabonnement/")).path
    visitor = app.test_client()
    page = visitor.get(unsubscribe)
    assert page.status_code == 200 and "Une fiche pratique attend votre relecture" in text(page)
    assert "C'est fait" in text(visitor.post(unsubscribe))
    assert visitor.get("/desabonnement/falsifie").status_code == 404
    third = make_practice(people.member, title="Fiche C")
    client.post(f"/fiches/{third}/statut", data={"action": "submit"})
    with app.app_context():
        kinds = db.session.scalars(select(Notification.context).where(Notification.user_id == people.coord_cs.id))
        assert [c["title"] for c in kinds] == ["Fiche A", "Fiche B"]  # the kind is off: C was not recorded


def test_next_steps_falling_due_are_reminded_once_to_the_facilitator(app, make_user, smtp):
    facilitator = make_user("facilitator", email="anim@exemple.fr", name="Anim")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier parents")
        today = date(2026, 3, 10)
        db.session.add_all([
            NextStep(workshop_id=workshop.id, text="Relancer la mairie", owner="Karim",
                     due_on=today + timedelta(days=1)),
            NextStep(workshop_id=workshop.id, text="Plus tard", owner="Léa", due_on=today + timedelta(days=20)),
            NextStep(workshop_id=workshop.id, text="Déjà fait", owner="Léa", due_on=today, done=True)])
        db.session.commit()
        assert remind_next_steps(db.session, today) == 1
        db.session.commit()
        assert remind_next_steps(db.session, today) == 0
        db.session.commit()
    message = smtp.wait_for("anim@exemple.fr")
    assert "Relancer la mairie" in subject(message)
    assert "Atelier parents · Karim · 11 mars 2026" in text_of(message)  # a date people read, never ISO
    assert len(smtp.to("anim@exemple.fr")) == 1


def test_reports_waiting_reach_who_may_moderate_once_without_their_text(app, people, make_user, smtp):
    facilitator = make_user("facilitator", email="anim@exemple.fr", name="Anim")
    _set(app, people.coord_ef, language="en")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier parents")
        db.session.add_all([
            Report(target_kind="practice", target_id=1, reason="personal_data", details="Karim B., 3e B",
                   excerpt="La famille B. du 12 rue"),
            Report(target_kind="card", target_id=1, workshop_id=workshop.id, reason="hurtful", excerpt="Texte")])
        db.session.commit()
        assert remind_moderation(db.session) == 7  # admin and both coordinators hear of both; the card's facilitator
        db.session.commit()
        assert remind_moderation(db.session) == 0
        db.session.commit()
    smtp.wait_for("admin@exemple.fr", count=2)
    assert len(smtp.to("anim@exemple.fr")) == 1 and smtp.to("member@exemple.fr") == []
    english = smtp.wait_for("coord_ef@exemple.fr")
    assert subject(english) == "A report is waiting for moderation: Practice sheet"
    assert "http://localhost/moderation" in text_of(english)
    for message in smtp.messages:
        assert "Karim B." not in text_of(message) + html_of(message)
        assert "12 rue" not in text_of(message) + html_of(message)


def test_notification_choices_on_the_account_page(app, client, make_user, login):
    user = make_user("member")
    login(user)
    page = text(client.get("/compte"))
    assert "Une fiche pratique attend votre relecture" in page
    assert "Votre inscription à une rencontre" not in page  # meetings.mails confirms it whatever the choices
    response = client.post("/compte/notifications", data={"kind-review_decided": "1", "digest": "y"})
    assert response.status_code == 302
    with app.app_context():
        setting = notifications.settings_of(db.session, user.id)
        assert setting.digest is True and "review_decided" not in setting.off and "review_requested" in setting.off
