"""Coordinators export and erase a participant, a workshop or an account; closed workshops are purged after
RETENTION_MONTHS; the notice at join, the public page and an access log without personal data."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from sqlalchemy import select, update

from tests.conftest import PASSWORD
from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards.models import Card, Participant, Workshop
from workshop.extensions import db
from workshop.jobs.queue import get_queue
from workshop.live.models import BoardEvent
from workshop.privacy.accesslog import PrivateAccessLogger
from workshop.privacy.erasure import ERASED_NAME
from workshop.privacy.retention import months_before, purge_expired


def logged_text(workshop_id: int) -> str:
    return json.dumps([e.payload for e in db.session.scalars(
        select(BoardEvent).where(BoardEvent.workshop_id == workshop_id))], ensure_ascii=False)


def texts(workshop_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Card.text).where(Card.workshop_id == workshop_id).order_by(Card.id)))


# --- coordinators ------------------------------------------------------------------------------------------


def test_a_coordinator_exports_and_erases_one_participant(client, login, make_user, written):
    board = written()
    login(make_user("admin"))
    data = client.get(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/participants/{board.nadia_id}.json")
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    exported = data.get_json()
    assert [c["text"] for c in exported["cards"]] == ["La famille Martin ne vient plus"]
    assert "Café des parents" not in data.get_data(as_text=True)
    page = client.get(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}").get_data(as_text=True)
    assert "Nadia" in page and "Karim" in page
    answer = client.post(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/participants/{board.nadia_id}"
                         "/effacer")
    assert answer.status_code == 302
    assert texts(board.workshop_id) == ["", "Café des parents le jeudi"]
    assert "Martin" not in logged_text(board.workshop_id)


def test_a_participant_of_another_workshop_is_not_found_there(client, login, make_user, written):
    board, other = written(), written("Autre")
    login(make_user("admin"))
    url = f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/participants/{other.nadia_id}"
    response = client.get(url + ".json", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.post(url + "/effacer").status_code == 404
    assert texts(other.workshop_id)[0] == "La famille Martin ne vient plus"


def test_a_coordinator_erases_a_whole_workshop(client, login, make_user, written):
    board, other = written(), written("Autre")
    login(make_user("admin"))
    index = client.get("/admin/donnees-personnelles").get_data(as_text=True)
    assert "Atelier RGPD" in index and "Samia Animatrice" in index
    everything = client.get(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}.json").get_json()
    assert {p["participant"]["name"] for p in everything["participants"]} >= {"Nadia", "Karim"}
    assert client.post(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/effacer").status_code == 302
    assert texts(board.workshop_id) == ["", ""]
    names = set(db.session.scalars(select(Participant.name).where(Participant.workshop_id == board.workshop_id)))
    assert names == {ERASED_NAME}
    log = logged_text(board.workshop_id)
    assert "Martin" not in log and "Café des parents" not in log and "Réponse de Nadia" not in log
    assert "Nadia" not in log and "Karim" not in log
    assert texts(other.workshop_id) == ["La famille Martin ne vient plus", "Café des parents le jeudi"]


def test_only_coordinators_reach_the_personal_data_tools(client, login, facilitator, written):
    board = written()
    assert client.get("/admin/donnees-personnelles").status_code == 302  # to the login page
    login(facilitator)
    for url in ("/admin/donnees-personnelles", f"/admin/donnees-personnelles/ateliers/{board.workshop_id}.json"):
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/effacer").status_code == 403
    assert texts(board.workshop_id)[0] == "La famille Martin ne vient plus"


def test_an_erased_account_is_de_identified_and_its_work_stays(client, login, make_user, written, facilitator):
    board = written()
    admin = make_user("admin")
    login(admin)
    exported = client.get(f"/admin/donnees-personnelles/comptes/{facilitator.id}.json").get_json()
    assert exported["account"]["email"] == facilitator.email
    assert [w["id"] for w in exported["workshops_facilitated"]] == [board.workshop_id]
    assert client.post(f"/admin/donnees-personnelles/comptes/{facilitator.id}/effacer").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, facilitator.id)
    assert user.name == "Compte effacé" and facilitator.email not in user.email and not user.active
    assert db.session.get(Workshop, board.workshop_id).facilitator_id == user.id  # the workshop stays
    assert db.session.get(Participant, board.facilitator_id).name == ERASED_NAME
    assert texts(board.workshop_id)[1] == "Café des parents le jeudi"  # participants' words are not the account's
    own = client.post(f"/admin/donnees-personnelles/comptes/{admin.id}/effacer")
    assert own.status_code == 400
    assert accounts.get_by_email(db.session, admin.email).name != "Compte effacé"
    assert client.post("/connexion", data={"email": facilitator.email, "password": PASSWORD}).status_code == 200



def test_erasing_an_account_ends_the_sessions_it_had_open(app, client, login, make_user, facilitator):
    # No `session` fixture here: its app context would be shared by every request and keep Flask-Login's user.
    elsewhere = app.test_client()  # the facilitator, still logged in on another computer
    assert elsewhere.post("/connexion", data={"email": facilitator.email, "password": PASSWORD}).status_code == 302
    assert elsewhere.get("/ateliers").status_code == 200
    login(make_user("admin"))
    assert client.post(f"/admin/donnees-personnelles/comptes/{facilitator.id}/effacer").status_code == 302
    assert elsewhere.get("/ateliers").status_code == 302  # sent back to the login page

# --- CLI -----------------------------------------------------------------------------------------------------


def test_cli_exports_and_erases_with_validated_arguments(runner, written, tmp_path):
    board = written()
    out = tmp_path / "nadia.json"
    result = runner.invoke(args=["privacy-export", "--workshop", str(board.workshop_id), "--participant",
                                 str(board.nadia_id), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["cards"][0]["text"] == "La famille Martin ne vient plus"
    for args, message in (
        (["privacy-erase", "--workshop", str(board.workshop_id)], "--yes"),
        (["privacy-erase", "--yes"], "--workshop"),
        (["privacy-erase", "--participant", "1", "--yes"], "--workshop"),
        (["privacy-export", "--workshop", "0"], "0"),
        (["privacy-export", "--workshop", str(2**63)], "2"),
        (["privacy-export", "--workshop", "99999"], "Atelier introuvable"),
        (["privacy-export", "--account", "personne@exemple.fr"], "Aucun compte"),
        (["purge-personal-data", "--months", "0"], "0"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert texts(board.workshop_id)[0] == "La famille Martin ne vient plus"
    result = runner.invoke(args=["privacy-erase", "--workshop", str(board.workshop_id), "--participant",
                                 str(board.nadia_id), "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 post-it" in result.output
    assert texts(board.workshop_id) == ["", "Café des parents le jeudi"]
    assert "Martin" not in logged_text(board.workshop_id)


# --- retention ---------------------------------------------------------------------------------------------


def close(workshop_id: int, at: datetime) -> None:
    db.session.execute(update(Workshop).where(Workshop.id == workshop_id).values(status="closed"))
    db.session.add(BoardEvent(workshop_id=workshop_id, seq=999, type="workshop.closed",
                              payload={"status": "closed"}, at=at))
    db.session.commit()


def test_retention_purges_workshops_closed_more_than_n_months_ago(app, session, written):
    now = datetime(2030, 6, 15, 12, 0)
    old, recent, still_open = written("Ancien"), written("Récent"), written("Ouvert")
    close(old.workshop_id, now - timedelta(days=25 * 31))
    close(recent.workshop_id, now - timedelta(days=30))
    assert app.config["RETENTION_MONTHS"] == 24
    dry = purge_expired(session, now, dry_run=True)
    assert dry["workshops"] == 1 and dry["cards"] == 2 and dry["replies"] == 1
    assert texts(old.workshop_id)[0] == "La famille Martin ne vient plus"  # a dry run changes nothing
    counts = purge_expired(session, now)
    session.commit()
    assert counts["workshops"] == 1 and counts["cards"] == 2 and counts["replies"] == 1
    assert counts["participants"] == 3  # Nadia, Karim and the facilitator's seat
    assert texts(old.workshop_id) == ["", ""]
    assert "Martin" not in logged_text(old.workshop_id) and "Nadia" not in logged_text(old.workshop_id)
    assert texts(recent.workshop_id)[0] == "La famille Martin ne vient plus"
    assert texts(still_open.workshop_id)[0] == "La famille Martin ne vient plus"
    assert purge_expired(session, now)["workshops"] == 0  # nothing left to purge



def test_the_worker_purges_expired_workshops_every_night(app, written):
    board = written()
    close(board.workshop_id, datetime(2000, 1, 1))
    huey = get_queue().huey
    due = [task for task in huey.read_periodic(datetime(2026, 12, 2, 3, 37)) if task.name == "privacy.purge_expired"]
    assert len(due) == 1
    assert not [task for task in huey.read_periodic(datetime(2026, 12, 2, 12, 0))
                if task.name == "privacy.purge_expired"]
    huey.execute(due[0])  # what the worker's scheduler does at 03:37 (the task opens its own app context)
    db.session.expire_all()
    assert texts(board.workshop_id) == ["", ""]

def test_purge_cli_dry_run_then_purge(runner, written):
    board = written()
    close(board.workshop_id, datetime(2000, 1, 1))
    result = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert result.exit_code == 0 and "À effacer : 1 atelier(s), 2 post-it" in result.output, result.output
    assert texts(board.workshop_id)[0] == "La famille Martin ne vient plus"
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0 and "Effacé : 1 atelier(s), 2 post-it" in result.output, result.output
    assert texts(board.workshop_id) == ["", ""]


def test_months_before_keeps_the_day_within_the_month():
    assert months_before(datetime(2026, 3, 31, 8), 1) == datetime(2026, 2, 28, 8)
    assert months_before(datetime(2026, 1, 15), 24) == datetime(2024, 1, 15)


# --- notice, page, access log ------------------------------------------------------------------------------


def test_the_join_dialog_and_home_carry_the_privacy_notice(client, facilitator, make_workshop):
    code = make_workshop(facilitator)["code"]  # no request context held open: each page picks its language
    for url in (f"/j/{code}", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "Utilisez un prénom ou un pseudonyme, ne nommez ni famille ni élève." in html, url
        assert "24 mois après la fermeture" in html and 'href="/donnees-personnelles"' in html, url
    english = client.get(f"/j/{code}?lang=en").get_data(as_text=True)
    assert "Use a first name or a pseudonym; name no family and no pupil." in english


def test_the_personal_data_page_in_french_and_english_linked_from_every_footer(client):
    french = client.get("/donnees-personnelles").get_data(as_text=True)
    for words in ("Ce que nous gardons", "Pourquoi", "Pendant combien de temps", "24 mois", "Qui les voit",
                  "Vos droits", "adresse IP"):
        assert words in french, words
    english = client.get("/donnees-personnelles?lang=en").get_data(as_text=True)
    assert "What we keep" in english and "How long" in english and "Your rights" in english
    assert "Ce que nous gardons" not in english
    assert 'href="/donnees-personnelles"' in client.get("/fiches").get_data(as_text=True) or \
        'href="/donnees-personnelles"' in client.get("/").get_data(as_text=True)


def test_the_access_log_keeps_no_address_no_query_and_no_join_code():
    logger = PrivateAccessLogger(Config())
    environ = {"REMOTE_ADDR": "203.0.113.9", "REQUEST_METHOD": "GET", "RAW_URI": "/j/ABCD2345?x=1",
               "PATH_INFO": "/j/ABCD2345", "QUERY_STRING": "code=ABCD2345", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_REFERER": "http://h/rejoindre?code=ABCD2345"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.9"), ("REFERER", "/j/ABCD2345")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = json.dumps(atoms)
    assert "203.0.113.9" not in line and "ABCD2345" not in line
    assert atoms["U"] == "/j/*" and atoms["r"] == "GET /j/* HTTP/1.1"
    makefile = (__import__("pathlib").Path(__file__).parents[2] / "Makefile").read_text()
    assert "--logger-class workshop.privacy.accesslog.PrivateAccessLogger" in makefile
    assert "%(h)s" not in makefile and "%(q)s" not in makefile and "%(r)s" not in makefile


def test_an_erasure_leaves_no_cached_pdf_holding_the_erased_text(app, client, login, make_user, written, tmp_path):
    """A report rendered before the erasure sat in the PDF cache, readable by its job link: it must go."""
    from pypdf import PdfReader

    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf-cache"), PDF_RENDER_INLINE=True)
    board = written()
    login(make_user("admin"))
    before = client.get(f"/ateliers/{board.workshop_id}/compte-rendu.pdf")
    assert before.status_code == 200
    before.close()
    cache = tmp_path / "pdf-cache"

    def cached_text() -> str:
        return "".join(page.extract_text() for path in cache.rglob("*.pdf")
                       for page in PdfReader(io.BytesIO(path.read_bytes())).pages)

    assert "Martin" in cached_text()
    assert client.post(f"/admin/donnees-personnelles/ateliers/{board.workshop_id}/participants/{board.nadia_id}"
                       "/effacer").status_code == 302
    assert "Martin" not in cached_text()
    after = client.get(f"/ateliers/{board.workshop_id}/compte-rendu.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(after.data)).pages)
    after.close()
    assert "Martin" not in text and "Café des parents" in text


def test_a_rolled_back_erasure_keeps_the_cache(app, session, written, tmp_path):
    from workshop.printing.service import get_renderer
    from workshop.privacy import erasure

    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf-cache"))
    app.extensions.pop("pdf_renderer", None)
    board = written()
    kept = tmp_path / "pdf-cache" / "kept.pdf"
    get_renderer()  # creates the folder
    kept.write_bytes(b"%PDF-1.7")
    erasure.erase(session, board.workshop_id, [board.nadia_id])
    session.rollback()
    session.commit()
    assert kept.exists()
    erasure.erase(session, board.workshop_id, [board.nadia_id])
    session.begin_nested().rollback()  # a savepoint rolled back inside the erasing transaction does not cancel it
    session.commit()
    assert not kept.exists()
