"""Script planted in every field people fill (issue #11): in a real Chromium, on every page where that text shows,
nothing runs (no flag set, no dialog, no JavaScript error) and the markup shows literally, as typed."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.board_page import enter_board_as_facilitator, log_in
from tests.realtime import LiveServer
from tests.toolkits.conftest import practice_data
from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_board
from workshop.devserver import free_port
from workshop.extensions import db
from workshop.facilitation import next_steps
from workshop.frameworks import service as frameworks
from workshop.live.kernel import current_kernel
from workshop.mail import invitations
from workshop.mapping.demo import seed_structures
from workshop.mapping.models import Structure
from workshop.meetings import registration as registrations
from workshop.meetings import service as meetings
from workshop.moderation import service as moderation
from workshop.networks import service as networks
from workshop.peergroups import service as peergroups
from workshop.practices import reviews, sheets
from workshop.programme import plan
from workshop.toolkits import service as toolkits

pytestmark = pytest.mark.browser

# Every payload sets window.__pwned or opens a dialog if it ever runs; the short one fits 60-character names.
SHORT = "<img src=x onerror=window.__pwned=1>"
LONG = '<img src=x onerror="window.__pwned=2;alert(2)"><script>window.__pwned=3;alert(3)</script>'
SHOWN = "<img src=x onerror="  # what a person reads where the markup is shown as text


@pytest.fixture
def planted(app):
    """Demo data with markup in each user-visible field: structure, participant, card, group, workshop, next step,
    sheet (title, summary, body, structures), framework, toolkit (title, section), account; and what session 5
    added: a meeting (title, description, place) and a registration (name, needs), a peer group, a programme
    (title, aims), a report's details, an invitation."""
    with app.test_request_context():
        workshop = seed_board(db.session)
        seed_structures(db.session, 6)
        admin = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
        facilitator = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[1][0]))
        structure = db.session.scalar(select(Structure).order_by(Structure.id))
        structure.name = f"{LONG} Centre social"
        accounts.create_user(db.session, "piege@exemple.fr", SHORT, "member", "motdepasse-piege-1")
        frameworks.save_framework(db.session, admin, "piege", f"{SHORT} dispositif")
        workshop.title = f"{LONG} atelier"
        next_steps.add_step(db.session, workshop, f"{LONG} suite", owner=SHORT)
        karim = boards.join(db.session, {"code": workshop.code, "name": SHORT}).participant
        kernel = current_kernel()
        card = kernel.perform(db.session, karim.id, "card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle",
                                                                  "text": f"{LONG} carte"},
                              workshop_id=karim.workshop_id, rate_limited=False)
        host = boards.join(db.session, {"code": workshop.code}, user=facilitator).participant
        kernel.perform(db.session, host.id, "group.create", {"card_ids": [card.ack["card"]["id"]],
                                                             "name": f"{SHORT} groupe"},
                       workshop_id=host.workshop_id, rate_limited=False)
        network_ids = [networks.ensure_network(db.session, *spec).id for spec in networks.DEMO_NETWORKS]
        practice = sheets.create_practice(db.session, admin, practice_data(
            1, title=f"{LONG} fiche", summary=f"{LONG} résumé", networks=network_ids, frameworks=["piege"],
            structures=[{"id": None, "name": f"{SHORT} structure"}],
            context="<p>&lt;script&gt;window.__pwned=4&lt;/script&gt; contexte</p>"))
        reviews.transition(db.session, admin, practice.id, "submit")
        reviews.transition(db.session, admin, practice.id, "publish")
        toolkit = toolkits.create_toolkit(db.session, admin, f"{LONG} boîte")
        toolkits.save_toolkit(db.session, admin, toolkit.id, {
            "title": f"{LONG} boîte", "subtitle": f"{LONG} sous-titre",
            "sections": [{"title": f"{SHORT} section", "entries": [practice.id]}]}, toolkit.revision)
        toolkits.publish(db.session, admin, toolkit.id)
        starts = datetime.now().replace(microsecond=0) + timedelta(days=20)
        meeting = meetings.create_meeting(db.session, admin, {
            "title": f"{LONG} rencontre", "description": f"{LONG} description", "place": f"{SHORT} salle",
            "starts_at": starts, "ends_at": starts + timedelta(hours=3), "capacity": 30, "public": True})
        meetings.create_workshops(db.session, admin, meeting, 2)
        registrations.register(db.session, meeting, {"name": SHORT, "profile_kind": "parent",
                                                     "email": "piege@exemple.fr", "needs": f"{LONG} besoins"})
        group = peergroups.create_group(db.session, facilitator, f"{LONG} groupe de pairs", purpose=f"{LONG} but")
        year = date.today().year
        programme = plan.save_programme(db.session, admin, {
            "title": f"{SHORT} programme", "aims": f"{LONG} objectifs", "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-12-31", "cities": ""})
        moderation.report(db.session, "structure", structure.id,
                          {"reason": "hurtful", "details": f"{LONG} précisions"}, user=facilitator)
        invitations.invite(db.session, admin, "invite-piege@exemple.fr", SHORT, "member")
        db.session.commit()
        ids = {"code": workshop.code, "workshop": workshop.id, "structure": structure.id, "practice": practice.id,
               "toolkit": toolkit.id, "meeting": meeting.id, "meeting_code": meeting.code, "group": group.id,
               "programme": programme.id}
    live = LiveServer(app, port=free_port(5800, 5829)).start()
    yield live, ids
    live.stop()


def assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(200)  # an onerror fires once the broken image has failed to load
    assert page.evaluate("window.__pwned") is None, where
    assert page.dialogs == [], where
    assert page.js_errors == [], where
    assert page.evaluate("window.__csp") == [] and page.console_csp == [], where
    assert page.locator("img[src='x'], body script:not([src]):not([type='application/json'])").count() == 0, where


def shows_literally(page, where: str, times: int = 1) -> None:
    text = page.locator("body").inner_text()
    assert text.count(SHOWN) >= times, f"{where}: the markup is not shown as text"


def test_board_shows_names_cards_and_groups_as_text(planted, page):
    live, ids = planted
    enter_board_as_facilitator(page, live.url, DEMO_ACCOUNTS[1][0], DEMO_PASSWORD, ids["code"])
    expect(page.locator(".note-text").filter(has_text=re.compile(r"<img src=x onerror="))).to_have_count(1)
    expect(page.locator("body")).to_contain_text(f"{SHORT} groupe")
    assert_nothing_ran(page, "board")
    shows_literally(page, "board", 2)


@pytest.mark.parametrize("path, times", [
    ("/ateliers", 1),                                  # workshop title
    ("/ateliers/{workshop}/salle", 1),                 # workshop title on the room screen
    ("/ateliers/{workshop}/suites", 1),                # next step and its owner
    ("/fiches", 1),                                    # sheet title and summary
    ("/fiches/{practice}", 2),                         # sheet title, summary, body, structures, framework
    ("/fiches/dispositifs", 1),                        # framework label
    ("/boites-a-outils", 1),                           # toolkit title
    ("/boites-a-outils/{toolkit}", 2),                 # toolkit title, section, sheet
    ("/boites-a-outils/{toolkit}/modifier", 1),        # the builder (its sections are drawn by script)
    ("/structures/{structure}", 1),                    # structure name
    ("/carte/panorama", 0),
    ("/admin/comptes", 1),                             # account name
    ("/", 1),                                          # the home's latest sheets
    ("/rencontres", 1),                                # meeting title
    ("/rencontres/{meeting}", 2),                      # title, description, place
    ("/rencontres/{meeting}/inscrits", 2),             # registrant's name and needs (organisers)
    ("/r/{meeting_code}", 1),                          # the phone's pick of a workshop
    ("/groupes", 1),                                   # peer group name
    ("/groupes/{group}", 2),                           # name and purpose
    ("/programmes/{programme}", 2),                    # title and aims
    ("/dispositifs/piege", 1),                         # framework label in the catalogue
    ("/moderation", 1),                                # a report's details
    ("/admin/invitations", 1),                         # the invited person's name
    ("/presentation/boite-a-outils/{toolkit}", 1),     # slides of a published toolkit
    ("/integrer/fiche/{practice}", 1),                 # embeds: a sheet, a toolkit
    ("/integrer/boite-a-outils/{toolkit}", 1),
])
def test_every_page_shows_planted_markup_as_text_and_runs_nothing(planted, page, path, times):
    live, ids = planted
    log_in(page, live.url, DEMO_ACCOUNTS[0][0], DEMO_PASSWORD)
    url = live.url + path.format(**ids)
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    assert_nothing_ran(page, path)
    shows_literally(page, path, times)


def test_a_public_visitor_sees_the_same_text_and_nothing_runs(planted, page):
    live, ids = planted
    for path in (f"/fiches/{ids['practice']}", f"/boites-a-outils/{ids['toolkit']}", "/fiches",
                 f"/structures/{ids['structure']}"):
        response = page.goto(live.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert_nothing_ran(page, path)
        shows_literally(page, path)
