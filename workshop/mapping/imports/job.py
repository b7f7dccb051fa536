"""The admin page's imports as jobs: the view spools the file and queues `import_file`; the worker runs the same
`run_import` as the CLI, in the language of the person who queued it, and commits once."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.jobs.progress import Progress
from workshop.jobs.queue import job_task
from workshop.jobs.runner import execute
from workshop.jobs.service import Outcome, spool_path
from workshop.mapping.imports.report import ImportReport, Scope
from workshop.mapping.imports.run import run_import

KIND = "import_structures"
SHOWN_REJECTIONS = 500  # rejected lines kept in the job's result (the count says how many more)


@job_task("mapping.import_file")
def import_file(job_id: int) -> None:
    """Import the job's spooled file (format, dry run and scope in its params)."""
    execute(job_id, _work)


def _work(session: Session, params: dict, progress: Progress) -> Outcome:
    with force_locale(params.get("locale") or "fr"):
        data = spool_path(params["file"]).read_bytes()
        scope = Scope(params.get("departement"), frozenset(params.get("cities") or ()))
        report = run_import(session, data, params["format"], dry_run=params["dry_run"], scope=scope,
                            progress=progress)
        return outcome_of(report)


def outcome_of(report: ImportReport) -> Outcome:
    """The report as a job result (already in words), and whether its writes are kept."""
    problems = []
    if report.missing_columns:
        problems.append(_("En-tête non reconnu : colonnes manquantes : %(c)s. Rien n'a été importé.",
                          c=", ".join(report.missing_columns)))
    if report.error:
        problems.append(report.error)
    result = {"dry_run": report.dry_run, "summary": report.summary(), "notes": report.notes,
              "rejected": report.rejected[:SHOWN_REJECTIONS], "rejected_total": len(report.rejected)}
    if problems:
        return Outcome(result, keep=False, error_code=report.error_code, error_message=" ".join(problems))
    return Outcome(result, keep=report.should_commit)
