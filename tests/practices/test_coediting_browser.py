"""In real Chromium: the author of a practice sheet and the person she invited edit it at the same time. What one
types shows up in the other's page, a save moves the other's form to the new version, and two saves of the same
field from the same version end with a French conflict page for the second: both texts shown, nothing overwritten."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from tests.browser.board_page import log_in
from tests.browser.conftest import browser, new_page  # noqa: F401  (fixtures)
from tests.serverproc import ROOT, SECRET_KEY, ServerProcess, drop_database, new_database
from workshop.devserver import free_port

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts" / "practices"
SAMIA = ("samia@test.passerelles", "motdepasse-samia", "Samia Animatrice")
NADIA = ("nadia@test.passerelles", "motdepasse-nadia", "Nadia Invitée")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production server on ports 5850-5869 with a facilitator's draft sheet and a member with an account."""
    tmp = tmp_path_factory.mktemp("practices-coediting")
    url, pg_name = new_database(tmp)
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db
    from workshop.practices import sheets

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.test_request_context():
        db.create_all()
        samia = accounts.create_user(db.session, SAMIA[0], SAMIA[2], "facilitator", SAMIA[1])
        accounts.create_user(db.session, NADIA[0], NADIA[2], "member", NADIA[1])
        practice_id = sheets.create_practice(db.session, samia, {
            "title": "Café des parents au collège",
            "summary": "Un café mensuel au collège.",
            "context": "Les parents entrent peu dans le collège.",
            "levers": "Un lieu neutre."}).id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(free_port(5850, 5869), url, tmp / "server.log").start()
    try:
        yield server, url, practice_id
    finally:
        server.stop()
        shutil.copy(tmp / "server.log", ARTIFACTS / "coediting-server.log")
        drop_database(pg_name)


def stored(database_url: str, practice_id: int) -> tuple[int, str, list[tuple[int, str]]]:
    """What the database really holds: the sheet's version and levers, and every saved version's levers."""
    from workshop.practices.models import Practice, PracticeVersion

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            version, levers = conn.execute(select(Practice.version, Practice.levers)
                                           .where(Practice.id == practice_id)).one()
            history = conn.execute(select(PracticeVersion.number, PracticeVersion.data)
                                   .where(PracticeVersion.practice_id == practice_id)
                                   .order_by(PracticeVersion.number)).all()
            return version, levers, [(n, data.get("levers", "")) for n, data in history]
    finally:
        engine.dispose()


