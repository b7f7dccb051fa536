"""HTTP pages: login and roles, account administration, workshops, the room screen, joining, error pages."""

from __future__ import annotations

import html
import re
import time
from xml.etree import ElementTree

import pytest

from tests.conftest import PASSWORD
from workshop.accounts import service as accounts
from workshop.extensions import db


def page(response) -> str:
    """The page's text with HTML entities decoded, so French apostrophes compare plainly."""
    return html.unescape(response.get_data(as_text=True))


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)) or \
        re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token in the form"
    return match.group(1)


# --- Login and logout -----------------------------------------------------------------------------


def test_home_page_speaks_french(client):
    response = client.get("/")
    assert response.status_code == 200
    text = page(response)
    assert '<html lang="fr">' in text
    assert "Rejoindre un atelier" in text


def test_login_page_is_french_and_login_leads_to_the_dashboard(client, make_user):
    user = make_user("facilitator")
    response = client.get("/connexion")
    assert response.status_code == 200
    assert "Connexion" in page(response) and "Mot de passe" in page(response)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ateliers")
    assert "Mes ateliers" in page(client.get("/ateliers"))


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_form_is_protected_against_csrf(client, make_user):
    user = make_user("facilitator")
    forged = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert forged.status_code == 400
    assert "Le formulaire a expiré" in page(forged)
    assert client.get("/ateliers").status_code == 302  # still logged out

    token = csrf_token(client.get("/connexion"))
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/ateliers").status_code == 200
    # Logging out is a form too.
    assert client.post("/deconnexion").status_code == 400
    logout_token = csrf_token(client.get("/ateliers"))
    assert client.post("/deconnexion", data={"csrf_token": logout_token}).status_code == 302
    assert client.get("/ateliers").status_code == 302


@pytest.mark.parametrize(("email", "password", "message"), [
    ("{user}", "mauvais-mot-de-passe", "Adresse e-mail ou mot de passe incorrect."),
    ("inconnu@exemple.fr", PASSWORD, "Adresse e-mail ou mot de passe incorrect."),
    ("", "", "Indiquez votre adresse e-mail."),
])
def test_login_failures_are_explained_in_french(client, make_user, email, password, message):
    user = make_user("facilitator")
    response = client.post("/connexion", data={"email": email.format(user=user.email), "password": password})
    assert response.status_code == 200
    assert message in page(response)
    assert client.get("/ateliers").status_code == 302


