"""A practice tried in the field, in Chromium: a member on a phone records "nous l'avons essayée" on a published
sheet (structure picked with the map's type-ahead), sees it pending; a coordinator of the structure's network
approves it on the sheet; the sheet then says where it was tried and the map's layer rings the structure.
axe finds nothing serious on the form and the sheet; screenshots at 320, 390 and 1366 px."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import log_in
from tests.browser.conftest import SCREENSHOTS as SHOTS
from tests.serverproc import FACILITATOR_PASSWORD, SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
COORDINATOR = "coordination-essais@test.passerelles"
SHEET = "Le café des parents du vendredi (essais)"
CENTRE = "Centre social des Tilleuls-Essais"


def seed(database_url: str) -> int:
    """A network with its coordinator and a social centre of the map in Saint-Denis, a published sheet."""
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.accounts.models import User
    from workshop.extensions import db
    from workshop.mapping.models import City, Structure
    from workshop.networks import service as networks
    from workshop.practices import reviews, sheets
    from workshop.practices.models import Practice

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.test_request_context():
        found = db.session.query(Practice).filter_by(title=SHEET).one_or_none()
        if found is None:
            if db.session.get(City, "93066") is None:
                db.session.add(City(insee="93066", name="Saint-Denis", departement="93"))
            network = networks.ensure_network(db.session, "essais-cs", "Réseau des essais", "Essais")
            coordinator = accounts.create_user(db.session, COORDINATOR, "Claire Essais", "member",
                                               FACILITATOR_PASSWORD)
            networks.add_member(db.session, network, coordinator, coordinator=True)
            db.session.add(Structure(name=CENTRE, kind="centre_social", city_insee="93066", latitude=48.936,
                                     longitude=2.357, networks=[network]))
            admin = db.session.query(User).filter_by(email=COORDINATOR).one()
            found = sheets.create_practice(db.session, admin, {
                "title": SHEET, "summary": "Un café tous les quinze jours dans le hall de l'école.",
                "kind": "practice", "cities": ["Saint-Denis"], "themes": ["Parents"], "audiences": ["parents"],
                "networks": [network.id], "context": "<p>Les parents entrent peu dans l'école.</p>",
                "obstacles": "<p>Horaires.</p>", "levers": "<p>Un lieu neutre.</p>",
                "transferability": "<p>Partout où une salle est libre.</p>"})
            reviews.transition(db.session, admin, found.id, "submit")
            reviews.transition(db.session, admin, found.id, "publish")
            db.session.commit()
        practice_id = found.id
        db.session.remove()
        db.engine.dispose()
    return practice_id


def _widths(page, name: str) -> None:
    """Screenshots at 320, 390 and 1366 px; at 320 px no sideways scrolling and axe finds nothing serious."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (320, 390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"trials-{name}-{width}.png"), full_page=True)
        if width == 320:
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name} overflows at 320 px"
            assert_accessible(page, f"trials-{name}@320")


def test_a_member_records_a_trial_a_coordinator_approves_it_and_it_shows_on_the_sheet_and_map(live, new_page):
    practice_id = seed(live.seeded.database_url)
    member = new_page(**PHONE)
    serve_axe(member.context)
    log_in(member, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    member.goto(f"{live.url}/fiches/{practice_id}")
    member.get_by_test_id("record-trial").click()
    expect(member).to_have_url(re.compile(rf"/fiches/{practice_id}/essais/nouveau$"))
    assert_accessible(member, "trial-form")
    box = member.get_by_role("combobox", name="Structure où vous l'avez essayée")
    box.fill("Tilleuls-Ess")
    member.get_by_role("option", name=re.compile("Tilleuls-Essais")).click()
    expect(box).to_have_value(CENTRE)
    member.get_by_label("Date (ou début) de l'essai").fill("2026-10-02")
    member.get_by_label("Avec qui").fill("Deux enseignantes de CP, l'animatrice CLAS")
    member.get_by_label("Ce qui a changé pour les enfants et les parents").fill(
        "Des mamans qui n'entraient jamais dans l'école sont venues <b>trois</b> fois.")
    member.get_by_label("Oui, sous conditions").check()
    _widths(member, "form")
    member.set_viewport_size(PHONE["viewport"])
    member.get_by_role("button", name="Envoyer à la coordination").click()
    expect(member).to_have_url(re.compile(rf"/fiches/{practice_id}#essais$"))
    expect(member.get_by_test_id("my-trial")).to_contain_text("En attente de validation")
    expect(member.get_by_test_id("tried-count")).to_have_count(0)  # not counted before approval

    coordinator = new_page(viewport={"width": 1366, "height": 900})
    serve_axe(coordinator.context)
    log_in(coordinator, live.url, COORDINATOR, FACILITATOR_PASSWORD)
    coordinator.goto(f"{live.url}/fiches/{practice_id}")
    pending = coordinator.get_by_test_id("pending-trial")
    expect(pending).to_contain_text("Des mamans qui n'entraient jamais dans l'école sont venues <b>trois</b> fois.")
    pending.get_by_role("button", name="Valider").click()
    expect(coordinator.get_by_test_id("tried-count")).to_have_text("Essayée par 1 structure dans 1 commune")

    member.reload()
    expect(member.get_by_test_id("tried-line")).to_have_text("Essayée par 1 structure dans 1 commune")
    expect(member.get_by_test_id("trial-quote")).to_contain_text("<b>trois</b>")  # shown as typed, as text
    _widths(member, "sheet")

    coordinator.goto(f"{live.url}/carte")
    expect(coordinator.locator("#map")).to_have_attribute("data-trials", "1")
    expect(coordinator.locator("#trials-toggle")).to_be_checked()
    coordinator.screenshot(path=str(Path(SHOTS) / "trials-map-1366.png"))