def test_two_editors_see_each_other_live_and_the_second_save_gets_a_conflict(site, new_page):  # noqa: F811
    server, database_url, practice_id = site
    edit_url = f"{server.url}/fiches/{practice_id}/modifier"

    # The author invites Nadia to co-write the sheet, from the sheet's page.
    samia = new_page()
    log_in(samia, server.url, *SAMIA[:2])
    samia.goto(f"{server.url}/fiches/{practice_id}")
    samia.get_by_label("Inviter à co-rédiger (e-mail)").fill(NADIA[0])
    samia.get_by_role("button", name="Inviter", exact=True).click()
    expect(samia.get_by_text("Nadia Invitée peut maintenant modifier cette fiche.")).to_be_visible()

    nadia = new_page()
    log_in(nadia, server.url, *NADIA[:2])
    samia.goto(edit_url)
    nadia.goto(edit_url)
    samia_status, nadia_status = samia.locator("#coedit-status"), nadia.locator("#coedit-status")
    expect(samia_status).to_contain_text("En train de modifier cette fiche : Nadia Invitée, Samia Animatrice")
    expect(nadia_status).to_contain_text("Nadia Invitée, Samia Animatrice")

    # 1. What Samia types appears in Nadia's page, with who is typing where.
    samia.locator("#summary").fill("Un café mensuel au collège, animé avec le centre social.")
    expect(nadia.locator("#summary")).to_have_value("Un café mensuel au collège, animé avec le centre social.")
    expect(nadia_status).to_have_text("Samia Animatrice modifie « Résumé (quelques lignes) »")

    # 2. Samia saves: Nadia is told, and her untouched fields and version follow (her next save is not stale).
    samia.locator("#context").fill("Les parents n'entrent jamais dans le collège.")
    samia.get_by_role("button", name="Enregistrer").click()
    expect(samia.get_by_text("Fiche enregistrée.")).to_be_visible()
    expect(nadia_status).to_contain_text("Samia Animatrice a enregistré la version 2 ; les champs que vous "
                                         "n'aviez pas touchés sont à jour.")
    expect(nadia.locator("#context")).to_have_value("Les parents n'entrent jamais dans le collège.")
    expect(nadia.locator("input[name=version]")).to_have_value("2")
    # A keystroke sent from version 1 that arrives after the save (typed just before the click) is ignored: it
    # does not bring back old text. A keystroke from version 2 sent after it still arrives, so the first was seen.
    samia.evaluate("""async (id) => {
        const { io } = await import("/static/vendor/socket.io.esm.min.js");
        const socket = io("/practice", { transports: ["websocket"] });
        const send = (event, payload) =>
            new Promise((done) => socket.emit(event, { practice_id: id, ...payload }, done));
        await send("join", {});
        await send("typing", { field: "context", value: "Texte d'avant", version: 1 });
        await send("typing", { field: "summary", value: "Un café mensuel au collège.", version: 2 });
        socket.close();
    }""", practice_id)
    expect(nadia.locator("#summary")).to_have_value("Un café mensuel au collège.")
    expect(nadia.locator("#context")).to_have_value("Les parents n'entrent jamais dans le collège.")
    assert stored(database_url, practice_id)[0] == 2

    # 3. Both change the same field from version 2. Samia's text first reaches Nadia live; once Nadia types her own,
    # Samia is warned that both are on it.
    samia.goto(edit_url)
    expect(samia.locator("input[name=version]")).to_have_value("2")
    expect(samia_status).to_contain_text("Nadia Invitée, Samia Animatrice")
    samia.locator("#levers").fill("Un créneau commun le mercredi matin.")
    expect(nadia.locator("#levers")).to_have_value("Un créneau commun le mercredi matin.")
    nadia.locator("#levers").fill("Une salle prêtée par la mairie.")
    expect(samia_status).to_contain_text("Nadia Invitée modifie aussi « Leviers et conditions de réussite » : à "
                                         "l'enregistrement, les deux versions vous seront montrées.")

    # Samia saves first; Nadia's page keeps her text and version 2, and warns her.
    samia.get_by_role("button", name="Enregistrer").click()
    expect(samia.get_by_text("Fiche enregistrée.")).to_be_visible()
    expect(nadia_status).to_contain_text("Samia Animatrice a enregistré la version 3 en changeant un champ que vous "
                                         "modifiez")
    expect(nadia.locator("#levers")).to_have_value("Une salle prêtée par la mairie.")
    expect(nadia.locator("input[name=version]")).to_have_value("2")

    # Nadia saves from version 2: the conflict page, in French, with both texts; her text stays in the form.
    nadia.get_by_role("button", name="Enregistrer").click()
    conflict = nadia.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Conflit de modification")
    expect(conflict).to_contain_text("Rien n'a été écrasé")
    expect(conflict).to_contain_text("Leviers et conditions de réussite")
    expect(conflict.get_by_test_id("theirs")).to_have_text("Un créneau commun le mercredi matin.")
    expect(conflict.get_by_test_id("yours")).to_have_text("Une salle prêtée par la mairie.")
    expect(nadia.locator("#levers")).to_have_value("Une salle prêtée par la mairie.")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nadia.screenshot(path=str(ARTIFACTS / "coediting-conflict.png"), full_page=False)

    # Nothing was overwritten: Samia's text is the sheet's, Nadia's is in no saved version.
    version, levers, history = stored(database_url, practice_id)
    assert (version, levers) == (3, "<p>Un créneau commun le mercredi matin.</p>")
    assert [n for n, _ in history] == [1, 2, 3]
    assert not any("mairie" in text for _, text in history)

    # The conflict page moved Nadia to version 3: keeping her text now saves version 4, which the history shows.
    nadia.get_by_role("button", name="Enregistrer").click()
    expect(nadia.get_by_text("Fiche enregistrée.")).to_be_visible()
    version, levers, history = stored(database_url, practice_id)
    assert (version, levers) == (4, "<p>Une salle prêtée par la mairie.</p>")
    assert history[2][1] == "<p>Un créneau commun le mercredi matin.</p>"


def test_two_saves_at_the_same_moment_from_the_same_version_keep_one_and_show_the_other(site, new_page):  # noqa: F811
    server, database_url, practice_id = site
    edit_url = f"{server.url}/fiches/{practice_id}/modifier"
    before, _levers, history_before = stored(database_url, practice_id)
    samia, nadia = new_page(), new_page()
    log_in(samia, server.url, *SAMIA[:2])
    log_in(nadia, server.url, *NADIA[:2])
    for page in (samia, nadia):
        page.goto(edit_url)
    texts = {}
    for page, text in ((samia, "Un goûter partagé à la sortie des classes."),
                       (nadia, "Des parents relais qui accueillent les autres.")):
        expect(page.locator("input[name=version]")).to_have_value(str(before))
        expect(page.locator("#coedit-status")).to_contain_text("Nadia Invitée, Samia Animatrice")
        page.locator("#levers").fill(text)
        texts[id(page)] = text

    # Both press "Enregistrer" at once (neither waits for the other's page to load).
    for page in (samia, nadia):
        page.evaluate("document.getElementById('practice-form').requestSubmit()")
    outcomes = {}
    for name, page in (("samia", samia), ("nadia", nadia)):
        saved_or_conflict = page.get_by_text("Fiche enregistrée.").or_(page.get_by_test_id("conflict"))
        expect(saved_or_conflict).to_be_visible()
        outcomes[name] = "conflict" if page.get_by_test_id("conflict").count() else "saved"
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner, loser = (samia, nadia) if outcomes["samia"] == "saved" else (nadia, samia)

    # The loser sees both texts in French; the winner's text is the sheet's; the loser's was written nowhere.
    conflict = loser.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Rien n'a été écrasé")
    expect(conflict.get_by_test_id("theirs")).to_have_text(texts[id(winner)])
    expect(conflict.get_by_test_id("yours")).to_have_text(texts[id(loser)])
    loser.screenshot(path=str(ARTIFACTS / "coediting-simultaneous-conflict.png"))
    version, levers, history = stored(database_url, practice_id)
    assert (version, levers) == (before + 1, f"<p>{texts[id(winner)]}</p>")
    assert len(history) == len(history_before) + 1
    assert not any(texts[id(loser)] in text for _, text in history)
