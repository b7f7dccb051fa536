"""In Chromium, against the production server sending to a real SMTP server: a coordinator invites a colleague
from the admin page, the colleague sets a password from the e-mailed link and is logged in; they forget it and
recover it; a digest's links (the item, unsubscribe) are followed. Screenshots at 320, 390 and 1366 px."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.conftest import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.mail.smtp import SmtpServer, link_in, subject, text_of
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ADMIN = ("claire@test.passerelles", "coordination-test-1")


def _add_admin(database_url: str) -> None:
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        accounts.create_user(db.session, ADMIN[0], "Claire Coordination", "admin", ADMIN[1])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory):
    """The production server, its e-mail going to a real SMTP server of this test (jobs run at once)."""
    smtp = SmtpServer().start()
    tmp = tmp_path_factory.mktemp("mail-server")
    url, pg_name = new_database(tmp)
    prepare_database(url)
    _add_admin(url)
    server = ServerProcess(free_port(5650, 5669), url, tmp / "server.log", extra_env={
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "JOBS_IMMEDIATE": "1"})
    server.start()
    try:
        yield server, smtp, url
    finally:
        server.stop()
        smtp.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "mail-server.log")
        drop_database(pg_name)


def _page(chromium, width: int, locale: str = "fr-FR"):
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": 900})
    serve_axe(context)
    return context, context.new_page()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"mail-{name}.png"), full_page=True)


def test_invitation_then_forgotten_password_then_digest_links(browser, mail_server):  # noqa: F811
    server, smtp, database_url = mail_server
    admin_context, admin = _page(browser, 1366)
    admin.goto(server.url + "/connexion")
    admin.get_by_label("Adresse e-mail").fill(ADMIN[0])
    admin.get_by_label("Mot de passe").fill(ADMIN[1])
    admin.get_by_role("button", name="Se connecter").click()
    admin.get_by_role("link", name="Invitations").click()
    admin.get_by_label("Nom").fill("Karim Haddad")
    admin.get_by_label("Adresse e-mail").fill("karim@exemple.fr")
    admin.get_by_label("Rôle").select_option("facilitator")
    admin.get_by_role("button", name="Envoyer l'invitation").click()
    expect(admin.get_by_role("status")).to_contain_text("Invitation envoyée à karim@exemple.fr.")
    expect(admin.locator(".invitation")).to_contain_text("en attente jusqu'au")
    assert_accessible(admin, "admin-invitations")
    _shot(admin, "1-invitations-1366")

    invitation = smtp.wait_for("karim@exemple.fr")
    assert subject(invitation) == "Invitation à rejoindre Passerelles"
    karim_context, karim = _page(browser, 390)
    karim.goto(link_in(invitation, "/invitation/"))
    expect(karim.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    assert_accessible(karim, "set-password")
    _shot(karim, "2-set-password-390")
    karim.get_by_label("Mot de passe", exact=True).fill("mon-premier-secret")
    karim.get_by_label("Confirmez le mot de passe").fill("mon-premier-secret")
    karim.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(karim.get_by_role("status").first).to_contain_text("Bienvenue, Karim Haddad : votre compte est prêt.")
    expect(karim.get_by_role("link", name="Mon compte")).to_be_visible()
    karim.get_by_role("button", name="Déconnexion").click()

    karim.set_viewport_size({"width": 320, "height": 800})
    karim.goto(server.url + "/connexion")
    karim.get_by_role("link", name="Mot de passe oublié ?").click()
    karim.get_by_label("Adresse e-mail").fill("karim@exemple.fr")
    karim.get_by_role("button", name="Recevoir un lien").click()
    expect(karim.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    assert_accessible(karim, "forgot-sent")
    _shot(karim, "3-forgot-sent-320")
    reset = smtp.wait_for("karim@exemple.fr", count=2)
    karim.goto(link_in(reset, "/mot-de-passe/"))
    karim.get_by_label("Mot de passe", exact=True).fill("mon-second-secret")
    karim.get_by_label("Confirmez le mot de passe").fill("mon-second-secret")
    karim.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(karim.get_by_role("status").first).to_contain_text("Mot de passe changé")
    karim.goto(server.url + "/compte?lang=en")
    expect(karim.get_by_role("heading", level=1)).to_have_text("My account")
    assert_accessible(karim, "account-en")
    _shot(karim, "4-account-en-320")
    karim.goto(link_in(reset, "/mot-de-passe/"))  # used: says so and offers a new one
    expect(karim.get_by_role("link", name="Ask for a new link")).to_be_visible()
    _shot(karim, "5-expired-en-320")

    _digest_for_admin(database_url, smtp, server.url)
    digest = smtp.wait_for(ADMIN[0])
    assert subject(digest) == "Passerelles : ce qui vous attend (1)"
    admin.goto(link_in(digest, "/fiches"))
    expect(admin).to_have_url(server.url + "/fiches")
    admin.goto(link_in(digest, "/desabonnement/"))
    admin.get_by_role("button", name="Me désabonner").click()
    expect(admin.get_by_role("status").last).to_contain_text("C'est fait")
    assert_accessible(admin, "unsubscribed")
    _shot(admin, "6-unsubscribed-1366")
    assert "Une fiche pratique attend votre relecture" in text_of(digest)
    karim_context.close()
    admin_context.close()


def _digest_for_admin(database_url: str, smtp: SmtpServer, public_url: str) -> None:
    """A notification waiting for the admin's digest, then the digest (what the worker does every morning)."""
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.notifications import service as notifications

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "JOBS_IMMEDIATE": True, "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": smtp.port, "PUBLIC_URL": public_url})
    with app.app_context():
        admin = accounts.get_by_email(db.session, ADMIN[0])
        notifications.choose(db.session, admin, list(notifications.KINDS), digest=True)
        notifications.notify(db.session, admin, "review_requested", {"title": "Café des parents", "url": "/fiches"})
        db.session.commit()
        notifications.send_digests(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
