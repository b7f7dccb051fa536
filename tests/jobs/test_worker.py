"""A real worker (`flask run-worker`, a separate process) runs the imports queued over HTTP by the web app."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.mapping.conftest import annuaire_file, annuaire_row
from tests.realtime import wait_until
from tests.serverproc import ROOT
from workshop.extensions import db
from workshop.jobs.models import Job
from workshop.mapping.models import Structure


@pytest.fixture
def app_config(tmp_path):
    """A real queue (SQLite file) shared by the test's web app and the worker process."""
    return {"JOBS_IMMEDIATE": False, "JOBS_QUEUE_FILE": str(tmp_path / "queue.db")}


@pytest.fixture
def worker(app, tmp_path):
    """`flask run-worker` on the test database and queue; stopped (SIGINT, as Ctrl-C) at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "REDIS_URL", "DATABASE_URL"))}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], JOBS_QUEUE_FILE=app.config["JOBS_QUEUE_FILE"],
               JOBS_SPOOL_DIR=app.config["JOBS_SPOOL_DIR"], SECRET_KEY="worker-test", PYTHONUNBUFFERED="1")
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "--app", "workshop", "run-worker", "--workers",
                             "1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield proc
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def structures_csv(rows: int) -> bytes:
    lines = ["type;nom;code_insee;commune"]
    lines += [f"association;Association n°{i};93066;Saint-Denis" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def queue_import(client, data: bytes, fmt: str = "structures") -> int:
    """Post the import form; the body is encoded here, in memory (the test client would spool a big one to a
    temporary file it never closes)."""
    form = {"format": fmt, "departement": "", "cities": "",
            "file": FileStorage(io.BytesIO(data), filename="s.csv", content_type="text/csv")}
    boundary, body = encode_multipart(form)
    response = client.post("/admin/cartographie/import", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def wait_for_job(client, job_id: int, timeout: float) -> dict:
    states = []

    def finished() -> bool:
        states.append(client.get(f"/taches/{job_id}/etat").get_json()["job"])
        return states[-1]["state"] in ("done", "failed")

    wait_until(finished, timeout=timeout, interval=0.3, message=f"job {job_id} to finish")
    return {"last": states[-1], "seen": states}


def job_row(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def structure_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Structure.id)))


def test_worker_process_runs_an_import_queued_over_http(app, client, login, make_user, worker, tmp_path):
    login(make_user("admin"))
    job_id = queue_import(client, structures_csv(3) + b"x;;93066;Saint-Denis\r\n")
    assert job_row(app, job_id).state in ("queued", "running")  # queued by the request, not run by it
    state = wait_for_job(client, job_id, timeout=60)["last"]
    assert state["state"] == "done", (tmp_path / "worker.log").read_text()
    job = job_row(app, job_id)
    assert job.worker_pid == worker.pid != os.getpid()
    assert job.result["rejected"][0][0] == 5 and structure_count(app) == 3
    page = client.get(f"/taches/{job_id}").get_data(as_text=True)
    assert "créées : <strong>3</strong>" in page and "Ligne 5" in page and "type inconnu" in page


@pytest.mark.slow
def test_twenty_thousand_rows_are_imported_by_the_worker_not_the_web_process(app, client, login, make_user, worker,
                                                                           tmp_path):
    login(make_user("admin"))
    data = annuaire_file(*(annuaire_row(f"{i:07d}A", name=f"École n°{i}") for i in range(20_000)))
    started = time.monotonic()
    job_id = queue_import(client, data, "annuaire")
    queued_in = time.monotonic() - started
    assert queued_in < 5  # the request only spooled the file and queued the job
    followed = wait_for_job(client, job_id, timeout=300)
    assert followed["last"]["state"] == "done", (tmp_path / "worker.log").read_text()
    job = job_row(app, job_id)
    assert job.worker_pid == worker.pid != os.getpid() and job.started_at is not None
    assert structure_count(app) == 20_000 and job.done == job.total >= 20_000
    assert dict(job.result["summary"])["créées"] == 20_000
