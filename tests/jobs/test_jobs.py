"""Jobs and their page (jobs run at once in the test process here; test_worker.py runs a real worker)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.mapping.conftest import annuaire_file, annuaire_row
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.jobs import service as jobs
from workshop.jobs.models import Job
from workshop.jobs.queue import get_queue
from workshop.mapping.models import Structure


def post_import(client, data: bytes, fmt: str = "annuaire", **fields):
    form = {"format": fmt, "departement": "", "cities": "", "file": (io.BytesIO(data), "f.csv"), **fields}
    return client.post("/admin/cartographie/import", data=form, content_type="multipart/form-data")


def job_url(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_import_is_queued_and_its_page_shows_the_result_to_its_owner(app, client, login, make_user):
    login(make_user("admin"))
    data = annuaire_file(annuaire_row("0930612F"), annuaire_row("X"))
    url = job_url(post_import(client, data))
    assert url.startswith("/taches/")
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Terminé" in text and "Ligne 3" in text and "UAI invalide" in text
    state = client.get(url + "/etat").get_json()
    assert state["ok"] and state["job"]["state"] == "done" and state["job"]["done"] == state["job"]["total"]
    with app.app_context():
        job = db.session.get(Job, int(url.rsplit("/", 1)[1]))
        assert job.kind == "import_structures" and job.result["rejected"] == [[3, job.result["rejected"][0][1]]]
        assert db.session.scalar(select(func.count(Structure.id))) == 1
        assert not list(jobs.spool_dir().glob("*.upload"))  # the spooled file is gone once the job ran


def test_job_page_is_refused_to_another_coordinator_and_to_others(client, login, make_user):
    owner, other_admin, member = make_user("admin"), make_user("admin"), make_user("member")
    login(owner)
    url = job_url(post_import(client, annuaire_file(annuaire_row("0930612F")), dry_run="y"))
    client.post("/deconnexion")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for person in (other_admin, member):
        login(person)
        for address in (url, url + "/etat"):
            response = client.get(address)
            assert response.status_code == 404 and "0930612F" not in response.get_data(as_text=True)
        json_answer = client.get(url + "/etat", headers={"Accept": "application/json"}).get_json()
        assert json_answer["error"]["code"] == "not_found"
        client.post("/deconnexion")
    login(owner)
    assert client.get(url).status_code == 200


def test_failed_job_says_why_in_french_with_its_code(app, client, login, make_user):
    login(make_user("admin"))
    url = job_url(post_import(client, b"x;y\n1;2\n"))
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "En-tête non reconnu" in text and "Identifiant_de_l_etablissement" in text
    assert 'data-error-code="invalid"' in text and "Code d'erreur : invalid" in text
    error = client.get(url + "/etat").get_json()["job"]["error"]
    assert error["code"] == "invalid" and "Rien n'a été importé" in error["message"]
    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Error code: invalid" in english and "Import of structures and QPV" in english


def test_practices_import_failure_is_shown_with_its_code(client, login, make_user):
    login(make_user("admin"))
    response = client.post("/fiches/import", data={"file": (io.BytesIO(b"{pas du json"), "f.json")},
                           content_type="multipart/form-data")
    page = client.get(job_url(response))
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "pas du JSON valide" in text and 'data-error-code="invalid"' in text


def test_a_practices_file_over_the_limit_is_refused_whole_with_how_to_go_on(app, client, login, make_user):
    """A file of more sheets than one import writes (5,000: its window holds every board's cards on SQLite;
    ~480 ms at 20,000 sheets) is refused whole, in the person's language, saying to split it."""
    from workshop.practices import exchange
    from workshop.practices.models import Practice

    login(make_user("admin"))
    items = [{"uuid": f"00000000-0000-4000-8000-{i:012d}", "title": f"Fiche {i}"}
             for i in range(5001)]
    over = json.dumps({"format": exchange.FORMAT, "format_version": 1, "practices": items}).encode()
    for path, words in (("/fiches/import", "découpez-le en plusieurs fichiers"),
                        ("/fiches/import?lang=en", "split it into several files")):
        url = job_url(client.post(path, data={"file": (io.BytesIO(over), "f.json")},
                                  content_type="multipart/form-data"))
        error = client.get(url + "/etat").get_json()["job"]["error"]
        assert error["code"] == "invalid" and words in error["message"] and "5000" in error["message"]
    with app.app_context():
        assert db.session.query(Practice).count() == 0
    assert len(exchange.check({"format": exchange.FORMAT, "practices": items[:-1]})["practices"]) == 5000


