"""Peer group invitations in Chromium: the facilitator invites by e-mail from the group's page; the invitee opens
the link on a phone and answers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import log_in
from tests.serverproc import SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _app(database_url: str):
    from workshop import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                       "SOCKETIO_ASYNC_MODE": "threading"})


def _group(database_url: str, email: str) -> int:
    from sqlalchemy import select

    from workshop.accounts.models import User
    from workshop.extensions import db
    from workshop.peergroups import service

    app = _app(database_url)
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        group = service.create_group(db.session, user, "Pairs des Tilleuls", purpose="Parents et école",
                                     place="Centre social des Tilleuls")
        service.next_session(db.session, user, group, date.today() + timedelta(days=10))
        db.session.commit()
        group_id = group.id
        db.session.remove()
        db.engine.dispose()
    return group_id


def _link_sent_to(database_url: str, address: str) -> str:
    """The server has no SMTP server here: the message is in the mail log, as it would have been sent."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.mail.models import MailMessage

    app = _app(database_url)
    with app.app_context():
        body = db.session.scalar(select(MailMessage.body_text).where(MailMessage.recipient == address))
        db.session.remove()
        db.engine.dispose()
    return urlsplit(re.search(r"https?://\S+/groupes/invitation/\S+", body).group(0)).path


def test_facilitator_invites_from_the_group_page_and_the_invitee_answers_on_a_phone(live, new_page, shot):
    database_url = live.seeded.database_url
    group_id = _group(database_url, live.seeded.facilitator_email)
    samia = new_page(viewport={"width": 1366, "height": 900})
    serve_axe(samia.context)
    log_in(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    samia.goto(f"{live.url}/groupes/{group_id}")
    form = samia.get_by_test_id("invite-form")
    form.get_by_label("Adresses e-mail").fill("ines@exemple.fr")
    form.get_by_label("Début de la prochaine séance").fill("18:00")
    form.get_by_label("Fin", exact=True).fill("20:00")
    form.get_by_role("button", name="Envoyer les invitations").click()
    expect(samia.get_by_test_id("invitations")).to_contain_text("ines@exemple.fr en attente")
    assert_accessible(samia, "group-invitations@1366")
    samia.locator("section[aria-labelledby=invite-title]").scroll_into_view_if_needed()
    shot(samia, "group-invite-1366")

    ines = new_page(**PHONE)
    serve_axe(ines.context)
    ines.goto(live.url + _link_sent_to(database_url, "ines@exemple.fr"))
    expect(ines.get_by_test_id("invitation-session")).to_contain_text("18:00–20:00 · Centre social des Tilleuls")
    for width in (320, 390):
        ines.set_viewport_size({"width": width, "height": 740})
        assert ines.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        for name in ("answer-accept", "answer-decline", "answer-never"):
            assert ines.get_by_test_id(name).bounding_box()["height"] >= 44
        ines.get_by_test_id("answer-never").scroll_into_view_if_needed()
        shot(ines, f"group-invitation-{width}")
    assert_accessible(ines, "group-invitation@390")
    ines.get_by_test_id("answer-accept").click()
    expect(ines.get_by_test_id("invitation-status")).to_have_text("Vous avez répondu : je viens.")
    samia.reload()
    expect(samia.get_by_test_id("invitations")).to_contain_text("ines@exemple.fr vient")
