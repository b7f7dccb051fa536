"""A participant's profile is theirs: in their export, gone with their erasure; memberships in account exports."""

from __future__ import annotations

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Participant
from workshop.extensions import db
from workshop.peergroups import service as groups
from workshop.privacy.exports import export_account


def test_profile_in_the_export_and_gone_with_the_erasure(app, client, session, facilitator, make_structure):
    school = make_structure("École Jean Jaurès")
    user = db.session.get(User, facilitator.id)
    workshop = boards.create_workshop(session, user, "Atelier profil")
    joined = boards.join(session, {"code": workshop.code, "name": "Nadia",
                                   "profile": {"kind": "school", "structure_id": school}})
    group = groups.create_group(session, user, "Groupe Jaurès")
    session.commit()
    payload = {"code": workshop.code, "token": joined.token}
    data = client.post("/api/donnees-personnelles/export", json=payload).get_json()["data"]
    assert data["participant"]["profile"] == "school"
    assert data["participant"]["structure"] == {"id": school, "name": "École Jean Jaurès"}
    assert export_account(session, user)["peer_groups"] == [{"id": group.id, "name": "Groupe Jaurès",
                                                              "role": "facilitator"}]
    assert client.post("/api/donnees-personnelles/effacer", json=payload).get_json()["ok"]
    db.session.expire_all()
    seat = db.session.get(Participant, joined.participant.id)
    assert seat.profile is None and seat.structure_id is None
