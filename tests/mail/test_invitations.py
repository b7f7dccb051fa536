"""Invitations by the CLI (contract) and the admin page, read from a real SMTP server, their links followed;
temporary and permanent SMTP failures."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from tests.mail.smtp import html_of, link_in, subject, text_of
from workshop.accounts.models import User
from workshop.extensions import db
from workshop.mail.models import Invitation, MailMessage
from workshop.mail.tokens import now


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _path(url: str) -> str:
    return urlsplit(url).path


def test_invite_user_cli_sends_a_link_where_the_person_sets_a_password_and_is_logged_in(app, runner, client, smtp):
    result = runner.invoke(args=["invite-user", "Nadia.Benali@Exemple.fr", "--name", "Nadia Benali",
                                 "--role", "facilitator"])
    assert result.exit_code == 0, result.output
    assert "Invitation envoyée à nadia.benali@exemple.fr (facilitator)" in result.output
    message = smtp.wait_for("nadia.benali@exemple.fr")
    assert subject(message) == "Invitation à rejoindre Passerelles"
    assert "Bonjour Nadia Benali," in text_of(message)
    assert "Choisir mon mot de passe" in html_of(message)
    link = link_in(message, "/invitation/")
    assert link.startswith("http://localhost/invitation/")

    page = client.get(_path(link))
    assert page.status_code == 200 and "nadia.benali@exemple.fr" in text(page)
    short = client.post(_path(link), data={"password": "court", "confirm": "court"})
    assert short.status_code == 400 and "Entre 8 et 1000 caractères." in text(short)
    done = client.post(_path(link), data={"password": "un-long-secret", "confirm": "un-long-secret"})
    assert done.status_code == 302
    assert client.get("/compte").status_code == 200  # logged in
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nadia.benali@exemple.fr"))
        assert user.role == "facilitator" and user.name == "Nadia Benali"

    again = app.test_client().get(_path(link))
    assert again.status_code == 410
    assert "Ce lien d'invitation a expiré ou a déjà servi." in text(again)


def test_invite_user_cli_refuses_bad_arguments(runner, make_user, smtp):
    make_user("member", email="deja@exemple.fr")
    for args, message in ((["pas-une-adresse", "--name", "X"], "Adresse e-mail invalide."),
                          (["deja@exemple.fr", "--name", "X"], "Un compte existe déjà avec cette adresse."),
                          (["x@exemple.fr", "--name", " "], "Nom"),
                          (["x@exemple.fr", "--name", "X", "--role", "chef"], "Invalid value for '--role'")):
        result = runner.invoke(args=["invite-user", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert smtp.messages == []


def test_admin_invites_resends_and_revokes_and_an_expired_link_says_so_in_english(app, client, make_user,
                                                                                   login, smtp):
    login(make_user("admin", name="Claire Coordination"))
    page = client.get("/admin/invitations")
    assert page.status_code == 200 and "Inviter une personne" in text(page)
    sent = client.post("/admin/invitations", data={"name": "Tom Smith", "email": "tom@example.org",
                                                   "role": "member", "network": 0, "structure": 0,
                                                   "language": "en"})
    assert sent.status_code == 302
    first = smtp.wait_for("tom@example.org")
    assert subject(first) == "Invitation to join Passerelles"
    assert "Claire Coordination invites you to join Passerelles." in text_of(first)
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    client.post(f"/admin/invitations/{invitation_id}/renvoyer")
    second = smtp.wait_for("tom@example.org", count=2)
    old, new = link_in(first, "/invitation/"), link_in(second, "/invitation/")
    assert old != new
    assert app.test_client().get(_path(old)).status_code == 410  # the resent link replaces the first one

    with app.app_context():  # the new link grows old
        db.session.execute(update(Invitation).values(expires_at=now() - timedelta(minutes=1)))
        db.session.commit()
    expired = app.test_client().get(_path(new) + "?lang=en")
    assert expired.status_code == 410
    assert "This invitation link has expired or has already been used." in text(expired)

    client.post(f"/admin/invitations/{invitation_id}/revoquer")
    assert "révoquée" in text(client.get("/admin/invitations"))


def test_invitation_pages_are_for_coordinators_only(client, make_user, login):
    login(make_user("facilitator"))
    assert client.get("/admin/invitations").status_code == 403
    assert client.post("/admin/invitations", data={"name": "X", "email": "x@exemple.fr"}).status_code == 403
    assert client.get("/admin/courriels").status_code == 403


def test_a_temporary_failure_is_retried_and_a_permanent_one_is_shown_to_coordinators(app, runner, client,
                                                                                       make_user, login, smtp):
    smtp.handler.fail_once = 1
    assert runner.invoke(args=["invite-user", "lea@exemple.fr", "--name", "Léa"]).exit_code == 0
    assert "Invitation à rejoindre Passerelles" == smtp.wait_for("lea@exemple.fr")["Subject"]
    smtp.handler.refuse = ("inconnu",)
    assert runner.invoke(args=["invite-user", "inconnu@exemple.fr", "--name", "Personne"]).exit_code == 0
    with app.app_context():
        states = dict(db.session.execute(select(MailMessage.recipient, MailMessage.attempts)).all())
        failed = db.session.scalar(select(MailMessage).where(MailMessage.status == "failed"))
    assert states["lea@exemple.fr"] == 2  # 451 once, then delivered
    assert failed.recipient == "inconnu@exemple.fr" and failed.attempts == 1 and failed.error.startswith("550")
    login(make_user("admin"))
    page = text(client.get("/admin/courriels"))
    assert "inconnu@exemple.fr" in page and "Mailbox unavailable" in page


def test_a_server_that_stays_unreachable_fails_after_the_last_attempt(app, runner, smtp):
    app.extensions["mailman"].port = 1  # nothing listens there: connection refused, a temporary failure
    assert runner.invoke(args=["invite-user", "sam@exemple.fr", "--name", "Sam"]).exit_code == 0
    with app.app_context():
        message = db.session.scalar(select(MailMessage))
    assert message.status == "failed" and message.attempts == 3 and "ConnectionRefusedError" in message.error


def test_the_invitation_form_refuses_bad_input_in_french(client, make_user, login, smtp):
    login(make_user("admin"))
    base = {"name": "Nadia", "email": "nadia@exemple.fr", "role": "member", "network": 0, "structure": 0,
            "language": "fr"}
    for change, message in (({"email": "nadia@"}, "Adresse e-mail invalide."),
                            ({"name": "Na\x07dia"}, "caractères invalides"),
                            ({"name": "x" * 121}, ""),
                            ({"role": "root"}, ""),
                            ({"network": 99999}, ""),
                            ({"language": "de"}, "")):
        response = client.post("/admin/invitations", data={**base, **change})
        assert response.status_code == 400, change
        assert message in text(response), change
    assert smtp.messages == []
