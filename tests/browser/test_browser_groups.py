"""Who is in the room and peer groups in Chromium: a participant joins on a phone with a profile and the
facilitator's balance bar moves; a peer group meets three times and its next steps carry over, marked live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import ONLINE, join_with_name, log_in
from tests.serverproc import SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def add_structure(database_url: str) -> None:
    """A school of the map, in a network: what a participant picks by type-ahead."""
    from workshop import create_app
    from workshop.extensions import db
    from workshop.mapping.models import City, Structure
    from workshop.networks.models import Network

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        if db.session.get(City, "93066") is None:
            db.session.add(City(insee="93066", name="Saint-Denis", departement="93"))
        network = db.session.query(Network).filter_by(slug="rep-plus-nord").one_or_none() or Network(
            slug="rep-plus-nord", name="Réseau REP+ Nord", short_name="REP+ Nord")
        db.session.add(Structure(name="École élémentaire Jean Jaurès", kind="ecole_elementaire",
                                 city_insee="93066", networks=[network]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_phone_joins_with_a_profile_and_the_balance_bar_moves(live, new_page, shot):
    add_structure(live.seeded.database_url)
    samia = new_page(viewport={"width": 1366, "height": 900})
    serve_axe(samia.context)
    log_in(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    samia.goto(f"{live.url}/j/{live.code}")
    expect(samia.locator("#connection")).to_have_attribute("data-state", ONLINE)
    bar = samia.get_by_test_id("balance-bar")
    expect(bar).to_be_hidden()  # nobody has said where they come from yet

    nadia = new_page(**PHONE)
    serve_axe(nadia.context)
    nadia.goto(f"{live.url}/j/{live.code}")
    dialog = nadia.locator("#name-dialog")
    dialog.get_by_label("Votre prénom (ou un pseudo)").fill("Nadia")
    dialog.get_by_role("button", name="Entrer dans l'atelier").click()
    expect(dialog).to_be_hidden()  # in at once: the profile is asked beside the board, the composer is at hand
    expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)
    step = nadia.get_by_test_id("profile-step")
    expect(step.get_by_text("Seul·e l'animateur·rice le voit")).to_be_visible()
    for width in (320, 390):
        nadia.set_viewport_size({"width": width, "height": 740})
        shot(nadia, f"profile-step-{width}")
        assert nadia.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(nadia, "profile-step@390")
    step.get_by_role("button", name="Je viens d'une école").click()
    step.get_by_label("Votre structure (facultatif) : tapez son nom").fill("jaur")
    step.get_by_role("button", name=re.compile("École élémentaire Jean Jaurès")).click()
    shot(nadia, "structure-picked-390")
    step.get_by_role("button", name="Enregistrer").click()
    expect(step).to_be_hidden()
    expect(nadia.locator("#connection")).to_have_attribute("data-state", ONLINE)

    expect(bar).to_contain_text("École 1")
    expect(bar).to_contain_text("REP+ Nord 1")
    karim = new_page(**PHONE)
    karim.goto(f"{live.url}/j/{live.code}")
    join_with_name(karim, "Karim", profile="Je suis parent")
    expect(bar).to_contain_text("Équilibre de la salle (2)")
    expect(bar).to_contain_text("Parent 1")
    shot(samia, "balance-bar-1366")
    assert_accessible(samia, "board-with-balance@1366")
    # Nothing of it on the participants' phones.
    for phone in (nadia, karim):
        expect(phone.locator("#balance-bar")).to_have_count(0)
        assert "Parent 1" not in phone.content() and "REP+ Nord" not in phone.content()

    karim.context.close()  # Karim leaves: out of the balance
    expect(bar).to_contain_text("Équilibre de la salle (1)")
    expect(bar).not_to_contain_text("Parent")

    samia.goto(f"{live.url}/ateliers/{live.seeded.workshop_id}/salle")
    room = samia.get_by_test_id("room-balance")
    expect(room).to_be_hidden()
    samia.get_by_test_id("room-balance-toggle").click()
    expect(room).to_contain_text("École 1")
    shot(samia, "room-balance-1366")


def test_a_peer_group_meets_three_times_and_carries_its_next_steps(live, new_page, shot):
    samia = new_page(viewport={"width": 1366, "height": 900})
    log_in(samia, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    samia.get_by_role("link", name="Groupes de pairs").click()
    samia.get_by_label("Nom du groupe").fill("Groupe de pairs des Tilleuls")
    samia.get_by_label("Objet du groupe").fill("Écoles, centre social et parents, chaque mois.")
    samia.get_by_role("button", name="Créer le groupe").click()
    expect(samia.get_by_test_id("group-name")).to_have_text("Groupe de pairs des Tilleuls")
    group_url = samia.url

    def next_session(number: int) -> str:
        samia.goto(group_url)
        samia.get_by_test_id("next-session").click()
        expect(samia.get_by_test_id("board-title")).to_have_text(f"Groupe de pairs des Tilleuls — séance {number}")
        expect(samia.locator("#connection")).to_have_attribute("data-state", ONLINE)
        return samia.url

    next_session(1)
    expect(samia.get_by_test_id("review-panel")).to_be_hidden()  # nothing to review at the first session
    samia.goto(group_url)
    samia.get_by_role("link", name="Suites à donner").first.click()
    for text in ("Inviter la principale du collège", "Réserver la salle polyvalente"):
        samia.get_by_label("Suite à donner").fill(text)
        samia.get_by_role("button", name="Ajouter").click()
        expect(samia.get_by_text(text)).to_be_visible()

    board = next_session(2)
    panel = samia.get_by_test_id("review-panel")
    expect(panel).to_contain_text("Où en est-on ?")
    expect(panel.locator(".review-step")).to_have_count(2)
    karim = new_page(**PHONE)
    karim.goto(board)
    join_with_name(karim, "Karim")
    seen = karim.get_by_test_id("review-panel")
    expect(seen.locator(".review-step")).to_have_count(2)
    expect(seen.get_by_role("button")).to_have_count(0)  # participants see, only the facilitator marks
    first, second = panel.locator(".review-step").nth(0), panel.locator(".review-step").nth(1)
    first.get_by_role("button", name="Fait").click()
    second.get_by_role("button", name="En cours").click()
    expect(seen.locator(".review-step").nth(0)).to_have_attribute("data-status", "done")
    expect(seen.locator(".review-step").nth(1)).to_have_attribute("data-status", "ongoing")
    shot(karim, "review-seen-390")
    shot(samia, "review-marked-1366")

    next_session(3)
    expect(panel.locator(".review-step")).to_have_count(1)
    expect(panel).to_contain_text("Réserver la salle polyvalente")
    samia.goto(group_url)
    expect(samia.get_by_test_id("sessions").locator("tbody tr")).to_have_count(3)
    expect(samia.get_by_test_id("open-steps")).to_contain_text("Réserver la salle polyvalente")
    expect(samia.get_by_test_id("open-steps")).not_to_contain_text("Inviter la principale")
    for width in (320, 390, 1366):
        samia.set_viewport_size({"width": width, "height": 900})
        shot(samia, f"group-page-{width}", full_page=True)
