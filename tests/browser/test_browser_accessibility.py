"""Every surface, in French and in English, at 320, 390 and 1366 px: axe finds no serious or critical WCAG 2.1
A/AA violation, and a screenshot of each is kept under tests/artifacts/browser/a11y/ to be looked at.

One server on demo data and one browser for the module; one page per person (visitor, participant, facilitator,
coordinator) visits every surface in turn, so the whole pass stays within a few minutes. All failures of a
language are listed together at the end rather than stopping at the first surface.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import accessibility_problems, assert_accessible, serve_axe
from tests.browser.board_page import ONLINE, log_in
from tests.browser.conftest import ARTIFACTS, LIVE_TIMEOUT
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1366)
SHOTS = ARTIFACTS / "a11y"
ADMIN_EMAIL, FACILITATOR_EMAIL = "coordination@passerelles.demo", "animatrice@passerelles.demo"


@dataclass
class Demo:
    url: str
    password: str
    code: str
    workshop_id: int
    practice_id: int
    submitted_id: int
    toolkit_id: int
    structure_id: int
    link_id: int
    past_meeting_id: int = 0
    meeting_id: int = 0
    meeting_code: str = ""
    registration_token: str = ""
    group_id: int = 0
    group_code: str = ""  # the demo group's last session: its board opens on "Où en est-on ?"
    programme_id: int = 0
    showcase_toolkit_id: int = 0
    city_slug: str = ""


def seed_demo(database_url: str) -> dict:
    """The demo data (`flask seed-demo`, smaller) and one toolkit, through the services."""
    from sqlalchemy import select

    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.demo import DEMO_PASSWORD, seed_board
    from workshop.extensions import db
    from workshop.frameworks.catalogue import seed_texts
    from workshop.mail.demo import seed_mail
    from workshop.mapping.demo import seed_structures
    from workshop.mapping.models import Link, Structure
    from workshop.meetings import registration as registrations
    from workshop.meetings.demo import seed_meetings
    from workshop.meetings.models import Meeting
    from workshop.peergroups.demo import seed_peer_group
    from workshop.practices.demo import seed_up_to
    from workshop.practices.models import Practice
    from workshop.programme.demo import seed_programme
    from workshop.showcase import service as showcase
    from workshop.showcase.demo import TOOLKIT, seed_showcase
    from workshop.toolkits import service as toolkits
    from workshop.toolkits.models import Toolkit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "JOBS_IMMEDIATE": True})
    with app.app_context():
        session = db.session
        db.create_all()
        workshop = seed_board(session)
        from datetime import date, timedelta

        from workshop.facilitation import next_steps
        next_steps.add_step(session, workshop, "Relancer la mairie pour la salle", "Karim",
                            date.today() - timedelta(days=2))  # overdue, on the page of what is due
        next_steps.add_step(session, workshop, "Envoyer le compte rendu aux familles", "", date.today())
        seed_up_to(session, 12)
        seed_structures(session, 12)
        admin = accounts.get_by_email(session, ADMIN_EMAIL)
        toolkit = toolkits.create_toolkit(session, admin, "Boîte à outils des Tilleuls")
        seed_meetings(session, admin)
        past, meeting = session.scalars(select(Meeting).order_by(Meeting.id)).all()[:2]
        registration = registrations.register(session, meeting, {"name": "Léa Martin", "profile_kind": "parent",
                                                                 "email": "lea@exemple.fr", "needs": "LSF"})
        session.commit()
        seed_mail(session, ADMIN_EMAIL)  # a pending invitation (its message goes to the log: no MAIL_SERVER)
        group = seed_peer_group(session)
        seed_texts(session)
        programme = seed_programme(session)
        seed_showcase(session, DEMO_PASSWORD)
        session.commit()
        practices = session.scalars(select(Practice).order_by(Practice.id)).all()
        data = dict(
            password=DEMO_PASSWORD, code=workshop.code, workshop_id=workshop.id,
            practice_id=next(p.id for p in practices if p.status == "published"),
            submitted_id=next((p.id for p in practices if p.status != "published"), practices[0].id),
            toolkit_id=toolkit.id,
            structure_id=session.scalar(select(Structure.id).order_by(Structure.id)),
            link_id=session.scalar(select(Link.id).order_by(Link.id)),
            past_meeting_id=past.id, meeting_id=meeting.id, meeting_code=meeting.code,
            registration_token=registration[1], group_id=group.id, group_code=group.sessions[-1].workshop.code,
            programme_id=programme.id,
            showcase_toolkit_id=session.scalar(select(Toolkit.id).where(Toolkit.title == TOOLKIT)),
            city_slug=showcase.top_cities(session)[0]["slug"])
        session.remove()
        db.engine.dispose()
    return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A server of its own on demo data: the shared one holds a near-empty database."""
    tmp = tmp_path_factory.mktemp("a11y-server")
    url, pg_name = new_database(tmp)
    data = seed_demo(url)
    server = ServerProcess(_port(), url, tmp / "server.log")
    server.start()
    SHOTS.mkdir(parents=True, exist_ok=True)  # not emptied: with -n 2 another worker may be writing there
    try:
        yield Demo(url=server.url, **data)
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "a11y-server.log")
        drop_database(pg_name)