def test_both_import_pages_say_how_much_one_file_may_hold_before_it_is_sent(client, login, make_user):
    login(make_user("admin"))
    for query, practices, structures in (
            ("", "5000 fiches au plus par fichier", "Au plus 25000 structures ou QPV"),
            ("?lang=en", "5000 practice sheets at most per file", "At most 25000 structures or QPV")):
        assert practices in client.get("/fiches/import" + query).get_data(as_text=True)
        assert structures in client.get("/admin/cartographie/import" + query).get_data(as_text=True)


def test_a_running_job_shows_its_progress_and_the_script_that_follows_it(app, client, login, make_user):
    admin = make_user("admin")
    login(admin)
    with app.test_request_context():
        job = jobs.create_job(db.session, "import_structures", admin.id, {"back_url": "/admin/cartographie/import"})
        job.state, job.done, job.total = "running", 1200, 20000
        db.session.commit()
        job_id = job.id
    page = client.get(f"/taches/{job_id}").get_data(as_text=True)
    assert "1200/20000" in page and "js/job-progress.js" in page and "<script>" not in page
    assert client.get(f"/taches/{job_id}/etat").get_json()["job"] == {
        "id": job_id, "kind": "import_structures", "state": "running", "done": 1200, "total": 20000}


def test_an_upload_over_the_limit_is_refused_before_it_is_queued(app):
    from werkzeug.datastructures import FileStorage

    with app.test_request_context():
        with pytest.raises(ValidationError, match="trop volumineux"):
            jobs.spool_upload(FileStorage(io.BytesIO(b"x" * (3 * 1024 * 1024))), 2 * 1024 * 1024)
        assert not list(jobs.spool_dir().glob("*.upload"))


def test_the_scheduler_purges_jobs_older_than_thirty_days(app, make_user):
    owner = make_user("admin")
    with app.app_context():
        old = jobs.create_job(db.session, "import_structures", owner.id, {})
        old.created_at = datetime.now() - timedelta(days=31)
        lost = jobs.create_job(db.session, "import_structures", owner.id, {})  # its worker was killed mid-job
        lost.state, lost.started_at = "running", datetime.now() - timedelta(hours=7)
        lost_id = lost.id
        db.session.commit()
        huey = get_queue().huey
        due = [task for task in huey.read_periodic(datetime(2026, 12, 2, 3, 17)) if task.name == "jobs.purge_old_jobs"]
        assert len(due) == 1 and not huey.read_periodic(datetime(2026, 12, 2, 4, 0))
    huey.execute(due[0])  # what the worker's scheduler does at 03:17 (the task opens its own app context)
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == 1
        lost = db.session.get(Job, lost_id)
        assert lost.state == "failed" and lost.error_code == "internal" and "interrompu" in lost.error_message


def test_the_queue_is_sqlite_by_default_redis_with_redis_url_and_immediate_for_tests(tmp_path):
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    from workshop.jobs.queue import make_huey

    default = make_huey({"JOBS_QUEUE_FILE": str(tmp_path / "q" / "queue.db"), "REDIS_URL": None})
    assert isinstance(default, SqliteHuey) and (tmp_path / "q" / "queue.db").exists()
    redis = make_huey({"JOBS_QUEUE_FILE": str(tmp_path / "unused.db"), "REDIS_URL": "redis://127.0.0.1:6399/3"})
    assert isinstance(redis, RedisHuey) and not (tmp_path / "unused.db").exists()
    immediate = make_huey({"JOBS_IMMEDIATE": True, "REDIS_URL": "redis://127.0.0.1:6399/3"})
    assert isinstance(immediate, MemoryHuey) and immediate.immediate
