"""Every other format run end to end in real Chromium: a facilitator and two participants go through each phase.

Freins-leviers and métaplan have their own scenarios (test_facilitation_browser.py, tests/browser). Here the
steps come from the format's data (workshop/formats/builtin.py), so a phase added to a format is walked too:
the facilitator creates the workshop through the form, moves phase by phase with the "next" button, and
participants write where the phase lets them, vote where it has a vote and keep their writing hidden where it
is private.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.board_page import column, join_with_name, log_in, notes_with_text, open_card_menu, post_card
from tests.browser.conftest import ARTIFACTS, browser, new_page  # noqa: F401  (fixtures)
from tests.serverproc import ROOT, ServerProcess, drop_database, new_database, prepare_database
from workshop.devserver import free_port
from workshop.formats.builtin import GROUP, VOTE, WRITE, get_format

pytestmark = pytest.mark.browser

SHOTS = ROOT / "tests" / "artifacts" / "formats"
FORMAT_KEYS = ["co-developpement", "world-cafe", "afom", "analyse-de-pratiques"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The production server on this module's ports (5830-5849), with the facilitator's account."""
    tmp = tmp_path_factory.mktemp("formats-browser")
    url, pg_name = new_database(tmp)
    seeded = prepare_database(url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    proc = ServerProcess(free_port(5830, 5849), url, tmp / "server.log").start()
    try:
        yield proc, seeded
    finally:
        proc.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "formats-server.log")
        drop_database(pg_name)


