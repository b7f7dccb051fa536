"""In real Chromium: cards become a practice sheet live, a reviewer publishes it, anyone finds it; an obstacle
card shows what helped elsewhere and the facilitator pins it."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import (
    column,
    join_with_name,
    log_in,
    notes_with_text,
    open_card_menu,
    post_card,
    select_cards,
)
from tests.browser.conftest import ARTIFACTS, browser, new_page, shot  # noqa: F401  (fixtures)
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser
ADMIN = ("coordination@test.passerelles", "motdepasse-coord")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production server on ports 5510-5549 with a workshop, a coordinator and one published sheet."""
    tmp = tmp_path_factory.mktemp("practices-browser")
    url, pg_name = new_database(tmp)
    seeded = prepare_database(url, title="Atelier formalisation")
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.practices import reviews, sheets

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.test_request_context():
        admin = accounts.create_user(db.session, ADMIN[0], "Claire Coordination", "admin", ADMIN[1])
        practice = sheets.create_practice(db.session, admin, {
            "title": "Accorder les horaires école / centre social", "cities": ["Roubaix"],
            "summary": "Un créneau commun pour l'école et le centre social.",
            "context": "Deux équipes aux horaires différents.", "transferability": "Partout.",
            "obstacles": "Les horaires de l'école et du centre social ne collent pas.",
            "levers": "Un créneau commun le mercredi matin."})
        reviews.transition(db.session, admin, practice.id, "submit")
        reviews.transition(db.session, admin, practice.id, "publish")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(free_port(5510, 5549), url, tmp / "server.log").start()
    try:
        yield server, seeded
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "practices-server.log")
        drop_database(pg_name)


def test_from_cards_to_a_published_sheet_found_by_anyone(site, new_page, shot):  # noqa: F811
    server, seeded = site
    samia = new_page()
    log_in(samia, server.url, seeded.facilitator_email, seeded.facilitator_password)
    samia.goto(f"{server.url}/j/{seeded.code}")
    nadia = new_page()
    nadia.goto(f"{server.url}/j/{seeded.code}")
    join_with_name(nadia, "Nadia")
    post_card(nadia, "obstacle", "Les parents n'osent pas entrer dans l'école")
    post_card(nadia, "lever", "Une réunion des parents d'élèves au centre social")
    for key, text in (("obstacle", "Les parents n'osent pas entrer dans l'école"),
                      ("lever", "Une réunion des parents d'élèves au centre social")):
        note = notes_with_text(samia, key, text)
        expect(note).to_have_count(1)
        select_cards(samia, note)
    bar = samia.get_by_test_id("selection")
    bar.get_by_role("button", name="Autres actions sur la sélection").click()
    bar.get_by_role("menuitem", name="Créer une fiche pratique").click()
    samia.get_by_label("Titre de la fiche").fill("Réunion des parents d'élèves au centre social")
    samia.get_by_role("button", name="Créer une fiche pratique").click()

    # Live for the participant: the cards say which sheet they became.
    lever = notes_with_text(nadia, "lever", "Une réunion des parents d'élèves au centre social")
    expect(lever.locator(".practice-links")).to_contain_text("Réunion des parents d'élèves au centre social")
    expect(notes_with_text(nadia, "obstacle", "Les parents n'osent pas entrer dans l'école")
           .locator(".practice-links")).to_be_visible()
    shot(nadia, "1-cards-became-a-sheet")

    # The facilitator submits it, the coordinator publishes it, anyone finds it without accents.
    created = samia.get_by_test_id("selection").get_by_role(
        "link", name="Réunion des parents d'élèves au centre social")
    samia.goto(server.url + created.get_attribute("href"))  # the board opens it in a new tab
    expect(samia.get_by_role("heading", level=1)).to_have_text("Modifier la fiche")
    # What the quality gate asks before publishing: a summary, a context, a city, transferability.
    samia.get_by_label("Résumé (quelques lignes)").fill("Une réunion des parents tenue au centre social.")
    samia.get_by_label("Villes (séparées par des virgules)").fill("Roubaix")
    samia.get_by_label("Contexte", exact=True).fill("Les parents n'osaient pas entrer dans l'école.")
    samia.get_by_label("Transférabilité", exact=True).fill("Partout où un centre social est proche de l'école.")
    samia.get_by_role("button", name="Enregistrer").click()
    samia.get_by_role("button", name="Soumettre à relecture").click()
    expect(samia.get_by_test_id("practice-status")).to_have_text("Soumise à relecture")
    url = samia.url
    claire = new_page()
    log_in(claire, server.url, *ADMIN)
    claire.goto(url)
    claire.get_by_role("button", name="Publier").click()
    expect(claire.get_by_test_id("practice-status")).to_have_text("Publiée")
    anyone = new_page()
    anyone.goto(f"{server.url}/fiches")
    anyone.get_by_label("Rechercher").fill("reunion parents eleves")
    anyone.get_by_role("button", name="Rechercher").click()
    expect(anyone.get_by_role("link", name="Réunion des parents d'élèves au centre social")).to_be_visible()
    expect(anyone.locator(".practice-hit mark").first).to_be_visible()
    shot(anyone, "2-found-by-anyone", full_page=True)


def test_an_obstacle_shows_what_helped_elsewhere_and_the_facilitator_pins_it(site, new_page, shot):  # noqa: F811
    server, seeded = site
    samia = new_page()
    log_in(samia, server.url, seeded.facilitator_email, seeded.facilitator_password)
    samia.goto(f"{server.url}/j/{seeded.code}")
    karim = new_page()
    karim.goto(f"{server.url}/j/{seeded.code}")
    join_with_name(karim, "Karim")
    post_card(karim, "obstacle", "Nos horaires ne collent pas avec ceux de l'école")
    card = notes_with_text(samia, "obstacle", "Nos horaires ne collent pas avec ceux de l'école")
    open_card_menu(card).get_by_role("menuitem", name="Ailleurs, ceci a aidé").click()
    expect(card.locator(".practice-suggestions")).to_contain_text("Accorder les horaires école / centre social")
    expect(card.locator(".practice-suggestions")).to_contain_text("mercredi")
    card.locator(".practice-suggestion").filter(has_text="Accorder les horaires").get_by_role(
        "button", name="Épingler au tableau").click()
    expect(karim.locator("#practice-board")).to_contain_text("Accorder les horaires école / centre social")
    expect(column(karim, "obstacle").get_by_role("button", name="Épingler au tableau")).to_have_count(0)
    shot(karim, "3-pinned")
