"""Account rules (workshop.accounts.service): creation, authentication, disabling."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.errors import Forbidden, ValidationError


def test_create_user_normalises_email_and_hashes_password(session):
    user = accounts.create_user(session, "  Nadia.Ben@Exemple.FR ", " Nadia Ben ", "facilitator", PASSWORD)
    assert user.id is not None
    assert user.email == "nadia.ben@exemple.fr"
    assert user.name == "Nadia Ben"
    assert user.role == "facilitator" and user.can_facilitate and not user.is_admin
    assert user.active
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")


def test_duplicate_email_is_refused_whatever_its_case(session):
    accounts.create_user(session, "karim@exemple.fr", "Karim", "member", PASSWORD)
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(session, "KARIM@exemple.fr", "Karim bis", "member", PASSWORD)
    assert caught.value.field == "email"
    assert "existe déjà" in caught.value.message
    assert len(accounts.list_users(session)) == 1


@pytest.mark.parametrize(
    ("email", "name", "role", "password", "field", "words"),
    [
        ("pas-une-adresse", "X", "member", PASSWORD, "email", "invalide"),
        ("a@exemple.fr", "   ", "member", PASSWORD, "name", "entre 1 et 120"),
        ("a@exemple.fr", "X" * 121, "member", PASSWORD, "name", "entre 1 et 120"),
        ("a@exemple.fr", "X", "superuser", PASSWORD, "role", "Rôle inconnu"),
        ("a@exemple.fr", "X", "member", "court", "password", "au moins 8"),
        ("a@exemple.fr", "X", "member", "", "password", "au moins 8"),
    ],
)
def test_bad_account_fields_are_refused_with_a_french_message(session, email, name, role, password, field, words):
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(session, email, name, role, password)
    assert caught.value.field == field
    assert words in caught.value.message
    assert accounts.list_users(session) == []


def test_authenticate_accepts_the_right_password_and_records_the_login(session):
    created = accounts.create_user(session, "samia@exemple.fr", "Samia", "facilitator", PASSWORD)
    user = accounts.authenticate(session, " SAMIA@exemple.fr", PASSWORD)
    assert user.id == created.id
    assert user.last_login_at is not None


@pytest.mark.parametrize(("email", "password"), [("samia@exemple.fr", "mauvais-mot"), ("inconnu@exemple.fr", PASSWORD),
                                                 ("samia@exemple.fr", "")])
def test_wrong_password_and_unknown_email_get_the_same_message(session, email, password):
    accounts.create_user(session, "samia@exemple.fr", "Samia", "facilitator", PASSWORD)
    with pytest.raises(ValidationError) as caught:
        accounts.authenticate(session, email, password)
    assert caught.value.message == "Adresse e-mail ou mot de passe incorrect."


def test_disabled_account_cannot_log_in_but_wrong_password_does_not_reveal_it(session):
    admin = accounts.create_user(session, "admin@exemple.fr", "Claire", "admin", PASSWORD)
    user = accounts.create_user(session, "elodie@exemple.fr", "Élodie", "member", PASSWORD)
    accounts.set_active(session, admin, user.id, False)
    with pytest.raises(Forbidden) as caught:
        accounts.authenticate(session, "elodie@exemple.fr", PASSWORD)
    assert "désactivé" in caught.value.message
    with pytest.raises(ValidationError):
        accounts.authenticate(session, "elodie@exemple.fr", "mauvais-mot")
    accounts.set_active(session, admin, user.id, True)
    assert accounts.authenticate(session, "elodie@exemple.fr", PASSWORD).id == user.id


def test_only_an_admin_disables_accounts_and_not_their_own(session):
    admin = accounts.create_user(session, "admin@exemple.fr", "Claire", "admin", PASSWORD)
    facilitator = accounts.create_user(session, "samia@exemple.fr", "Samia", "facilitator", PASSWORD)
    with pytest.raises(Forbidden):
        accounts.set_active(session, facilitator, admin.id, False)
    with pytest.raises(ValidationError):
        accounts.set_active(session, admin, admin.id, False)
    assert session.get(User, admin.id).active
    assert session.get(User, facilitator.id).active


def test_profile_takes_a_clean_name_and_a_staff_language(session):
    user = accounts.create_user(session, "ines@exemple.fr", "Inès", "member", PASSWORD)
    accounts.update_profile(session, user, "  Inès Martin ", "en")
    assert (user.name, user.language) == ("Inès Martin", "en")
    for name, language, field in (("Inès", "ar", "language"), ("", "fr", "name"), ("x" * 121, "fr", "name")):
        with pytest.raises(ValidationError) as caught:
            accounts.update_profile(session, user, name, language)
        assert caught.value.field == field
    assert (user.name, user.language) == ("Inès Martin", "en")


def test_a_new_password_ends_every_session_and_keeps_the_length_rules(session):
    user = accounts.create_user(session, "samia@exemple.fr", "Samia", "member", PASSWORD)
    before = session.scalar(select(User.session_version).where(User.id == user.id))
    for weak in ("court", "x" * (accounts.MAX_PASSWORD + 1)):
        with pytest.raises(ValidationError):
            accounts.set_password(session, user, weak)
    accounts.set_password(session, user, "nouveau-secret")
    assert session.scalar(select(User.session_version).where(User.id == user.id)) == before + 1
    assert accounts.authenticate(session, user.email, "nouveau-secret") is user
