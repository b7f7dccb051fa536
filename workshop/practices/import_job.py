"""Importing a JSON export as a job: the view spools the file and queues `import_file`; the worker reads it,
imports it with `exchange.import_practices` as the person who queued it, in their language, and commits once."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Forbidden
from workshop.jobs.progress import Progress
from workshop.jobs.queue import job_task
from workshop.jobs.runner import execute
from workshop.jobs.service import Outcome, spool_path
from workshop.practices import exchange

KIND = "import_practices"
SHOWN_ITEMS = 2000  # items listed in the job's result (the counts cover them all)


@job_task("practices.import_file")
def import_file(job_id: int) -> None:
    """Import the job's spooled JSON file (dry run or not, in its params)."""
    execute(job_id, _work)


def _work(session: Session, params: dict, progress: Progress) -> Outcome:
    with force_locale(params.get("locale") or "fr"):
        user = session.get(User, params["user_id"])
        if user is None or not user.is_active:
            raise Forbidden(_("Seul·es les coordinateur·rices importent des fiches."))
        data = exchange.load(spool_path(params["file"]).read_bytes())
        reports = exchange.import_practices(session, user, data, dry_run=params["dry_run"], progress=progress)
        outcomes = {"created": _("créée"), "skipped": _("déjà présente"), "rejected": _("rejetée")}
        counts = [(outcomes[key], sum(r.outcome == key for r in reports)) for key in outcomes]
        entries = [{"index": r.index, "label": r.title or r.uuid or "—", "outcome": outcomes[r.outcome],
                  "reason": " ".join([r.reason, *r.warnings]).strip()} for r in reports[:SHOWN_ITEMS]]
        result = {"dry_run": params["dry_run"], "summary": [(label, n) for label, n in counts if n],
                  "entries": entries, "entries_total": len(reports)}
        return Outcome(result, keep=not params["dry_run"])
