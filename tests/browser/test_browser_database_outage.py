"""The database stops answering while a card is sent (the server and the connection stay up): the server says so
at once, the card waits in the outbox where its author sees it waiting, and it is delivered once when the
database answers again. The outage is real: another connection holds SQLite's write lock (as a long import or
a stuck process would), and the server's wait for it is shortened to 0.3 s (SQLITE_BUSY_SECONDS)."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import join_with_name, notes_with_text, post_card
from tests.browser.conftest import ARTIFACTS
from tests.serverproc import ServerProcess, count_cards, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser

UNAVAILABLE = "Enregistrement impossible pour l'instant : vos post-it attendent et partiront tout seuls."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own: the shared one waits 30 s for a locked database, as production does."""
    tmp = tmp_path_factory.mktemp("database-outage")
    url = f"sqlite:///{tmp / 'server.db'}"
    seeded = prepare_database(url)
    server = ServerProcess(free_port(), url, tmp / "server.log", extra_env={"SQLITE_BUSY_SECONDS": "0.3"})
    server.start(timeout=120)
    try:
        yield server, seeded, tmp / "server.db"
    finally:
        server.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp / "server.log", ARTIFACTS / "database-outage-server.log")


def test_a_card_sent_while_the_database_is_down_waits_and_is_delivered_once(server, new_page, shot):
    server, seeded, path = server
    nadia, karim = new_page(), new_page()
    for page, name in ((nadia, "Nadia"), (karim, "Karim")):
        page.goto(f"{server.url}/j/{seeded.code}")
        join_with_name(page, name)

    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # nobody else writes until it ends
        text = "Une permanence des parents le mardi soir, au centre social."
        post_card(nadia, "lever", text)
        waiting = notes_with_text(nadia, "lever", text)
        expect(nadia.locator("#board-error")).to_have_text(UNAVAILABLE)  # said at once, not after 30 s
        expect(waiting).to_have_class(re.compile(r"\bpending\b"))
        expect(waiting.locator(".note-state")).to_have_text("en attente d'envoi")
        expect(nadia.locator("#connection")).to_have_attribute("data-waiting", "1")
        expect(nadia.locator("#connection")).to_have_text("En ligne · 1 en attente d'envoi")  # the server is there
        shot(nadia, "1-database-down-card-waiting")
        assert lock.execute("SELECT count(*) FROM card WHERE text = ?", (text,)).fetchone()[0] == 0
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # The outbox sends it again by itself (1 s, then 2, 4... after each refusal): delivered, once.
    expect(waiting).not_to_have_class(re.compile(r"\bpending\b"), timeout=20_000)
    expect(waiting).to_have_count(1)
    expect(nadia.locator("#board-error")).to_be_hidden()
    delivered = notes_with_text(karim, "lever", text)
    expect(delivered).to_have_count(1)
    expect(delivered.locator(".note-author")).to_have_text("Nadia")
    assert count_cards(seeded.database_url, text) == 1
    assert nadia.evaluate(f"localStorage.getItem('passerelles:outbox:{seeded.code}')") == "[]"
