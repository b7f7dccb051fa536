"""A métaplan run end to end in real Chromium: private writing, reveal, phases, grouping, dots, results, timer."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import (
    column,
    join_with_name,
    log_in,
    open_card_menu,
    open_group_menu,
    post_card,
    select_cards,
)
from tests.browser.conftest import ARTIFACTS, browser, new_page, shot  # noqa: F401  (fixtures)
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def metaplan(tmp_path_factory):
    """The production server on this suite's ports (5400-5449) with an anonymous métaplan workshop."""
    tmp = tmp_path_factory.mktemp("facilitation-browser")
    url, pg_name = new_database(tmp)
    seeded = prepare_database(url)
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.boards import service as boards
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        user = accounts.get_by_email(db.session, seeded.facilitator_email)
        code = boards.create_workshop(db.session, user, "Métaplan des Tilleuls", format_key="metaplan").code
        second = boards.create_workshop(db.session, user, "Freins et leviers des Tilleuls").code
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(free_port(5400, 5449), url, tmp / "server.log").start()
    try:
        yield server, seeded, code, second
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "facilitation-server.log")
        drop_database(pg_name)


def test_metaplan_private_writing_grouping_and_dot_voting(metaplan, new_page, shot):  # noqa: F811
    server, seeded, code, _second = metaplan
    samia = new_page()
    log_in(samia, server.url, seeded.facilitator_email, seeded.facilitator_password)
    samia.goto(f"{server.url}/j/{code}")
    expect(samia.get_by_test_id("phase-label")).to_have_text("Écriture silencieuse")

    karim, lina = new_page(), new_page()
    for page, name in ((karim, "Karim"), (lina, "Lina")):
        page.goto(f"{server.url}/j/{code}")
        join_with_name(page, name)
        expect(page.get_by_test_id("phase-label")).to_have_text("Écriture silencieuse")
    post_card(karim, "ideas", "Un café des parents le vendredi")
    post_card(lina, "ideas", "Un café parents chaque vendredi matin")
    post_card(lina, "ideas", "Des locaux partagés <b>école</b>")

    # Private: each sees their own text; others (facilitator included) see only placeholders.
    expect(column(karim, "ideas").locator(".note.is-private")).to_have_count(2)
    expect(column(samia, "ideas").locator(".note.is-private")).to_have_count(3)
    expect(karim.get_by_text("Un café parents chaque vendredi matin")).to_have_count(0)
    expect(samia.get_by_text("Un café des parents le vendredi")).to_have_count(0)
    expect(column(lina, "ideas").get_by_text("Des locaux partagés <b>école</b>", exact=True)).to_be_visible()
    shot(karim, "1-private-writing")

    samia.get_by_role("button", name="Révéler les post-it").click()
    expect(column(karim, "ideas").get_by_text("Un café parents chaque vendredi matin")).to_be_visible()
    expect(column(karim, "ideas").locator(".note.is-private")).to_have_count(0)
    expect(column(karim, "ideas").get_by_text("Lina")).to_have_count(0)  # anonymous workshop

    samia.get_by_role("button", name="Regroupement →").click()
    expect(karim.get_by_test_id("phase-label")).to_have_text("Regroupement")
    expect(karim.locator("#dock .column-tab")).to_have_count(2)  # the columns can still be picked...
    expect(karim.locator("#composer")).to_be_hidden()  # ...but there is no writing in this phase

    cafe = column(samia, "ideas").locator(".note").filter(has_text="café")
    expect(cafe).to_have_count(2)
    select_cards(samia, cafe.nth(0), cafe.nth(1))
    samia.get_by_test_id("selection").get_by_role("button", name="Regrouper").click()
    group = column(karim, "ideas").locator(".group")
    expect(group.locator(".note")).to_have_count(2)
    open_group_menu(samia.locator(".group")).get_by_role("menuitem", name="Renommer").click()
    samia.get_by_label("Nom du groupe").fill("Café des parents")
    samia.locator(".group-rename").get_by_role("button", name="Enregistrer").click()
    expect(group.locator(".group-name")).to_have_text("Café des parents")
    shot(samia, "2-grouped")

    samia.locator(".phase-select").select_option("vote")
    expect(karim.get_by_test_id("phase-label")).to_have_text("Pondération par gommettes")
    expect(karim.get_by_test_id("dots-left")).to_contain_text("5 sur 5")
    karim.locator(".group").locator(".group-head").get_by_role("button", name="+ ●").click()
    expect(karim.get_by_test_id("dots-left")).to_contain_text("4 sur 5")
    locaux = column(karim, "ideas").locator(".note").filter(has_text="Des locaux partagés")
    locaux.get_by_role("button", name="+ ●").click()
    locaux.get_by_role("button", name="+ ●").click()
    expect(karim.get_by_test_id("dots-left")).to_contain_text("2 sur 5")
    expect(lina.get_by_test_id("dots-left")).to_contain_text("3 posées en tout")
    expect(lina.locator(".dots.revealed")).to_have_count(0)  # hidden until the reveal

    samia.get_by_role("button", name="Révéler les votes").click()
    results = lina.get_by_test_id("results")
    expect(results).to_contain_text("3 gommettes")
    expect(results.locator("ol").first.locator("li").first).to_contain_text("Des locaux partagés <b>école</b>")
    expect(results).to_contain_text("Café des parents")
    shot(lina, "3-results")

    # The room screen (projector) shows the phase, the results and no private text.
    room = samia.context.new_page()
    room.goto(server.url + samia.get_by_role("link", name="Écran de salle").get_attribute("href"))
    expect(room.get_by_test_id("room-phase")).to_contain_text("Pondération par gommettes")
    expect(room.get_by_test_id("room-board")).to_contain_text("2 ● Des locaux partagés <b>école</b>")
    expect(room.get_by_test_id("room-code")).to_be_visible()
    shot(room, "3b-room-results")
    samia.get_by_role("button", name="Masquer les votes").click()
    expect(room.get_by_test_id("room-board")).to_contain_text("Un café parents chaque vendredi matin")
    expect(room.get_by_test_id("room-board")).to_contain_text("Café des parents")

    samia.get_by_role("button", name="Lancer").click()
    expect(lina.get_by_test_id("timer")).to_have_text(re.compile(r"^[0-4]:\d\d$"))
    # A reload (a reconnecting screen) shows the time the server keeps.
    lina.reload()
    expect(lina.get_by_test_id("timer")).to_have_text(re.compile(r"^[0-4]:\d\d$"))
    expect(lina.get_by_test_id("phase-label")).to_have_text("Pondération par gommettes")
    shot(lina, "4-after-reload")


