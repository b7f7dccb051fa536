"""In real Chromium against the production server: a coordinator opens the programme page, records time, adds
a budget line and prints the bilan; a visitor reads the frameworks catalogue. Axe on each page, three widths."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, serve_axe
from tests.browser.board_page import log_in
from tests.browser.conftest import ARTIFACTS, browser, new_page  # noqa: F401  (fixtures)
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database
from tests.toolkits.conftest import read_pdf
from workshop.devserver import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ADMIN = ("coordination@passerelles.demo", "passerelles-demo")
WIDTHS = (320, 390, 1366)
SHOTS = ARTIFACTS.parent / "programme"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production server (ports 5950-5979) on a small demo: accounts, map, catalogue and programme."""
    tmp = tmp_path_factory.mktemp("programme-browser")
    url, pg_name = new_database(tmp)
    from workshop import create_app
    from workshop.demo import seed_board
    from workshop.extensions import db
    from workshop.frameworks.catalogue import seed_texts
    from workshop.mapping.demo import seed_structures
    from workshop.programme.demo import seed_programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.test_request_context():
        db.create_all()
        seed_board(db.session)
        seed_structures(db.session, 40)
        seed_texts(db.session)
        programme_id = seed_programme(db.session).id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(free_port(5950, 5979), url, tmp / "server.log",
                           extra_env={"PDF_CACHE_DIR": str(tmp / "pdf-cache")}).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield server, programme_id
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "programme-server.log")
        drop_database(pg_name)


def _page(new_page):  # noqa: F811
    """A fresh person (the shared fixture: French, uncaught JavaScript errors fail the test) with axe served."""
    page = new_page(viewport={"width": 1366, "height": 900})
    serve_axe(page.context)
    return page


def _check(page, label: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 700})
        page.screenshot(path=str(SHOTS / f"{label}-{width}.png"), full_page=True)
        assert_accessible(page, f"{label}@{width}")
        wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")  # to say what to fix
        assert wider <= 0, f"{label}@{width}: the page is {wider}px wider than the window: {culprits}"
    page.set_viewport_size({"width": 1366, "height": 900})


def test_coordinator_records_time_adds_a_budget_line_and_prints_the_bilan(new_page, site):  # noqa: F811
    server, programme_id = site
    page = _page(new_page)
    log_in(page, server.url, *ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Programme").click()
    page.get_by_role("link", name="Écoles et centres sociaux 2026-2027").click()
    expect(page).to_have_url(re.compile(rf"/programmes/{programme_id}$"))
    expect(page.get_by_role("heading", name="Budget", exact=True)).to_be_visible()

    time_form = page.locator("form", has=page.get_by_role("heading", name="Enregistrer du temps"))
    time_form.get_by_label("Réseau").select_option(label="École-familles")
    time_form.get_by_label("Type de travail").select_option(label="Communication")
    time_form.get_by_label("Heures").fill("2,75")
    time_form.get_by_label("Qui").fill("Fatou Diallo")
    time_form.get_by_role("button", name="Enregistrer le temps").click()
    expect(page.locator(".flash-success")).to_have_text("Temps enregistré.")

    budget = page.locator("form", has=page.get_by_role("heading", name="Ajouter une ligne budgétaire"))
    budget.get_by_label("Catégorie").select_option(label="Supports et impression")
    budget.get_by_label("Intitulé").fill("Affiches bilingues des cafés des parents")
    budget.get_by_label("Prévu (€)").fill("1 250,4")
    budget.get_by_label("Engagé (€)").fill("1250.40")
    budget.get_by_label("Dépensé (€)").fill("12,345")
    budget.get_by_role("button", name="Ajouter la ligne").click()
    expect(page.locator(".flash-error").first).to_contain_text("au plus deux décimales")
    budget = page.locator("form", has=page.get_by_role("heading", name="Ajouter une ligne budgétaire"))
    budget.get_by_label("Dépensé (€)").fill("600")
    budget.get_by_role("button", name="Ajouter la ligne").click()
    expect(page.locator(".flash-success")).to_have_text("Ligne budgétaire ajoutée.")
    row = page.locator("table.budget tr", has_text="Affiches bilingues")
    expect(row).to_contain_text("1\u202f250,40 €")
    _check(page, "fr-programme-coordinator")

    pdf = page.request.get(f"{server.url}/programmes/{programme_id}/bilan.pdf",
                           headers={"Accept": "application/json"})
    if pdf.status == 202:
        job = pdf.json()
        deadline = time.monotonic() + 180
        while job["job"]["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            job = page.request.get(server.url + pdf.json()["status_url"]).json()
        pdf = page.request.get(server.url + job["download_url"])
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in read_pdf(pdf.body()).pages).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Bilan du programme" in text and "Supports et impression" in text and "1 250,40 €" in text

    page.goto(f"{server.url}/programmes/{programme_id}?lang=en")
    expect(page.get_by_role("heading", name="Where the programme stands")).to_be_visible()
    _check(page, "en-programme-coordinator")


def test_a_visitor_reads_the_catalogue_and_the_programme_without_budget(new_page, site):  # noqa: F811
    server, programme_id = site
    page = _page(new_page)
    page.goto(server.url + "/")
    page.get_by_role("navigation").get_by_role("link", name="Dispositifs").click()
    _check(page, "fr-frameworks")
    page.get_by_role("link", name="CLAS", exact=True).click()
    expect(page.get_by_role("heading", name="Qui peut en bénéficier")).to_be_visible()
    _check(page, "fr-framework-clas")
    page.goto(f"{server.url}/dispositifs/clas?lang=en")
    expect(page.get_by_role("heading", name="Who is eligible")).to_be_visible()
    _check(page, "en-framework-clas")
    page.goto(f"{server.url}/programmes/{programme_id}?lang=fr")
    expect(page.get_by_role("heading", name="Indicateurs")).to_be_visible()
    expect(page.get_by_role("heading", name="Budget", exact=True)).to_have_count(0)
    _check(page, "fr-programme-public")
