"""A departmental meeting end to end in Chromium: a coordinator builds it with two parallel workshops, three
people register (the third waits, then moves up after a cancellation), two are checked in (one by the page of
their personal QR, one ticked on the list on a phone), both open their board without typing a name and post a
card; the restitution counts them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import log_in, notes_with_text, post_card
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _widths(page, name: str) -> None:
    """Screenshots at 320, 390 and 1366 px; at 320 px no sideways scrolling and axe finds nothing serious."""
    for width in (320, 390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"meetings-{name}-{width}.png"), full_page=True)
        if width == 320:
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name} overflows at 320 px"
            assert_accessible(page, f"meeting-{name}@320")
    page.set_viewport_size({"width": 1280, "height": 900})


def _register(page, url: str, name: str, profile: str) -> None:
    page.goto(url)
    page.get_by_label("Nom et prénom").fill(name)
    page.get_by_label(profile, exact=True).check()
    page.get_by_label("Atelier choisi").select_option(index=1)
    page.get_by_role("button", name="M'inscrire").click()
    expect(page).to_have_url(re.compile(r"/rencontres/inscription/"))


def test_a_meeting_is_built_registered_checked_in_and_worked_on(live, new_page):
    def new_page(_open=new_page, **options):
        page = _open(**options)
        serve_axe(page.context)
        return page

    coordinator = new_page()
    log_in(coordinator, live.url, live.seeded.facilitator_email, live.seeded.facilitator_password)
    coordinator.goto(live.url + "/rencontres/nouvelle")
    coordinator.get_by_label("Titre").fill("Rencontre départementale — test navigateur")
    coordinator.get_by_label("Début").fill("2030-03-14T09:00")
    coordinator.get_by_label("Fin", exact=True).fill("2030-03-14T16:00")
    coordinator.get_by_label("Jauge (places)").fill("2")
    coordinator.get_by_role("button", name="Enregistrer").click()
    expect(coordinator).to_have_url(re.compile(r"/rencontres/\d+/programme$"))
    meeting_url = coordinator.url.removesuffix("/programme")
    slot = coordinator.get_by_test_id("slot-form")
    slot.get_by_label("Intitulé").fill("Freins et leviers")
    slot.get_by_label("Début").fill("2030-03-14T10:00")
    slot.get_by_label("Fin").fill("2030-03-14T12:00")
    slot.get_by_label("Nombre d'ateliers en parallèle").fill("2")
    slot.get_by_role("button", name="Créer les ateliers").click()
    expect(coordinator.get_by_test_id("programme").locator("li li")).to_have_count(2)
    assert_accessible(coordinator, "meeting-programme")

    register_url = meeting_url + "/inscription"
    awa, jules, ines = new_page(**PHONE), new_page(), new_page(**PHONE)
    _register(awa, register_url, "Awa Diallo", "École, collège")
    assert_accessible(awa, "meeting-mine")
    _widths(awa, "mine")
    _register(jules, register_url, "Jules Martin", "Centre social")
    ines.goto(register_url)
    assert_accessible(ines, "meeting-register")
    _widths(ines, "register")
    _register(ines, register_url, "Inès Benali", "Parent")
    expect(ines.get_by_test_id("my-status")).to_contain_text("Liste d'attente")
    jules.get_by_test_id("cancel-registration").click()
    expect(jules.get_by_test_id("my-status")).to_contain_text("Annulée")
    ines.reload()
    expect(ines.get_by_test_id("my-status")).to_contain_text("Inscrit·e")

    # Check-in: Awa's personal QR opens the arrival page on the coordinator's phone; Inès is ticked on the list.
    coordinator.goto(meeting_url + "/inscrits")
    awa_id = coordinator.get_by_test_id("registrant").filter(has_text="Awa Diallo").get_attribute("id")[1:]
    coordinator.goto(f"{meeting_url}/accueil/{awa_id}")
    coordinator.get_by_test_id("confirm-arrival").click()
    expect(coordinator.get_by_role("status").first).to_contain_text("Awa Diallo : arrivée enregistrée")
    coordinator.set_viewport_size({"width": 390, "height": 844})
    coordinator.goto(meeting_url + "/inscrits")
    assert_accessible(coordinator, "meeting-registrants")
    coordinator.get_by_test_id("registrant").filter(has_text="Inès Benali").get_by_test_id("check-in").click()
    expect(coordinator.get_by_test_id("registrant").filter(has_text="Inès Benali").get_by_test_id("check-in")) \
        .to_have_attribute("aria-pressed", "true")
    _widths(coordinator, "registrants")

    for person, text in ((awa, "Un café des parents dans le hall"), (ines, "Les horaires ne collent pas")):
        person.reload()
        person.get_by_test_id("open-board").click()
        expect(person).to_have_url(re.compile(r"/j/[A-Z0-9]+$"))
        expect(person.locator("#connection")).to_have_attribute("data-state", "online")
        expect(person.locator("#name-dialog")).to_be_hidden()  # no name to type: the seat came with the token
        post_card(person, "obstacle", text)
        expect(notes_with_text(person, "obstacle", text)).to_have_count(1)
    expect(awa.locator("#presence-names")).to_contain_text("Awa Diallo")  # the registered name, not typed

    coordinator.set_viewport_size({"width": 1280, "height": 900})
    coordinator.goto(meeting_url + "/restitution")
    expect(coordinator.get_by_test_id("attendance")).to_have_text("2 inscrit·es, 2 présent·es")
    expect(coordinator.locator("main")).to_contain_text("Un café des parents dans le hall")
    assert_accessible(coordinator, "meeting-restitution")
    _widths(coordinator, "restitution")
    coordinator.goto(meeting_url)
    _widths(coordinator, "show")
