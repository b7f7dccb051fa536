"""The commands of the contract: create-user, create-workshop, seed-demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.board_helpers import act
from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Card, Participant, Workshop
from workshop.extensions import db


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_creates_an_account_that_can_log_in(app, runner):
    result = runner.invoke(args=["create-user", "Samia@Exemple.fr", "--name", "Samia", "--role", "facilitator",
                                 "--password", "un-bon-mot"])
    assert result.exit_code == 0, result.output
    assert "samia@exemple.fr" in result.output
    with app.test_request_context():
        user = accounts.authenticate(db.session, "samia@exemple.fr", "un-bon-mot")
        assert (user.name, user.role) == ("Samia", "facilitator")


@pytest.mark.parametrize(("args", "message"), [
    (["x@exemple.fr", "--name", "X", "--role", "root", "--password", "un-bon-mot"], "'root' is not one of"),
    (["x@exemple.fr", "--name", "X", "--role", "member", "--password", "court"], "au moins 8 caractères"),
    (["pas-une-adresse", "--name", "X", "--role", "member", "--password", "un-bon-mot"], "Adresse e-mail invalide"),
    (["x@exemple.fr", "--name", "  ", "--role", "member", "--password", "un-bon-mot"], "entre 1 et 120"),
    (["x@exemple.fr", "--role", "member", "--password", "un-bon-mot"], "--name"),
])
def test_create_user_refuses_bad_input_with_a_clear_message(app, runner, args, message):
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(app, User) == 0


def test_create_user_refuses_a_duplicate(app, runner):
    args = ["create-user", "x@exemple.fr", "--name", "X", "--role", "member", "--password", "un-bon-mot"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Un compte existe déjà avec cette adresse." in result.output
    assert count(app, User) == 1


def test_create_workshop_json_gives_an_open_workshop_with_the_default_columns(app, runner, make_user):
    user = make_user("facilitator")
    result = runner.invoke(args=["create-workshop", "--title", "Café des parents", "--facilitator", user.email,
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"id", "code", "url"}
    assert data["url"] == f"/j/{data['code']}"
    with app.test_request_context():
        workshop = db.session.get(Workshop, data["id"])
        assert workshop.code == data["code"] and workshop.title == "Café des parents"
        assert workshop.is_open and workshop.facilitator_id == user.id
        assert [c.key for c in workshop.columns] == ["obstacle", "lever", "method"]
        nadia = boards.join(db.session, {"code": data["code"], "name": "Nadia"}).participant
        assert act(db.session, nadia, "card.add", {"client_id": "a", "column": "lever", "text": "Oui"}).event


@pytest.mark.parametrize(("args", "message"), [
    (["--title", "Atelier", "--facilitator", "inconnu@exemple.fr"], "Aucun compte pour inconnu@exemple.fr"),
    (["--title", "   ", "--facilitator", "{facilitator}"], "est vide"),
    (["--title", "Atelier", "--facilitator", "{member}"], "Seuls les animateur·rices"),
    (["--title", "Atelier", "--facilitator", "{facilitator}", "--template", "inconnu"], "'inconnu' is not one of"),
    (["--facilitator", "{facilitator}"], "--title"),
])
def test_create_workshop_refuses_bad_input(app, runner, make_user, args, message):
    emails = {"facilitator": make_user("facilitator").email, "member": make_user("member").email}
    result = runner.invoke(args=["create-workshop", *[a.format(**emails) for a in args], "--json"])
    assert result.exit_code != 0
    assert message in result.output
    assert count(app, Workshop) == 0


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "animatrice@passerelles.demo" in first.output
    counts = {model: count(app, model) for model in (User, Workshop, Participant, Card)}
    assert counts[Workshop] >= 1 and counts[Card] >= 5
    # The demo sheets of a commune on the demo map name its structures by id: the two pages link each other.
    assert "Fiches reliées aux structures de la carte qu'elles nomment : 0" not in first.output
    with app.app_context():
        from workshop.practices.models import Practice
        assert any(s.get("id") for p in db.session.query(Practice).filter_by(status="published")
                   for s in p.structures)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert {model: count(app, model) for model in counts} == counts
    with app.test_request_context():
        assert accounts.authenticate(db.session, "animatrice@passerelles.demo", "passerelles-demo").can_facilitate


@pytest.mark.slow  # a fresh interpreter imports the whole application
def test_the_real_command_line_prints_json(app, make_user):
    """`flask --app workshop create-workshop --json` as a script would call it, on the test database."""
    user = make_user("facilitator")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "cli-test"}
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "workshop",
                           "create-workshop", "--title", "Atelier du soir", "--facilitator", user.email, "--json"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["url"] == f"/j/{data['code']}"
    assert count(app, Workshop) == 1