def create_workshop(page, server, seeded, fmt) -> str:
    """Log in, create a workshop of this format through the form, open its board; return its join code."""
    log_in(page, server.url, seeded.facilitator_email, seeded.facilitator_password)
    page.get_by_role("link", name="Nouvel atelier").click()
    page.get_by_label("Titre").fill(f"{fmt.label_fr} aux Tilleuls")
    page.get_by_label("Format").select_option(fmt.key)
    page.get_by_role("button", name="Créer l'atelier").click()
    expect(page).to_have_url(re.compile(r"/ateliers/\d+/salle$"))
    page.get_by_role("link", name="Ouvrir le tableau").click()
    expect(page).to_have_url(re.compile(r"/j/[A-Z0-9]+$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page.url.rsplit("/", 1)[1]


def writing_columns(fmt, phase) -> list[str]:
    """The column a phase is about (same key), or every column for a phase that fills them all."""
    keys = [c.key for c in fmt.columns]
    return [phase.key] if phase.key in keys else keys


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
def test_format_runs_end_to_end(server, format_key, new_page):  # noqa: F811
    proc, seeded = server
    fmt = get_format(format_key)
    samia = new_page()
    code = create_workshop(samia, proc, seeded, fmt)
    expect(samia.get_by_test_id("phase-label")).to_have_text(fmt.phases[0].label_fr)
    expect(samia.locator("section.column")).to_have_count(len(fmt.columns))

    karim, lina = new_page(), new_page()
    people = {"Karim": karim, "Lina": lina}
    for name, page in people.items():
        page.goto(f"{proc.url}/j/{code}")
        join_with_name(page, name)
        for spec in fmt.columns:
            expect(column(page, spec.key).locator("header h2")).to_have_text(spec.label_fr)

    posted: list[tuple[str, str, str]] = []  # (author, column, text)
    for index, phase in enumerate(fmt.phases):
        if index:
            samia.get_by_role("button", name=f"{phase.label_fr} →", exact=True).click()
        for page in (samia, karim, lina):
            expect(page.get_by_test_id("phase-label")).to_have_text(phase.label_fr)
            expect(page.locator(".phase-instructions")).to_have_text(phase.instructions)
        composers = karim.locator("#composer")
        karims_card = next(((k, text) for author, k, text in posted if author == "Karim"), None)
        if WRITE not in phase.allows:
            expect(composers.first).to_be_hidden()  # e.g. no new cards while voting
            if karims_card:  # nor editing: the server would refuse it
                expect(notes_with_text(karim, *karims_card).locator(".note-actions")).to_be_hidden()
        else:
            expect(composers.first).to_be_visible()
            if karims_card:
                mine = notes_with_text(karim, *karims_card)
                expect(open_card_menu(mine).get_by_role("menuitem", name="Modifier")).to_be_visible()
                mine.get_by_role("button", name="Actions du post-it").click()  # closed again
            if phase.by_table and index:  # world café: Karim joins Lina's table for this round
                karim.get_by_test_id("table-select").select_option("2")
                expect(karim.get_by_test_id("table-select")).to_have_value("2")
            written = write_phase(fmt, phase, people)
            posted += written
            if phase.private:
                check_private_then_reveal(samia, people, written)
        if VOTE in phase.allows:
            vote_and_reveal(samia, people, posted)
        if GROUP in phase.allows and WRITE not in phase.allows:
            # Participants cannot sort unless the facilitator lets everyone group.
            expect(karim.locator("#board.can-group")).to_have_count(0)
            expect(samia.locator("#board.can-group")).to_have_count(1)

    # The last phase offers no "next" button; every card is on both participants' boards, by column.
    expect(samia.locator(".fac-controls button", has_text="→")).to_have_count(0)
    for _author, key, text in posted:
        for page in people.values():
            expect(notes_with_text(page, key, text)).to_have_count(1)
    # Anonymous formats never name the other participant; named ones do.
    karims_on_lina = column(lina, posted[0][1]).locator(".note-author").filter(has_text="Karim")
    expect(karims_on_lina).to_have_count(0 if fmt.defaults["anonymous"] else 1)
    if format_key == "world-cafe":
        check_tables(lina, posted)
    lina.screenshot(path=str(SHOTS / f"{format_key}.png"), full_page=True)


def write_phase(fmt, phase, people) -> list[tuple[str, str, str]]:
    """Each participant posts one card in each column the phase is about; the other one's screen shows it
    (as a hidden placeholder while the phase is private)."""
    written = []
    for key in writing_columns(fmt, phase):
        for name, page in people.items():
            text = f"{name} — {phase.label_fr} — {key} <i>{fmt.key}</i>"
            post_card(page, key, text)
            expect(notes_with_text(page, key, text)).to_have_count(1)
            written.append((name, key, text))
    if not phase.private:
        for name, key, text in written:
            for other, page in people.items():
                if other != name:
                    expect(notes_with_text(page, key, text)).to_have_count(1)
    return written


def check_tables(lina, posted) -> None:
    """World café, after the rounds: each round column groups its cards under "Table n" headings, every table
    shown. Karim (first to arrive) sat at table 1, Lina at table 2; Karim moved to Lina's table from round 2."""
    def sequence(key):
        return column(lina, key).locator(".notes > .table-head, .notes > .note .note-text").all_text_contents()

    text = {(author, key): t for author, key, t in posted}
    expect(column(lina, "round1").locator(".table-head")).to_have_count(2)
    assert sequence("round1") == ["Table 1", text["Karim", "round1"], "Table 2 (votre table)",
                                  text["Lina", "round1"]]
    assert sequence("round2") == ["Table 2 (votre table)", text["Karim", "round2"], text["Lina", "round2"]]
    expect(column(lina, "harvest").locator(".table-head")).to_have_count(0)


def check_private_then_reveal(samia, people, written) -> None:
    """Before the reveal nobody reads the others' text, only a placeholder; after it, everyone does."""
    for name, key, text in written:
        for other, page in people.items():
            if other != name:
                expect(column(page, key).locator(".note.is-private")).to_have_count(
                    sum(1 for a, k, _ in written if k == key and a != other))
                expect(page.get_by_text(text)).to_have_count(0)
        expect(samia.get_by_text(text)).to_have_count(0)  # the facilitator sees counts only
    samia.get_by_role("button", name="Révéler les post-it").click()
    for _name, key, text in written:
        for page in (*people.values(), samia):
            expect(notes_with_text(page, key, text)).to_have_count(1)
    for page in people.values():
        expect(page.locator(".note.is-private")).to_have_count(0)


def vote_and_reveal(samia, people, posted) -> None:
    """Both participants put a dot on Lina's first card, Karim one on his own: hidden until the facilitator
    reveals the votes, then the ranking puts Lina's card first."""
    karim, lina = people["Karim"], people["Lina"]
    top = next((key, text) for author, key, text in posted if author == "Lina")
    karims = next((key, text) for author, key, text in posted if author == "Karim")
    for page in (karim, lina):
        expect(page.get_by_test_id("dots-left")).to_contain_text("3 sur 3")
        notes_with_text(page, *top).get_by_role("button", name="+ ●").click()
        expect(page.get_by_test_id("dots-left")).to_contain_text("2 sur 3")
    notes_with_text(karim, *karims).get_by_role("button", name="+ ●").click()
    expect(karim.get_by_test_id("dots-left")).to_contain_text("1 sur 3")
    expect(lina.get_by_test_id("dots-left")).to_contain_text("3 posées en tout")
    expect(lina.locator(".dots.revealed")).to_have_count(0)  # nobody sees others' dots yet
    samia.get_by_role("button", name="Révéler les votes").click()
    for page in (karim, lina, samia):
        results = page.get_by_test_id("results")
        expect(results).to_contain_text("Résultats : 3 gommettes, 2 votant·es")
        ranking = results.locator("ol").first.locator("li")
        expect(ranking.first).to_contain_text(f"2 ● {top[1]}")
        expect(ranking.nth(1)).to_contain_text(f"1 ● {karims[1]}")
    expect(notes_with_text(lina, *top).locator(".dots.revealed")).to_have_text("● 2")
