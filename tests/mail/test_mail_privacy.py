"""What the mail domain keeps about a person is in the account's export, goes with its erasure, and is purged
after 90 days; links declared on the map and membership claims reach the coordinators."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from tests.mail.smtp import link_in, subject
from workshop.extensions import db
from workshop.mail import personal
from workshop.mail.models import AccountToken, Invitation, MailMessage
from workshop.mail.tokens import now
from workshop.notifications.models import Notification


def test_account_export_and_erasure_cover_mail_log_invitations_and_notifications(app, runner, client, make_user,
                                                                                 login, smtp):
    assert runner.invoke(args=["invite-user", "zoe@exemple.fr", "--name", "Zoé"]).exit_code == 0
    link = smtp.wait_for("zoe@exemple.fr")
    path = urlsplit(link_in(link, "/invitation/")).path
    assert client.post(path, data={"password": "un-long-secret", "confirm": "un-long-secret"}).status_code == 302
    client.post("/mot-de-passe-oublie", data={"email": "zoe@exemple.fr"})
    smtp.wait_for("zoe@exemple.fr", count=2)

    exported = runner.invoke(args=["privacy-export", "--account", "zoe@exemple.fr"])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)["mail"]
    assert [m["subject"] for m in data["mail_messages"]] == ["Invitation à rejoindre Passerelles",
                                                            "Réinitialiser votre mot de passe Passerelles"]
    assert data["invitations"][0]["state"] == "accepted" and data["language"] == "fr"

    assert runner.invoke(args=["privacy-erase", "--account", "zoe@exemple.fr", "--yes"]).exit_code == 0
    with app.app_context():
        for model in (MailMessage, Invitation, AccountToken):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_old_mail_records_are_purged(app, runner, smtp):
    runner.invoke(args=["invite-user", "old@exemple.fr", "--name", "Ancien"])
    runner.invoke(args=["invite-user", "new@exemple.fr", "--name", "Récent"])
    with app.app_context():
        old = now() - timedelta(days=personal.KEEP_DAYS + 1)
        db.session.execute(update(MailMessage).where(MailMessage.recipient == "old@exemple.fr")
                           .values(created_at=old))
        db.session.execute(update(Invitation).where(Invitation.email == "old@exemple.fr").values(expires_at=old))
        counts = personal.purge_old(db.session, now())
        db.session.commit()
        assert counts["mail_messages"] == 1 and counts["invitations"] == 1
        assert db.session.scalars(select(MailMessage.recipient)).all() == ["new@exemple.fr"]


def test_a_membership_claim_reaches_the_coordinators_of_the_structures_network(app, client, login, people, smtp):
    from workshop.mapping.models import Structure, structure_network
    from workshop.networks.models import Network

    with app.app_context():
        network = db.session.get(Network, people.net_ef)
        school = Structure(kind="ecole_primaire", name="École Jules-Ferry", networks=[network])
        centre = Structure(kind="centre_social", name="Centre social des Tilleuls", networks=[network])
        db.session.add_all([school, centre])
        db.session.commit()
        school_id, centre_id = school.id, centre.id
        assert db.session.scalar(select(func.count()).select_from(structure_network)) == 2
    login(people.other)
    assert client.post(f"/structures/{school_id}/membres/demander").status_code == 302
    claim = smtp.wait_for("coord_ef@exemple.fr")
    assert subject(claim) == ("Une demande de rattachement à une structure attend votre validation : "
                              "Other — École Jules-Ferry")
    assert smtp.to("coord_cs@exemple.fr") == []  # not their network
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert "membership_claim" in kinds
    with app.test_request_context():  # what the map's "declare a link" view calls before it commits
        from workshop.accounts.models import User
        from workshop.mapping.models import Link
        from workshop.notifications import hooks

        link = Link(source_id=school_id, target_id=centre_id, pair_low=school_id, pair_high=centre_id)
        db.session.add(link)
        db.session.flush()
        assert hooks.link_declared(db.session, db.session.get(User, people.other.id), link) == 2  # coord + admin
        db.session.commit()
    declared = smtp.wait_for("coord_ef@exemple.fr", count=2)
    assert subject(declared) == ("Un lien entre structures attend votre validation : "
                                 "École Jules-Ferry — Centre social des Tilleuls")