def _port() -> int:
    """A port of this module's own range (5870-5899), half per xdist worker: the two languages may start their
    servers at the same instant on two workers, and two picks of one free port would share one server."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 2
    return free_port(5870 + 15 * worker, 5884 + 15 * worker)


@dataclass
class Surface:
    label: str
    who: str  # visitor | participant | facilitator | admin
    path: Callable[[Demo], str]
    status: int = 200
    ready: Callable[[Page], None] | None = None  # wait for what the page builds in script


def _board_live(page: Page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", ONLINE)


def _join(page: Page, name: str, check=None) -> None:
    """Answer the welcome dialog in either language (board_page.join_with_name reads the French labels); `check`
    looks at the optional profile question the board then shows, before it is skipped."""
    dialog = page.locator("#name-dialog")
    dialog.locator("#name-input").fill(name)
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    _board_live(page)
    expect(page.locator("#profile-step")).to_be_visible()
    if check:
        check()
    page.locator("#profile-skip").click()
    expect(page.locator("#profile-step")).to_be_hidden()


def _name_dialog(page: Page) -> None:
    expect(page.locator("#name-dialog")).to_be_visible()


SURFACES = (
    Surface("home", "visitor", lambda d: "/"),
    Surface("join-unknown-code", "visitor", lambda d: "/rejoindre?code=ZZZZZZZZ", 404),
    Surface("join-name-dialog", "participant", lambda d: f"/j/{d.code}", ready=_name_dialog),
    Surface("board-participant", "participant", lambda d: f"/j/{d.code}", ready=_board_live),
    Surface("login", "visitor", lambda d: "/connexion"),
    Surface("privacy-notice", "visitor", lambda d: "/donnees-personnelles"),
    Surface("privacy-mine", "participant", lambda d: "/donnees-personnelles/mes-contributions"),
    Surface("not-found", "visitor", lambda d: "/page-qui-n-existe-pas", 404),
    Surface("map", "visitor", lambda d: "/carte"),
    Surface("graph", "visitor", lambda d: "/carte/graphe"),
    Surface("networks", "visitor", lambda d: "/reseaux"),
    Surface("panorama", "visitor", lambda d: "/carte/panorama"),
    Surface("structure", "visitor", lambda d: f"/structures/{d.structure_id}"),
    Surface("link", "visitor", lambda d: f"/liens/{d.link_id}"),
    Surface("practices", "visitor", lambda d: "/fiches"),
    Surface("practice-sheet", "visitor", lambda d: f"/fiches/{d.practice_id}"),
    Surface("toolkits", "visitor", lambda d: "/boites-a-outils"),
    Surface("dashboard", "facilitator", lambda d: "/ateliers"),
    Surface("workshop-new", "facilitator", lambda d: "/ateliers/nouveau"),
    Surface("room-screen", "facilitator", lambda d: f"/ateliers/{d.workshop_id}/salle"),
    Surface("board-facilitator", "facilitator", lambda d: f"/j/{d.code}", ready=_board_live),
    Surface("next-steps", "facilitator", lambda d: f"/ateliers/{d.workshop_id}/suites"),
    Surface("next-steps-due", "facilitator", lambda d: "/suites-a-donner?par=personne"),
    Surface("workshop-structures", "facilitator", lambda d: f"/ateliers/{d.workshop_id}/structures"),
    Surface("practice-new", "facilitator", lambda d: "/fiches/nouvelle"),
    Surface("practice-edit", "admin", lambda d: f"/fiches/{d.practice_id}/modifier"),
    Surface("practice-review", "admin", lambda d: f"/fiches/{d.submitted_id}"),
    Surface("practice-history", "admin", lambda d: f"/fiches/{d.practice_id}/historique"),
    Surface("practices-import", "admin", lambda d: "/fiches/import"),
    Surface("frameworks", "admin", lambda d: "/fiches/dispositifs"),
    Surface("toolkit", "admin", lambda d: f"/boites-a-outils/{d.toolkit_id}"),
    Surface("toolkit-edit", "admin", lambda d: f"/boites-a-outils/{d.toolkit_id}/modifier"),
    Surface("structure-edit", "admin", lambda d: f"/structures/{d.structure_id}/modifier"),
    Surface("link-declare", "admin", lambda d: f"/structures/{d.structure_id}/declarer-un-lien"),
    Surface("map-pending", "admin", lambda d: "/carte/a-valider"),
    Surface("admin-accounts", "admin", lambda d: "/admin/comptes"),
    Surface("admin-map-import", "admin", lambda d: "/admin/cartographie/import"),
    Surface("admin-privacy", "admin", lambda d: "/admin/donnees-personnelles"),
    Surface("meetings", "visitor", lambda d: "/rencontres"),
    Surface("meeting", "visitor", lambda d: f"/rencontres/{d.meeting_id}"),
    Surface("meeting-register", "visitor", lambda d: f"/rencontres/{d.meeting_id}/inscription"),
    Surface("meeting-mine", "visitor", lambda d: f"/rencontres/inscription/{d.registration_token}"),
    Surface("meeting-pick", "visitor", lambda d: f"/r/{d.meeting_code}"),
    Surface("meeting-restitution", "visitor", lambda d: f"/rencontres/{d.past_meeting_id}/restitution"),
    Surface("meeting-new", "admin", lambda d: "/rencontres/nouvelle"),
    Surface("meeting-edit", "admin", lambda d: f"/rencontres/{d.meeting_id}/modifier"),
    Surface("meeting-programme", "admin", lambda d: f"/rencontres/{d.meeting_id}/programme"),
    Surface("meeting-registrants", "admin", lambda d: f"/rencontres/{d.meeting_id}/inscrits"),
    Surface("meeting-preparation", "admin", lambda d: f"/rencontres/{d.meeting_id}/preparation"),
    Surface("meeting-room", "admin", lambda d: f"/rencontres/{d.meeting_id}/salle"),
    Surface("meeting-synthesis", "admin", lambda d: f"/rencontres/{d.past_meeting_id}/restitution/modifier"),
    Surface("frameworks-catalogue", "visitor", lambda d: "/dispositifs"),
    Surface("framework-page", "visitor", lambda d: "/dispositifs/clas"),
    Surface("framework-edit", "admin", lambda d: "/dispositifs/clas/modifier"),
    Surface("programmes", "admin", lambda d: "/programmes"),
    Surface("programme-public", "visitor", lambda d: f"/programmes/{d.programme_id}"),
    Surface("programme-coordinator", "admin", lambda d: f"/programmes/{d.programme_id}"),
    Surface("programme-edit", "admin", lambda d: f"/programmes/{d.programme_id}/modifier"),
    Surface("admin-privacy-workshop", "admin", lambda d: f"/admin/donnees-personnelles/ateliers/{d.workshop_id}"),
    Surface("forgot-password", "visitor", lambda d: "/mot-de-passe-oublie"),
    Surface("link-expired", "visitor", lambda d: "/invitation/lien-perime", 410),
    Surface("unsubscribe-invalid", "visitor", lambda d: "/desabonnement/lien-falsifie", 404),
    Surface("account", "facilitator", lambda d: "/compte"),
    Surface("admin-invitations", "admin", lambda d: "/admin/invitations"),
    Surface("admin-mail", "admin", lambda d: "/admin/courriels"),
    Surface("peer-groups", "facilitator", lambda d: "/groupes"),
    Surface("peer-group", "facilitator", lambda d: f"/groupes/{d.group_id}"),
    Surface("peer-group-session", "facilitator", lambda d: f"/j/{d.group_code}", ready=_board_live),
    Surface("city", "visitor", lambda d: f"/villes/{d.city_slug}"),
    Surface("presentation-toolkit", "visitor", lambda d: f"/presentation/boite-a-outils/{d.showcase_toolkit_id}"),
    Surface("presentation-panorama", "visitor", lambda d: "/presentation/panorama"),
    Surface("embed-sheet", "visitor", lambda d: f"/integrer/fiche/{d.practice_id}"),
    Surface("embed-toolkit", "visitor", lambda d: f"/integrer/boite-a-outils/{d.showcase_toolkit_id}"),
    Surface("embed-map", "visitor", lambda d: "/integrer/carte"),
    Surface("networks-waiting", "admin", lambda d: "/reseaux/en-attente"),
    Surface("moderation", "admin", lambda d: "/moderation"),
)


PARTS = 3  # the surfaces in three runs per language: two test processes share ~5 min of work evenly


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_surface_is_accessible_at_three_widths(browser, demo, lang, part, capsys):
    errors: list[str] = []
    size = -(-len(SURFACES) // PARTS)
    surfaces = SURFACES[part * size:(part + 1) * size]  # the participant's join comes first, in part 0
    pages = _people(browser, demo, lang, errors, who=tuple(dict.fromkeys(s.who for s in surfaces)))
    failures, minor, overflow = [], [], []
    try:
        for surface in surfaces:
            page = pages[surface.who]
            page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
            response = page.goto(demo.url + surface.path(demo))
            label = f"{lang}/{surface.label}"
            if response is None or response.status != surface.status:
                failures.append(f"{label}: HTTP {response and response.status}, expected {surface.status}")
                continue
            expect(page.locator("html")).to_have_attribute("lang", lang)
            if surface.ready:
                surface.ready(page)
            if surface.label == "join-name-dialog":
                _check_widths(page, label, failures, minor, overflow)
                _join(page, "Nadia", lambda page=page: _check_widths(page, f"{lang}/join-profile-step", failures,
                                                                     minor, overflow))  # then the board
                continue
            _check_widths(page, label, failures, minor, overflow)
    finally:
        for page in pages.values():
            page.context.close()
    with capsys.disabled():  # in the test output even when it passes: what to improve next
        for line in minor + overflow:
            print("\na11y (not failing):", line, end="")
    assert not failures, f"{len(failures)} accessibility failures:\n" + "\n".join(failures)
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.mark.parametrize("lang", ["fr"])
def test_the_boards_folded_menus_opened_are_accessible(browser, demo, lang):
    """What the full pass does not unfold: the facilitator's tools, presence list and reply boxes, opened."""
    errors: list[str] = []
    pages = _people(browser, demo, lang, errors, who=("facilitator",))
    page = pages["facilitator"]
    try:
        page.goto(f"{demo.url}/j/{demo.code}")
        _board_live(page)
        for width in (WIDTHS[0], WIDTHS[-1]):
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            page.screenshot(path=str(SHOTS / f"{lang}-board-facilitator-unfolded-{width}.png"), full_page=True)
            assert_accessible(page, f"{lang}/board-facilitator-unfolded@{width}")
    finally:
        page.context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def _check_widths(page: Page, label: str, failures: list, minor: list, overflow: list) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 700})
        # A long page on a loaded CI machine once took over the default 30 s: a slow screenshot is no finding.
        page.screenshot(path=str(SHOTS / f"{label.replace('/', '-')}-{width}.png"), full_page=True,
                        animations="disabled", timeout=90_000)
        serious, others = accessibility_problems(page, f"{label}@{width}")
        failures.extend(serious)
        minor.extend(others)
        wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if wider > 0:
            overflow.append(f"{label}@{width}: the page is {wider}px wider than the window")


def _people(browser, demo: Demo, lang: str, errors: list[str],
            who: tuple[str, ...] = ("visitor", "participant", "facilitator", "admin")) -> dict[str, Page]:
    """One browser context per person, speaking `lang` through the app's language switch; uncaught JavaScript
    errors go to `errors`."""
    pages = {}
    for person in who:
        context = browser.new_context(locale="fr-FR", viewport={"width": WIDTHS[-1], "height": 900})
        context.set_default_timeout(LIVE_TIMEOUT)
        serve_axe(context)
        page = context.new_page()
        page.on("pageerror", lambda exc, page=page: errors.append(f"{page.url}: {exc}"))
        if person in ("facilitator", "admin"):
            log_in(page, demo.url, FACILITATOR_EMAIL if person == "facilitator" else ADMIN_EMAIL, demo.password)
        page.goto(f"{demo.url}/?lang={lang}")
        pages[person] = page
    return pages
