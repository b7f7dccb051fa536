"""Trials of practice sheets through the real SMTP server: a trial recorded reaches who may decide on it (the
queue's rule: admins and the coordinators of the structure's networks) by their mail choices; the decision reaches
the author, with the reason of a refusal."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.mail.smtp import html_of, link_in, subject, text_of
from tests.trials.conftest import trial_data, world  # noqa: F401  (the trial tests' fixture)
from workshop.accounts.models import User
from workshop.extensions import db
from workshop.notifications import service as notifications
from workshop.trials.models import Trial


def _record(client, world, structure: int) -> None:  # noqa: F811
    response = client.post(f"/fiches/{world.sheet}/essais/nouveau", data=trial_data(structure))
    assert response.status_code == 302


def _last_trial(app) -> int:
    with app.app_context():
        return db.session.query(Trial.id).order_by(Trial.id.desc()).limit(1).scalar()


def test_a_trial_reaches_the_structures_coordinators_and_the_decision_its_author(app, client, login, world, smtp):  # noqa: F811
    with app.app_context():
        account = db.session.get(User, world.coord_cs.id)
        account.language = "en"
        db.session.commit()
    login(world.member)
    _record(client, world, world.centre)
    english = smtp.wait_for("coord_cs@exemple.fr")
    assert subject(english) == ("A trial of a practice sheet is waiting for your approval: "
                                "Café des parents du vendredi — Centre social des Tilleuls")
    assert "http://localhost/essais/a-valider" in text_of(english)
    assert "Stop receiving this kind of message" in html_of(english)
    assert "jamais sont venus" not in text_of(english)  # the free text stays on the site
    smtp.wait_for("admin@exemple.fr")
    assert smtp.to("coord_ef@exemple.fr") == [] and smtp.to("member@exemple.fr") == []  # other network / self

    coordinator = app.test_client()
    coordinator.post("/connexion", data={"email": "coord_cs@exemple.fr", "password": "motdepasse-1"})
    trial_id = _last_trial(app)
    assert coordinator.post(f"/essais/{trial_id}/refuser",
                            data={"reason": "Merci de préciser <b>la structure</b>."}).status_code == 302
    refused = smtp.wait_for("member@exemple.fr")
    assert subject(refused) == "Décision sur votre essai d'une fiche pratique : Café des parents du vendredi"
    assert "refusé. Raison : Merci de préciser <b>la structure</b>." in text_of(refused)
    assert "<b>la" not in html_of(refused) and "&lt;b&gt;la structure" in html_of(refused)  # plain text, escaped
    assert f"http://localhost/fiches/{world.sheet}#essais" in text_of(refused)

    _record(client, world, world.centre2)
    smtp.wait_for("coord_cs@exemple.fr", count=2)
    assert coordinator.post(f"/essais/{_last_trial(app)}/valider", data={}).status_code == 302
    approved = smtp.wait_for("member@exemple.fr", count=2)
    assert "validé : il est visible et compté" in text_of(approved)

    # The author turns decisions off from the message's own link: the next decision is not mailed.
    unsubscribe = urlsplit(link_in(approved, "/desabonnement/")).path
    assert "C'est fait" in app.test_client().post(unsubscribe).get_data(as_text=True)
    _record(client, world, world.centre)
    smtp.wait_for("coord_cs@exemple.fr", count=3)
    coordinator.post(f"/essais/{_last_trial(app)}/valider", data={})
    smtp.wait_for("admin@exemple.fr", count=3)
    assert len(smtp.to("member@exemple.fr")) == 2


def test_a_school_trial_reaches_the_school_networks_coordinator_or_waits_for_their_digest(app, client, login,
                                                                                          world, smtp):  # noqa: F811
    with app.app_context():
        notifications.choose(db.session, db.session.get(User, world.coord_ef.id), list(notifications.KINDS), True)
        db.session.commit()
    login(world.member)
    _record(client, world, world.school)
    smtp.wait_for("admin@exemple.fr")
    assert smtp.to("coord_cs@exemple.fr") == []  # not a structure of their network
    assert smtp.to("coord_ef@exemple.fr") == []  # waits for the daily digest
    with app.app_context():
        assert notifications.send_digests(db.session) == 1
        db.session.commit()
    digest = smtp.wait_for("coord_ef@exemple.fr")
    assert "École élémentaire Jules-Ferry" in text_of(digest)
