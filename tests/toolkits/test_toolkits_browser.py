"""In real Chromium against the production server: a coordinator composes a toolkit, saves, publishes, downloads."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import log_in
from tests.browser.conftest import ARTIFACTS, browser, new_page, shot  # noqa: F401  (fixtures)
from tests.serverproc import SECRET_KEY, ServerProcess, drop_database, new_database, prepare_database
from tests.toolkits.conftest import practice_data, read_pdf
from workshop.devserver import free_port

pytestmark = pytest.mark.browser
ADMIN = ("coordination@boites.passerelles", "motdepasse-coord")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production server (ports 5600-5649) with a coordinator and three published sheets."""
    tmp = tmp_path_factory.mktemp("toolkits-browser")
    url, pg_name = new_database(tmp)
    prepare_database(url)
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.practices import reviews, sheets

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.test_request_context():
        admin = accounts.create_user(db.session, ADMIN[0], "Claire Coordination", "admin", ADMIN[1])
        for index in (1, 2, 3):
            practice = sheets.create_practice(db.session, admin, practice_data(index))
            reviews.transition(db.session, admin, practice.id, "submit")
            reviews.transition(db.session, admin, practice.id, "publish")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(free_port(5600, 5649), url, tmp / "server.log",
                           extra_env={"PDF_CACHE_DIR": str(tmp / "pdf-cache"),
                                      "PDF_INLINE_WAIT": "0"}).start()  # every render shows its progress
    try:
        yield server
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "toolkits-server.log")
        drop_database(pg_name)


def test_coordinator_composes_publishes_and_downloads_a_toolkit(site, new_page, shot):  # noqa: F811
    page = new_page()
    log_in(page, site.url, *ADMIN)
    page.get_by_role("link", name="Boîtes à outils").click()
    page.get_by_label("Nouvelle boîte à outils").fill("Accueillir les familles")
    page.get_by_role("button", name="Créer et composer").click()
    expect(page).to_have_url(re.compile(r"/boites-a-outils/\d+/modifier$"))

    page.get_by_label("Rechercher").fill("tourcoing")
    hits = page.locator(".pick-hit")
    expect(hits).to_have_count(1)
    expect(page.locator("[data-pick-summary]")).to_have_text("1 fiche(s) publiée(s)")
    hits.first.get_by_role("button", name="Ajouter").click()
    expect(hits.first.get_by_role("button")).to_have_text("Déjà dans la boîte")
    page.get_by_role("button", name="Ajouter une section").click()
    page.locator("[data-section-title]").last.fill("Pour aller plus loin")
    page.get_by_label("Rechercher").fill("")
    page.get_by_label("Rechercher").press("Enter")
    expect(hits).to_have_count(3)
    page.locator(".pick-hit", has_text="n° 2 à Lille").get_by_role("button", name="Ajouter").click()
    page.get_by_label("Introduction des éditeur·rices").fill("Trois pratiques pour ouvrir l'école aux familles.")
    shot(page, "builder", full_page=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Boîte à outils enregistrée.")
    sections = page.locator("[data-section]")
    expect(sections).to_have_count(2)
    expect(sections.nth(0).locator(".entry-title")).to_have_text([re.compile("n° 1 à Tourcoing")])
    expect(sections.nth(1).locator(".entry-title")).to_have_text([re.compile("n° 2 à Lille")])

    # "Télécharger le PDF": the page asks in the background, shows "n/N pages" while the server lays it out
    # (polling the job), then the browser downloads the file.
    editor_url = page.url
    page.locator("a[data-pdf-download]").click()
    expect(page.locator(".pdf-inline-status")).to_be_visible()
    expect(page.locator("progress")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/exports/travaux/[^/]+/pdf$"), timeout=180_000)  # the finished file
    pdf = page.request.get(page.url)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = read_pdf(pdf.body()).pages[0].extract_text()
    assert "Accueillir les familles" in text

    page.goto(editor_url)
    page.get_by_role("button", name="Publier").click()
    expect(page.locator(".flash-success")).to_contain_text("publiée")
    public = page.locator("a[href*='/b/']").first
    public_url = public.get_attribute("href")
    anonymous = new_page()
    anonymous.goto(site.url + public_url)
    expect(anonymous.get_by_role("heading", name="Accueillir les familles")).to_be_visible()
    expect(anonymous.get_by_role("heading", name="2. Pour aller plus loin")).to_be_visible()
    shot(anonymous, "public")
