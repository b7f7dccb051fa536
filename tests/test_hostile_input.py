"""Issue #11, points 7 and 8: the Host header, login redirects, names that hide or turn text, CLI bounds and the
files of instance/."""

from __future__ import annotations

import re
import stat
import unicodedata

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, make_config
from workshop import config
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.validation import clean_name, clean_text


def page(response) -> str:
    return response.get_data(as_text=True)


# --- Login: only same-site paths after login ------------------------------------------------------------


@pytest.mark.parametrize("raw_next", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "//evil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "/\\evil.example", "https:evil.example", "https://evil.example/x", "%2F%2Fevil.example",
    "/%20/evil.example", "javascript:alert(1)", "/%00/evil.example",
])
def test_login_never_redirects_off_site(client, make_user, raw_next):
    user = make_user("facilitator")
    response = client.post(f"/connexion?next={raw_next}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ateliers"


def test_login_still_goes_back_to_a_same_site_page(client, make_user):
    user = make_user("facilitator")
    response = client.post("/connexion?next=/fiches%3Fq%3Dparents", data={"email": user.email,
                                                                          "password": PASSWORD})
    assert response.headers["Location"] == "/fiches?q=parents"


# --- Names: nothing invisible, no direction override, no control character ----------------------------


INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\ufeff", "\u2060\u00ad", " \u3164 ", "\u034f", "\u2800"]
TURNING = ["Nadia\u202eexe.jpg", "\u202dNadia", "Karim\u2066x\u2069", "\u2067Léa", "a\u202ab"]
CONTROL = ["Na\x00dia", "Nadia\x07", "Nadia\nKarim", "Nadia\tKarim", "Na\x85dia"]


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_only_names_are_refused_as_empty(name):
    with pytest.raises(ValidationError) as refused:
        clean_name(name, "name", max_len=60, label="Prénom ou pseudo")
    assert refused.value.code == "invalid" and "est vide" in refused.value.message


@pytest.mark.parametrize("name", TURNING + CONTROL)
def test_names_with_bidi_or_control_characters_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        clean_name(name, "name", max_len=60, label="Prénom ou pseudo")
    assert refused.value.to_dict() == {"code": "invalid", "field": "name",
                                       "message": "Le champ « Prénom ou pseudo » contient des caractères invalides."}


def test_real_names_and_texts_pass_unchanged():
    for name in ("Nadia", "Jean-Érick O'Brien", "محمد", "שרה", "李雷", "👩🏽‍🏫 Fatou", "Zoë\u0301"):
        assert clean_name(name, "name", max_len=60) == unicodedata.normalize("NFC", name)
    assert clean_text("Deux lignes\npour un post-it", "text", max_len=500) == "Deux lignes\npour un post-it"
    with pytest.raises(ValidationError):
        clean_text("post-it \u202e retourné", "text", max_len=500)  # card text: no direction override either


def test_participant_account_group_and_framework_names_are_checked(app, make_user, make_workshop):
    from workshop.accounts import service as accounts
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.facilitation.arrange import group_name
    from workshop.frameworks import service as frameworks

    admin = make_user("admin")
    workshop = make_workshop(make_user("facilitator"))
    with app.test_request_context():
        for name in ("\u200b\u200b", "Nadia\u202eexe.jpg", "Na\x00dia"):
            with pytest.raises(ValidationError) as joined:
                boards.join(db.session, {"code": workshop["code"], "name": name})
            assert joined.value.field == "name"
            with pytest.raises(ValidationError) as account:
                accounts.create_user(db.session, "x@exemple.fr", name, "member", PASSWORD)
            assert account.value.field == "name"
            with pytest.raises(ValidationError) as framework:
                frameworks.save_framework(db.session, db.session.get(User, admin.id), "dispositif_x", name)
            assert framework.value.field == "label"
        with pytest.raises(ValidationError):
            group_name("Groupe\u202e")
        assert group_name("\u200b") == ""  # a group may have no name: an invisible one is none
        assert boards.join(db.session, {"code": workshop["code"], "name": " Nadia "}).participant.name == "Nadia"
        db.session.rollback()


# --- Host header, public URL, trusted hosts ---------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": "", "HOST": "127.0.0.1", "PORT": "5000"}])
def test_join_links_and_qr_codes_never_take_the_requests_host(app, client, make_user, login, make_workshop):
    facilitator = make_user("facilitator")
    workshop = make_workshop(facilitator)
    login(facilitator)
    room = client.get(f"/ateliers/{workshop['id']}/salle", headers={"Host": "localhost:8080"})
    assert room.status_code == 200
    raw = workshop["code"].replace("-", "")
    assert f"http://127.0.0.1:5000/j/{raw}" in page(room)
    assert "localhost:8080" not in page(room)
    qr = client.get(re.search(r'<img class="qr" src="([^"]+)"', page(room)).group(1),
                    headers={"Host": "localhost:8080"})
    assert qr.status_code == 200 and b"localhost" not in qr.data


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "localhost.evil.example", "a b"])
def test_a_request_for_an_unknown_host_is_refused_in_french(client, host):
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert page(response) == "Requête invalide."
    answer = client.get("/api/carte.geojson", headers={"Host": host, "Accept": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid"


def test_trusted_hosts_come_from_the_public_url_and_the_bind_address(monkeypatch):
    monkeypatch.setattr(config, "lan_address", lambda: "192.168.1.20")
    monkeypatch.setattr(config.socket, "gethostname", lambda: "portable")
    assert config.trusted_hosts("https://passerelles.exemple.fr", "0.0.0.0", ["alias.exemple.fr"]) == \
        ["passerelles.exemple.fr", "192.168.1.20", "portable", "localhost", "127.0.0.1", "alias.exemple.fr"]
    assert config.trusted_hosts("http://10.0.0.5:5000", "10.0.0.5") == ["10.0.0.5", "localhost", "127.0.0.1"]
    assert config.default_public_url("10.0.0.5", "8000") == "http://10.0.0.5:8000"
    # `make run HOST=0.0.0.0`: the join link a phone in the room can open (the LAN address), not the bind address
    assert config.default_public_url("0.0.0.0", "5000") == "http://192.168.1.20:5000"
    monkeypatch.setattr(config, "lan_address", lambda: None)  # no network: the machine's name
    assert config.default_public_url("0.0.0.0", "5000") == "http://portable:5000"


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": "https://passerelles.exemple.fr"}])
def test_the_configured_public_host_is_served(client):
    assert client.get("/", headers={"Host": "passerelles.exemple.fr"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200


# --- CLI arguments are bounded -------------------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    (["--structures", "99999999999"], "hors des bornes permises (0 à 20000)"),
    (["--practices", "20001"], "hors des bornes permises"),
    (["--practices", "-1"], "hors des bornes permises"),
    (["--structures", "1e9"], "n'est pas un nombre entier"),
    (["--structures", "²"], "n'est pas un nombre entier"),
])
def test_seed_demo_refuses_unbounded_numbers_in_french(app, runner, args, words):
    from workshop.boards.models import Workshop

    result = runner.invoke(args=["seed-demo", *args])
    assert result.exit_code != 0
    assert words in result.output
    with app.app_context():
        assert db.session.scalars(select(Workshop)).first() is None  # refused before anything runs


# --- instance/: the secret key and the database are private ---------------------------------------------


def test_secret_key_and_instance_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "instance")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = config._secret_key()
    assert len(key) > 40 and config._secret_key() == key  # kept across restarts
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "instance" / "secret_key").stat().st_mode) == 0o600
    (tmp_path / "instance").chmod(0o755)  # made by an older version: tightened at the next start
    (tmp_path / "instance" / "secret_key").chmod(0o644)
    assert config._secret_key() == key
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "instance" / "secret_key").stat().st_mode) == 0o600


def test_sqlite_database_is_created_private(tmp_path):
    from workshop import create_app

    path = tmp_path / "passerelles.db"
    app = create_app(make_config(tmp_path, f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.session.execute(db.text("SELECT 1"))
        db.session.remove()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for companion in tmp_path.glob("passerelles.db-*"):  # -wal, -shm
        assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0, companion.name
