"""A peer group's facilitator invites people by e-mail to the group and its next session, read back from a real
SMTP server; the invitee answers from the link (coming, declining, never again); the address is exported and
erased with the person's data."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from tests.mail.smtp import html_of, link_in, subject, text_of
from workshop.accounts.models import User
from workshop.extensions import db
from workshop.mail.models import MailMessage
from workshop.peergroups import service
from workshop.peergroups.models import GroupInvitation, InvitationOptOut, PeerGroupMember
from workshop.privacy import exports, people


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _group_with_next_session(app, facilitator_id: int) -> tuple[int, str]:
    with app.test_request_context():
        user = db.session.get(User, facilitator_id)
        group = service.create_group(db.session, user, "Pairs de Roubaix", purpose="Parents et école",
                                     place="Centre social du Pile")
        workshop = service.next_session(db.session, user, group, date.today() + timedelta(days=7))
        db.session.commit()
        return group.id, workshop.code


def test_facilitator_invites_by_email_and_invitees_accept_decline_or_opt_out(app, client, make_user, login, smtp):
    facilitator = make_user("facilitator", name="Awa Diallo")
    member_account = make_user("member", email="karim@exemple.fr")
    group_id, code = _group_with_next_session(app, facilitator.id)
    login(facilitator)
    page = client.get(f"/groupes/{group_id}")
    assert "Les adresses servent uniquement à envoyer cette invitation" in _text(page)  # why the address is asked
    sent = client.post(f"/groupes/{group_id}/invitations", data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "starts_at": "18:00", "ends_at": "20:00",
        "emails": "Karim@Exemple.fr, lea@exemple.fr\nsam@exemple.fr ; lea@exemple.fr"})
    assert sent.status_code == 302

    message = smtp.wait_for("lea@exemple.fr")
    assert subject(message) == "Invitation au groupe de pairs « Pairs de Roubaix »"
    body = text_of(message)
    assert "Awa Diallo vous invite au groupe de pairs « Pairs de Roubaix »." in body
    assert "18:00 – 20:00" in body and "Où : Centre social du Pile" in body
    assert f"http://localhost/b/{code}" in body or f"/{code}" in body  # the session's board
    assert "Répondre à l'invitation" in html_of(message)
    [calendar] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    ics = calendar.get_content()
    day = (date.today() + timedelta(days=7)).strftime("%Y%m%d")
    assert f"DTSTART;TZID=Europe/Paris:{day}T180000" in ics and f"DTEND;TZID=Europe/Paris:{day}T200000" in ics
    assert "LOCATION:Centre social du Pile" in ics

    # Léa declines: this group cannot invite her again.
    lea = urlsplit(link_in(message, "/groupes/invitation/")).path
    answer_page = client.get(lea)
    assert "Votre réponse est attendue." in _text(answer_page)
    assert client.post(lea, data={"csrf_token": _csrf(answer_page.get_data(as_text=True)),
                                  "answer": "declined"}).status_code == 302
    assert "ce groupe ne vous invitera plus" in _text(client.get(lea))

    # Karim has an account: coming makes him a member.
    karim = urlsplit(link_in(smtp.wait_for("karim@exemple.fr"), "/groupes/invitation/")).path
    karim_page = client.get(karim)
    client.post(karim, data={"csrf_token": _csrf(karim_page.get_data(as_text=True)), "answer": "accepted"})
    assert "Vous avez répondu : je viens." in _text(client.get(karim))

    # Sam never wants an invitation again: his address goes, only its hash stays.
    sam = urlsplit(link_in(smtp.wait_for("sam@exemple.fr"), "/groupes/invitation/")).path
    sam_page = client.get(sam)
    gone = client.post(sam, data={"csrf_token": _csrf(sam_page.get_data(as_text=True)), "answer": "never"})
    assert "aucun groupe ne pourra plus vous inviter" in _text(gone)
    assert client.get(sam).status_code == 404

    with app.app_context():
        statuses = dict(db.session.execute(select(GroupInvitation.email, GroupInvitation.status)).all())
        assert statuses == {"karim@exemple.fr": "accepted", "lea@exemple.fr": "declined"}
        assert db.session.scalar(select(PeerGroupMember).where(PeerGroupMember.user_id == member_account.id))
        assert db.session.scalar(select(InvitationOptOut))
        assert not db.session.scalar(select(MailMessage).where(MailMessage.recipient == "sam@exemple.fr"))
        assert len(smtp.messages) == 3  # Léa once, though typed twice

    # Inviting again: Léa (declined), Sam (opted out) and Karim (a member now) are skipped.
    page = client.get(f"/groupes/{group_id}")
    assert "lea@exemple.fr" in _text(page) and "a décliné" in _text(page)
    again = client.post(f"/groupes/{group_id}/invitations", follow_redirects=True, data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "emails": "lea@exemple.fr sam@exemple.fr karim@exemple.fr"})
    assert "Pas d'invitation pour : lea@exemple.fr, sam@exemple.fr, karim@exemple.fr" in _text(again)
    assert len(smtp.messages) == 3

    bad = client.post(f"/groupes/{group_id}/invitations", data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "emails": "pas-une-adresse"})
    assert bad.status_code == 400 and "Adresse e-mail invalide : pas-une-adresse" in _text(bad)

    # The labels of the answers follow the reader's language.
    assert re.search(r"lea@exemple\.fr <span[^>]*>declined<", _text(client.get(f"/groupes/{group_id}?lang=en")))
    assert "You declined: this group will not invite you again." in _text(client.get(lea))


def test_invitations_are_in_the_account_export_and_go_with_its_erasure(app, make_user, smtp):
    facilitator = make_user("facilitator")
    invitee = make_user("member", email="nour@exemple.fr")
    group_id, _code = _group_with_next_session(app, facilitator.id)
    with app.test_request_context():
        from workshop.peergroups import invitations

        group = service.get_group(db.session, group_id)
        invitations.invite(db.session, db.session.get(User, facilitator.id), group, "nour@exemple.fr")
        db.session.commit()
        user = db.session.get(User, invitee.id)
        data = exports.export_account(db.session, user)["peer_group_invitations"]
        assert [(i["group"], i["status"]) for i in data["invitations"]] == [("Pairs de Roubaix", "pending")]
        people.erase_account(db.session, user)
        db.session.commit()
        assert not db.session.scalar(select(GroupInvitation))
        assert not db.session.scalar(select(MailMessage).where(MailMessage.recipient == "nour@exemple.fr"))


def test_only_the_group_facilitators_invite(app, client, make_user, login, smtp):
    facilitator, other = make_user("facilitator"), make_user("facilitator")
    group_id, _code = _group_with_next_session(app, facilitator.id)
    login(other)
    page = client.get(f"/groupes/{group_id}")
    assert 'data-testid="invite-form"' not in page.get_data(as_text=True)
    refused = client.post(f"/groupes/{group_id}/invitations", data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "emails": "x@exemple.fr"})
    assert refused.status_code == 403
    assert not smtp.messages