def test_disabled_account_is_told_so(client, make_user, login, app):
    admin, user = make_user("admin"), make_user("facilitator")
    login(admin)
    assert client.post(f"/admin/comptes/{user.id}/desactiver").status_code == 302
    client.post("/deconnexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Ce compte est désactivé" in page(response)


def test_disabled_account_loses_its_open_session(app, make_user, login, client):
    admin, user = make_user("admin"), make_user("facilitator")
    login(user)
    assert client.get("/ateliers").status_code == 200
    with app.test_request_context():
        accounts.set_active(db.session, db.session.get(type(admin), admin.id), user.id, False)
        db.session.commit()
    assert client.get("/ateliers").status_code == 302


@pytest.mark.parametrize("app_config", [{"LOGIN_FAILURE_RATE": "3/minute", "FAILURE_DELAY_BASE": 1.0}])
def test_repeated_login_failures_are_slowed_down(app, client, make_user):
    """Issue #11 point 6: failures slow the next attempts down; the right password is never refused."""
    user = make_user("facilitator")
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.post("/deconnexion")
    for _ in range(3):
        assert client.post("/connexion", data={"email": user.email, "password": "faux-faux"}).status_code == 200
    started = time.monotonic()
    slowed = client.post("/connexion", data={"email": user.email, "password": "faux-faux"})
    assert slowed.status_code == 200 and time.monotonic() - started >= 1.0
    assert "Adresse e-mail ou mot de passe incorrect" in page(slowed)
    assert '<html lang="fr">' in page(slowed)
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    # Another address is not slowed by these failures.
    other = app.test_client()
    response = other.post("/connexion", data={"email": user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_login_ignores_an_outside_next(client, make_user):
    user = make_user("facilitator")
    response = client.post("/connexion?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/ateliers")


def test_logout(client, make_user, login):
    login(make_user("facilitator"))
    response = client.post("/deconnexion", follow_redirects=True)
    assert response.status_code == 200
    assert "Vous êtes déconnecté·e." in page(response)
    redirected = client.get("/ateliers")
    assert redirected.status_code == 302 and "/connexion" in redirected.headers["Location"]
    assert client.get("/deconnexion").status_code == 405


# --- Account administration -----------------------------------------------------------------------


def test_admin_creates_an_account_that_can_log_in(app, client, make_user, login):
    login(make_user("admin"))
    listing = client.get("/admin/comptes")
    assert listing.status_code == 200 and "Créer un compte" in page(listing)
    response = client.post("/admin/comptes", data={"name": "Karim Animateur", "email": "karim@exemple.fr",
                                                   "role": "facilitator", "password": "un-bon-mot"})
    assert response.status_code == 302
    assert "Karim Animateur" in page(client.get("/admin/comptes"))
    fresh = app.test_client()
    assert fresh.post("/connexion", data={"email": "karim@exemple.fr", "password": "un-bon-mot"}).status_code == 302


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "X", "email": "x@exemple.fr", "role": "member", "password": "court"}, "Au moins 8 caractères."),
    ({"name": "X", "email": "pas-une-adresse", "role": "member", "password": "un-bon-mot"},
     "Adresse e-mail invalide."),
    ({"name": "", "email": "x@exemple.fr", "role": "member", "password": "un-bon-mot"}, "Indiquez un nom."),
    ({"name": "X", "email": "x@exemple.fr", "role": "root", "password": "un-bon-mot"}, "N'est pas un choix valide."),
])
def test_admin_account_form_shows_field_errors(client, make_user, login, data, message):
    login(make_user("admin"))
    response = client.post("/admin/comptes", data=data)
    assert response.status_code == 200
    assert message in page(response)
    assert "x@exemple.fr</td>" not in page(response)


def test_admin_account_form_refuses_a_duplicate(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    response = client.post("/admin/comptes", data={"name": "Bis", "email": admin.email.upper(), "role": "member",
                                                   "password": "un-bon-mot"})
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse." in page(response)


@pytest.mark.parametrize("role", ["facilitator", "member"])
def test_only_admins_reach_account_administration(client, make_user, login, role):
    other = make_user("member")
    login(make_user(role))
    for response in (client.get("/admin/comptes"),
                     client.post("/admin/comptes", data={"name": "X", "email": "x@exemple.fr", "role": "admin",
                                                         "password": "un-bon-mot"}),
                     client.post(f"/admin/comptes/{other.id}/desactiver")):
        assert response.status_code == 403
        assert "Vous n'avez pas accès à cette page." in page(response)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/comptes")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_admin_cannot_disable_themselves(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    response = client.post(f"/admin/comptes/{admin.id}/desactiver")
    assert response.status_code == 400
    assert "votre propre compte" in page(response)
    assert client.get("/admin/comptes").status_code == 200


def test_disabling_an_unknown_account_is_a_french_404(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/admin/comptes/9999/desactiver")
    assert response.status_code == 404
    assert "Compte introuvable." in page(response)


# --- Workshops: dashboard, creation, room screen --------------------------------------------------


def test_dashboard_lists_the_facilitators_own_workshops(client, make_user, login, make_workshop):
    me, other = make_user("facilitator"), make_user("facilitator")
    make_workshop(me, "Café des parents")
    make_workshop(other, "Atelier de quelqu'un d'autre")
    login(me)
    text = page(client.get("/ateliers"))
    assert "Café des parents" in text
    assert "quelqu'un d'autre" not in text


def test_create_workshop_then_see_the_room_screen(client, make_user, login):
    login(make_user("facilitator"))
    assert "Nouvel atelier" in page(client.get("/ateliers/nouveau"))
    response = client.post("/ateliers/nouveau", data={"title": "Rentrée 2026", "held_on": "2026-09-15",
                                                      "place": "Centre social", "format_key": "freins-leviers",
                                                      "description": ""})
    assert response.status_code == 302
    room_url = response.headers["Location"]
    assert re.search(r"/ateliers/\d+/salle$", room_url)
    room = client.get(room_url)
    assert room.status_code == 200
    text = page(room)
    code = re.search(r'data-testid="room-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', text).group(1)
    raw = code.replace("-", "")
    assert f"http://localhost/j/{raw}" in text
    # The join link names this machine only (the test app's PUBLIC_URL): the room screen says phones cannot join.
    assert 'data-testid="room-loopback"' in text and "make run HOST=0.0.0.0" in text
    qr_src = re.search(r'<img class="qr" src="([^"]+)"', text).group(1)
    qr = client.get(qr_src)
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(qr.get_data())  # well-formed XML whose root is an SVG drawing
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find(".//{http://www.w3.org/2000/svg}path") is not None
    assert "Rentrée 2026" in page(client.get("/ateliers"))


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "format_key": "freins-leviers"}, "Donnez un titre à l'atelier."),
    ({"title": "   ", "format_key": "freins-leviers"}, "Donnez un titre à l'atelier."),
    ({"title": "T" * 201, "format_key": "freins-leviers"}, "200"),
    ({"title": "Atelier", "format_key": "inconnu"}, "N'est pas un choix valide."),
    ({"title": "Atelier", "format_key": "freins-leviers", "held_on": "demain"}, "N'est pas une date valide."),
])
def test_create_workshop_form_shows_field_errors(client, make_user, login, data, message):
    login(make_user("facilitator"))
    response = client.post("/ateliers/nouveau", data=data)
    assert response.status_code == 200
    text = page(response)
    assert 'class="field-error"' in text
    assert message in text
    assert "Aucun atelier pour l'instant." in page(client.get("/ateliers"))


