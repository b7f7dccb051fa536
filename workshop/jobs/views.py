"""The page of a job, `/taches/<id>`: progress while it runs (refreshed by static/js/job-progress.js), then what
it did, or why it failed (French message and stable code). Only its owner sees it."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required

from workshop.extensions import db
from workshop.jobs.service import get_for

bp = Blueprint("jobs", __name__)

# The HTTP status of a failed job's page, by error code (the code itself is on the page and in the JSON).
FAILED_STATUS = {"invalid": 400, "forbidden": 403, "not_found": 404}


@bp.get("/taches/<int:job_id>")
@login_required
def show(job_id: int):
    """Show a job's progress, then its result or its failure."""
    job = get_for(db.session, job_id, current_user)
    status = FAILED_STATUS.get(job.error_code or "", 500) if job.state == "failed" else 200
    return render_template("jobs/job.html", job=job, back_url=job.params.get("back_url") or "/"), status


@bp.get("/taches/<int:job_id>/etat")
@login_required
def state(job_id: int):
    """Tell the job page how far the job is (JSON)."""
    job = get_for(db.session, job_id, current_user)
    return jsonify(ok=True, job=job.to_dict())
