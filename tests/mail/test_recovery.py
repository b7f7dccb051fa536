"""Password reset (same answer for every address, single-use, short-lived, rate-limited) and the account page
(name, language, e-mail confirmed by a link, password, notification choices), with a real SMTP server."""

from __future__ import annotations

import html
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tests.mail.smtp import link_in, subject, text_of
from workshop.extensions import db
from workshop.mail import tasks
from workshop.mail import views as mail_views
from workshop.mail.models import AccountToken, MailMessage
from workshop.mail.tokens import now

SENT = "Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe vient d'y être envoyé."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _path(url: str) -> str:
    return urlsplit(url).path


def test_reset_answers_the_same_for_any_address_and_the_link_works_once(app, client, make_user, login, smtp):
    user = make_user("facilitator", email="samia@exemple.fr", name="Samia")
    other_browser = app.test_client()
    assert other_browser.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert "Mot de passe oublié ?" in text(client.get("/connexion"))
    known = client.post("/mot-de-passe-oublie", data={"email": "Samia@exemple.fr"})
    unknown = client.post("/mot-de-passe-oublie", data={"email": "personne@exemple.fr"})
    assert known.status_code == unknown.status_code == 200
    assert SENT in text(known) and text(known) == text(unknown)
    message = smtp.wait_for("samia@exemple.fr")
    assert subject(message) == "Réinitialiser votre mot de passe Passerelles"
    assert "valable 30 minutes" in text_of(message)
    assert smtp.to("personne@exemple.fr") == []

    link = _path(link_in(message, "/mot-de-passe/"))
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "nouveau-secret", "confirm": "nouveau-secret"})
    assert done.status_code == 302
    assert client.get("/compte").status_code == 200  # logged in
    assert other_browser.get("/compte").status_code == 302  # the other session ended
    again = app.test_client().get(link)
    assert again.status_code == 410 and "Ce lien a expiré ou a déjà servi." in text(again)
    assert "Demander un nouveau lien" in text(again)
    assert app.test_client().post("/connexion", data={"email": user.email,
                                                      "password": "nouveau-secret"}).status_code == 302


def test_the_reset_request_does_the_same_work_for_any_address(app, client, make_user, smtp, monkeypatch):
    """The request only queues a job (the job looks the address up): no timing tells a known address."""
    make_user("member", email="connue@exemple.fr")
    queued = []
    monkeypatch.setattr(mail_views, "enqueue", lambda function, *args: queued.append((function, *args)))
    for email in ("Connue@exemple.fr", "inconnue@exemple.fr"):
        assert client.post("/mot-de-passe-oublie", data={"email": email}).status_code == 200
    assert queued == [(tasks.request_reset, "connue@exemple.fr"), (tasks.request_reset, "inconnue@exemple.fr")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
    with app.test_request_context():
        assert [tasks.request_reset(email) for _function, email in queued] == [True, False]
    assert len(smtp.wait_for("connue@exemple.fr").get_body(("plain",)).get_content()) > 0
    assert smtp.to("inconnue@exemple.fr") == []


def test_an_old_reset_link_is_refused(app, client, make_user, smtp):
    make_user("member", email="vieux@exemple.fr")
    client.post("/mot-de-passe-oublie", data={"email": "vieux@exemple.fr"})
    link = _path(link_in(smtp.wait_for("vieux@exemple.fr"), "/mot-de-passe/"))
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=now() - timedelta(minutes=1)))
        db.session.commit()
    assert client.get(link).status_code == 410
    refused = client.post(link, data={"password": "nouveau-secret", "confirm": "nouveau-secret"})
    assert refused.status_code == 410
    assert client.get("/mot-de-passe/" + "x" * 500).status_code == 410


def test_reset_requests_are_limited_per_address_without_saying_so(client, make_user, smtp):
    make_user("member", email="cible@exemple.fr")
    for _attempt in range(5):
        response = client.post("/mot-de-passe-oublie", data={"email": "cible@exemple.fr"})
        assert response.status_code == 200 and SENT in text(response)
    smtp.wait_for("cible@exemple.fr", count=3)
    assert len(smtp.to("cible@exemple.fr")) == 3  # RESET_RATE: 3 an hour
    bad = client.post("/mot-de-passe-oublie", data={"email": "pas une adresse"})
    assert bad.status_code == 400 and "Adresse e-mail invalide." in text(bad)


def test_account_page_changes_name_language_email_and_password(app, client, make_user, login, smtp):
    user = make_user("member", email="ines@exemple.fr", name="Inès")
    login(user)
    other_browser = app.test_client()
    other_browser.post("/connexion", data={"email": user.email, "password": PASSWORD})
    page = client.get("/compte")
    assert page.status_code == 200 and "Mon compte" in text(page)
    assert client.post("/compte/profil", data={"name": "Inès Martin", "language": "en"}).status_code == 302
    assert "My account" in text(client.get("/compte"))
    assert client.post("/compte/profil", data={"name": "", "language": "fr"}).status_code == 400
    assert client.post("/compte/profil", data={"name": "X", "language": "de"}).status_code == 400

    assert client.post("/compte/courriel", data={"email": "ines.martin@exemple.fr"}).status_code == 302
    message = smtp.wait_for("ines.martin@exemple.fr")
    assert subject(message) == "Confirm your new e-mail address"  # the account's language
    assert "ines@exemple.fr" in text(client.get("/compte"))  # not changed until confirmed
    assert client.get(_path(link_in(message, "/compte/courriel/"))).status_code == 302
    assert "ines.martin@exemple.fr" in text(client.get("/compte"))

    wrong = client.post("/compte/motdepasse", data={"current": "faux-mot", "password": "encore-un-secret",
                                                   "confirm": "encore-un-secret"})
    assert wrong.status_code == 400 and "Current password is wrong." in text(wrong)  # the page speaks English now
    assert client.post("/compte/motdepasse", data={"current": PASSWORD, "password": "encore-un-secret",
                                                   "confirm": "encore-un-secret"}).status_code == 302
    assert client.get("/compte").status_code == 200  # this browser stays logged in
    assert other_browser.get("/compte").status_code == 302  # the other one is logged out


@pytest.mark.parametrize("app_config", [{"LOGIN_FAILURE_RATE": "3/minute", "FAILURE_DELAY_BASE": 1.0}])
def test_wrong_current_passwords_are_slowed_down_as_logins_are(app, client, make_user, login):
    """A stolen session cannot try passwords faster on the account page than on the login page."""
    user = make_user("member", email="lente@exemple.fr")
    login(user)
    wrong = {"current": "faux-faux", "password": "encore-un-secret", "confirm": "encore-un-secret"}
    for _attempt in range(3):
        assert client.post("/compte/motdepasse", data=wrong).status_code == 400
    started = time.monotonic()
    slowed = client.post("/compte/motdepasse", data=wrong)
    assert slowed.status_code == 400 and time.monotonic() - started >= 1.0
    assert "Mot de passe actuel incorrect." in text(slowed)
    started = time.monotonic()  # the login page counts the same failures of this account
    assert app.test_client().post("/connexion", data={"email": user.email, "password": "faux-faux"}).status_code == 200
    assert time.monotonic() - started >= 1.0


def test_account_page_needs_a_login(client):
    response = client.get("/compte")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
