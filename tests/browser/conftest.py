"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real server subprocess."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.serverproc import ROOT, Seeded, ServerProcess, drop_database, new_database, prepare_database
from workshop.devserver import free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
# The README's screenshots: a test run writes them beside the other artifacts, so it leaves the committed files
# alone; `UPDATE_SCREENSHOTS=1` writes them into docs/ (then look at them before committing).
DOCS = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else ARTIFACTS / "docs"
SCREENSHOTS = DOCS / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
# Long enough for socket.io's reconnection back-off (reconnectionDelayMax 4 s) on a busy 2-core machine.
LIVE_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Not per session: Playwright's sync API allows one instance at a time in a
    process, and other test modules start their own."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (bash .ci/system-deps)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=LIVE_TIMEOUT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Live:
    """A running server and what the prepared database holds."""

    server: ServerProcess
    seeded: Seeded

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def code(self) -> str:
        return self.seeded.code


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory):
    """One production server (gunicorn + gevent) for the browser tests, on a fresh database."""
    tmp = tmp_path_factory.mktemp("browser-server")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url, pg_name = new_database(tmp)
    prepare_database(url)  # tables and the facilitator's account
    server = ServerProcess(free_port(), url, tmp / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "server.log")
        drop_database(pg_name)


@pytest.fixture
def live(browser, browser_server):
    """The running server and a new open workshop of its facilitator, for this test alone."""
    seeded = prepare_database(browser_server.database_url)
    yield Live(browser_server, seeded)
    if not browser_server.running:  # a test that stopped it failed before starting it again
        browser_server.start()


# Before any page script: remember every CSP violation the page reports.
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


@pytest.fixture
def page(browser):
    """A page that records what hostile markup would cause if it ran: CSP violations (window.__csp and the console),
    JavaScript errors, dialogs (dismissed)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.console_csp = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.console_csp.append(m.text))
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context (its own cookies and localStorage): one person, one device.

    Uncaught JavaScript errors fail the test."""
    contexts, errors = [], []

    def open_page(**options):
        context = browser.new_context(**{"locale": "fr-FR", "viewport": {"width": 1280, "height": 800}, **options})
        context.set_default_timeout(LIVE_TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def shot(request):
    """Save a screenshot under tests/artifacts/browser/<test>-<step>.png."""

    def take(page, step: str, full_page: bool = False) -> Path:
        path = ARTIFACTS / f"{_slug(request.node.name)}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