def test_drag_and_drop_undo_spotlight_reactions_and_replies(metaplan, new_page, shot):  # noqa: F811
    server, seeded, _code, code = metaplan
    samia = new_page()
    log_in(samia, server.url, seeded.facilitator_email, seeded.facilitator_password)
    samia.goto(f"{server.url}/j/{code}")
    karim = new_page()
    karim.goto(f"{server.url}/j/{code}")
    join_with_name(karim, "Karim")
    post_card(karim, "obstacle", "Pas de salle le soir")
    post_card(karim, "obstacle", "Horaires décalés")
    card = column(samia, "obstacle").locator(".note").filter(has_text="Pas de salle le soir")
    expect(card).to_have_count(1)

    card.drag_to(column(samia, "lever").locator(".notes"))
    expect(column(karim, "lever").get_by_text("Pas de salle le soir")).to_be_visible()
    expect(column(karim, "obstacle").get_by_text("Pas de salle le soir")).to_have_count(0)
    samia.get_by_role("button", name="Annuler le dernier geste").click()
    expect(column(karim, "obstacle").get_by_text("Pas de salle le soir")).to_be_visible()

    open_card_menu(column(samia, "obstacle").locator(".note").filter(has_text="Horaires décalés")).get_by_role(
        "menuitem", name="Projecteur").click()
    expect(column(karim, "obstacle").locator(".note.spotlight")).to_have_text(re.compile("Horaires décalés"))
    samia.get_by_role("button", name="Fin du coup de projecteur").click()
    expect(column(karim, "obstacle").locator(".note.spotlight")).to_have_count(0)
    open_card_menu(column(samia, "obstacle").locator(".note").filter(has_text="Horaires décalés")).get_by_role(
        "menuitem", name="Projecteur").click()
    expect(column(karim, "obstacle").locator(".note.spotlight")).to_have_text(re.compile("Horaires décalés"))

    horaires = column(karim, "obstacle").locator(".note").filter(has_text="Horaires décalés")
    horaires.get_by_role("button", name="Moi aussi").click()
    expect(column(samia, "obstacle").locator(".note").filter(has_text="Horaires décalés")
           .get_by_role("button", name="Moi aussi 1")).to_be_visible()
    horaires.locator(".reply-box summary").click()
    horaires.get_by_label("Répondre").fill("Chez nous aussi, <i>le mardi</i>")
    horaires.get_by_role("button", name="Envoyer").click()
    on_samia = column(samia, "obstacle").locator(".note").filter(has_text="Horaires décalés")
    expect(on_samia.locator(".reply")).to_contain_text("Chez nous aussi, <i>le mardi</i> — Karim")
    on_samia.locator(".reply").get_by_role("button", name="Masquer").click()
    expect(horaires.locator(".reply")).to_have_text("Réponse masquée par l'animateur·rice")
    shot(karim, "5-reactions-replies")
