"""Registrations in the privacy tools: the personal export and erasure, account erasure, the retention purge."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.meetings.models import Meeting, Registration
from workshop.privacy import exports, people
from workshop.privacy.retention import purge_expired


def _token(client, meeting_id, name, **extra) -> str:
    response = client.post(f"/rencontres/{meeting_id}/inscription", data={"name": name, "profile_kind": "parent",
                                                                          **extra})
    return re.search(r"/rencontres/inscription/([\w-]+)", response.headers["Location"]).group(1)


def test_personal_export_and_erasure_move_the_waiting_list_up(client, app, meeting_id):
    first = _token(client, meeting_id, "Awa Diallo", email="awa@exemple.fr", needs="Fauteuil roulant")
    _token(app.test_client(), meeting_id, "Jules")
    waiting = _token(app.test_client(), meeting_id, "Inès")
    data = client.get(f"/rencontres/inscription/{first}/donnees.json").get_json()["registration"]
    assert data["email"] == "awa@exemple.fr" and data["needs"] == "Fauteuil roulant"
    assert client.post(f"/rencontres/inscription/{first}/effacer").status_code == 302
    assert client.get(f"/rencontres/inscription/{first}").status_code == 404
    with app.app_context():
        names = list(db.session.scalars(select(Registration.name).where(Registration.email.is_not(None))))
        assert names == [] and db.session.scalar(select(Registration.status).where(Registration.name == "Inès")) \
            == "registered"
    assert client.get(f"/rencontres/inscription/{waiting}").status_code == 200


def test_account_export_and_erasure_cover_registrations_by_email(app, session, meeting_id, make_user, client):
    user = make_user("member", email="karim@exemple.fr")
    _token(client, meeting_id, "Karim", email="karim@exemple.fr")
    account = session.get(User, user.id)
    assert exports.export_account(session, account)["meeting_registrations"][0]["name"] == "Karim"
    people.erase_account(session, account)
    assert session.scalar(select(Registration.email)) is None


def test_retention_purge_blanks_registrations_of_old_meetings(session, meeting_id, client):
    _token(client, meeting_id, "Awa", email="awa@exemple.fr")
    meeting = session.get(Meeting, meeting_id)
    now = meeting.ends_at + timedelta(days=25 * 31)
    assert purge_expired(session, now, dry_run=True)["registrations"] == 1
    assert session.scalar(select(Registration.name)) == "Awa"
    assert purge_expired(session, now)["registrations"] == 1
    assert session.scalar(select(Registration.email)) is None
    assert purge_expired(session, meeting.ends_at + timedelta(days=30))["registrations"] == 0