def test_members_cannot_create_workshops(client, make_user, login):
    login(make_user("member"))
    assert client.get("/ateliers/nouveau").status_code == 403
    assert client.post("/ateliers/nouveau", data={"title": "X", "format_key": "freins-leviers"}).status_code == 403


def test_room_screen_is_for_the_workshops_facilitator(client, make_user, login, make_workshop):
    workshop = make_workshop(make_user("facilitator"))
    login(make_user("facilitator"))
    assert client.get(f"/ateliers/{workshop['id']}/salle").status_code == 403
    assert client.get(f"/ateliers/{workshop['id']}/qr.svg").status_code == 403
    missing = client.get("/ateliers/9999/salle")
    assert missing.status_code == 404 and "Atelier introuvable." in page(missing)


# --- Joining by code ------------------------------------------------------------------------------


def test_join_by_code_accepts_lower_case_and_dash(client, make_user, make_workshop):
    code = make_workshop(make_user("facilitator"), "Café des parents")["code"]
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    response = client.get("/rejoindre", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{code}")
    board = client.get(f"/j/{code}")
    assert board.status_code == 200
    assert "Café des parents" in page(board)
    assert client.get(f"/j/{code.lower()}").headers["Location"].endswith(f"/j/{code}")


@pytest.mark.parametrize("path", ["/rejoindre?code=ZZZZ-ZZZZ", "/j/ZZZZZZZZ", "/rejoindre?code=%C3%A9t%C3%A9"])
def test_unknown_code_gives_a_clear_french_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    text = page(response)
    assert "Aucun atelier ne porte ce code." in text
    assert "Rejoindre" in text


@pytest.mark.parametrize("query", ["", "?code=", "?code=" + "A" * 21])
def test_empty_or_overlong_code_is_a_field_error(client, query):
    response = client.get("/rejoindre" + query)
    assert response.status_code == 400
    assert 'class="field-error"' in page(response)


@pytest.mark.parametrize("app_config", [{"JOIN_FAILURE_RATE": "3/minute", "FAILURE_DELAY_BASE": 1.0}])
def test_failed_join_attempts_are_slowed_down_per_address(client, make_user, make_workshop):
    """Issue #11 point 6: wrong codes are answered later and later; the right code still joins at once."""
    code = make_workshop(make_user("facilitator"))["code"]
    guesser = {"REMOTE_ADDR": "198.51.100.1"}
    for guess in ("AAAAAAAA", "BBBBBBBB"):
        assert client.get(f"/j/{guess}", environ_base=guesser).status_code == 404
    started = time.monotonic()
    slowed = client.get("/rejoindre?code=CCCCCCCC", environ_base=guesser)
    assert slowed.status_code == 404 and time.monotonic() - started >= 1.0
    assert "Aucun atelier ne porte ce code" in page(slowed)
    started = time.monotonic()
    assert client.get(f"/rejoindre?code={code}", environ_base=guesser).status_code == 302
    assert time.monotonic() - started < 1.0  # the right code does not wait
    # Someone else in another place still joins; successes are not counted.
    other = {"REMOTE_ADDR": "198.51.100.2"}
    for _ in range(5):
        assert client.get(f"/j/{code}", environ_base=other).status_code == 200


# --- Error pages ----------------------------------------------------------------------------------


def test_404_page_is_french(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in page(response) and "Cette page n'existe pas (ou plus)." in page(response)


def test_errors_answer_json_to_programs(client):
    response = client.get("/nulle-part", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"ok": False, "error": {"code": "not_found",
                                                          "message": "Cette page n'existe pas (ou plus)."}}


def test_500_page_is_french_and_hides_the_error(app, client, caplog):
    def broken():
        raise RuntimeError("secret interne")

    app.add_url_rule("/test-panne", "test_panne", broken)
    response = client.get("/test-panne")
    assert response.status_code == 500
    text = page(response)
    assert "Une erreur est survenue de notre côté." in text
    assert "secret interne" not in text
    assert "RuntimeError" in caplog.text  # logged for the people who run the server


@pytest.mark.fresh_database
def test_a_broken_database_gives_the_french_500_page(app, client, make_user, login):
    login(make_user("facilitator"))
    with app.app_context():
        db.session.execute(db.text("DROP TABLE board_column"))
        db.session.commit()
    response = client.post("/ateliers/nouveau", data={"title": "Atelier", "format_key": "freins-leviers"})
    assert response.status_code == 500
    assert "Une erreur est survenue de notre côté." in page(response)


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/rejoindre?code=%00%01", None),
    ("get", "/j/%F0%9F%98%80", None),
    ("get", "/j/" + "A" * 500, None),
    ("get", "/?lang=xx", None),
    ("post", "/connexion", {"email": "x" * 5000, "password": "y" * 5000}),
    ("post", "/connexion", {"email": ["a", "b"], "password": "\x00"}),
    ("post", "/ateliers/nouveau", {"title": "\x00\x01", "format_key": "freins-leviers"}),
    ("post", "/ateliers/nouveau", {"title": "Atelier", "format_key": "freins-leviers", "held_on": "2026-02-31"}),
    ("post", "/ateliers/nouveau", {"title": "Atelier", "format_key": "freins-leviers", "description": "d" * 6000}),
    ("post", "/admin/comptes/abc/desactiver", None),
    ("get", "/ateliers/-1/salle", None),
    ("get", "/ateliers/99999999999999999999/salle", None),
    ("get", "/fiches/9223372036854775808", None),
    ("get", "/structures/99999999999999999999", None),
])
def test_no_input_gives_a_500(client, make_user, login, method, path, data):
    login(make_user("admin"))
    response = getattr(client, method)(path, data=data)
    assert response.status_code < 500, page(response)
    assert '<html lang="' in page(response) or response.status_code in (301, 302, 308)


def test_control_characters_in_a_title_are_a_field_error(client, make_user, login):
    login(make_user("facilitator"))
    response = client.post("/ateliers/nouveau", data={"title": "Ate\x00lier", "format_key": "freins-leviers"})
    assert response.status_code == 200
    assert "caractères invalides" in page(response)
    assert "Aucun atelier pour l'instant." in page(client.get("/ateliers"))


def test_room_screen_does_not_warn_when_phones_can_reach_the_join_link(app, client, make_user, login, make_workshop):
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    app.config["TRUSTED_HOSTS"] = None
    user = make_user("facilitator")
    login(user)
    workshop = make_workshop(user)
    text = page(client.get(f"/ateliers/{workshop['id']}/salle"))
    assert "http://192.168.1.20:5000/j/" in text
    assert 'data-testid="room-loopback"' not in text
