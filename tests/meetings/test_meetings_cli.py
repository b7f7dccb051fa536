"""The contract's CLI: create-meeting --json, export-restitution (PDF read back: attendance by profile and each
workshop's top items), and their refusals."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.accounts.models import User
from workshop.boards.models import Participant, Workshop
from workshop.extensions import db
from workshop.facilitation.models import Vote
from workshop.meetings import registration as registrations
from workshop.meetings.models import Meeting


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache"), "PDF_RENDER_INLINE": True}


def test_create_meeting_prints_the_contract_json(runner, organiser, app):
    result = runner.invoke(args=["create-meeting", "--title", "Rencontre de Roubaix", "--organiser", organiser.email,
                                 "--starts", "2027-03-14T09:30", "--workshops", "2", "--capacity", "30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"id", "code", "url", "workshops"} and data["url"] == f"/rencontres/{data['id']}"
    assert len(data["workshops"]) == 2
    assert all(set(w) == {"id", "code", "url"} and w["url"] == f"/j/{w['code']}" for w in data["workshops"])
    with app.app_context():
        meeting = db.session.get(Meeting, data["id"])
        assert meeting.public and meeting.registration_open and meeting.capacity == 30 and meeting.code == data["code"]
        assert all(db.session.get(Workshop, w["id"]).is_open for w in data["workshops"])
    assert app.test_client().get(data["url"]).status_code == 200


@pytest.mark.parametrize("args, message", [
    (["--organiser", "nobody@exemple.fr"], "Aucun compte"),
    (["--starts", "14/03/2027"], "ISO"),
    (["--workshops", "0"], "hors des bornes"),
    (["--capacity", "abc"], "pas un nombre"),
])
def test_create_meeting_refuses_bad_input(runner, organiser, args, message):
    base = {"--title": "R", "--organiser": organiser.email, "--starts": "2027-03-14T09:30", "--workshops": "2"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    result = runner.invoke(args=["create-meeting", *[x for kv in base.items() for x in kv]])
    assert result.exit_code != 0 and message in result.output


def test_export_restitution_reads_back_attendance_and_top_items(runner, app, organiser, tmp_path):
    created = json.loads(runner.invoke(args=[
        "create-meeting", "--title", "Rencontre de Tourcoing", "--organiser", organiser.email,
        "--starts", "2027-03-14T09:30", "--workshops", "2", "--json"]).output)
    with app.test_request_context():
        meeting = db.session.get(Meeting, created["id"])
        actor = db.session.get(User, organiser.id)
        texts = {created["workshops"][0]["id"]: "Un café des parents dans le hall",
                 created["workshops"][1]["id"]: "Une réunion de rentrée commune"}
        for index, (kind, name) in enumerate((("school", "Awa"), ("social_centre", "Jules"), ("parent", "Inès"))):
            person, _ = registrations.register(db.session, meeting, {
                "name": name, "profile_kind": kind, "workshop_id": created["workshops"][index % 2]["id"]})
            if kind != "parent":
                registrations.check_in(db.session, actor, meeting, person)
                workshop, _ = registrations.open_board(db.session, person)
                db.session.commit()
                seat = db.session.get(Participant, person.participant_id)
                card = act(db.session, seat, "card.add", {"client_id": uuid.uuid4().hex, "column": "lever",
                                                          "text": texts[workshop.id]}).card
                db.session.add(Vote(workshop_id=workshop.id, participant_id=seat.id, target_kind="card",
                                    target_id=card["id"]))
        db.session.commit()
    output = tmp_path / "restitution.pdf"
    result = runner.invoke(args=["export-restitution", str(created["id"]), "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = flat(" ".join(page_texts(read_pdf(output.read_bytes())))).replace("\xa0", " ")
    assert "Rencontre de Tourcoing" in text
    assert "INSCRIT·ES : 3" in text.upper() and "PRÉSENT·ES : 2" in text.upper()
    assert "École, collège 1 1" in text and "Parent 1 0" in text
    assert "Un café des parents dans le hall" in text and "Une réunion de rentrée commune" in text
    bad = runner.invoke(args=["export-restitution", "abc", "--output", str(output)])
    assert bad.exit_code != 0 and "invalide" in bad.output
    missing = runner.invoke(args=["export-restitution", "99999", "--output", str(output)])
    assert missing.exit_code != 0 and "Aucune rencontre" in missing.output
