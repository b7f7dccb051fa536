"""PDF delivery for every domain: serve from the cache, else render in the pool; a long render gets a progress
page that polls its job and downloads the file when done."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop import ratelimit
from workshop.addresses import request_key
from workshop.errors import RateLimited
from workshop.printing.books import PdfBook
from workshop.printing.renderer import PdfDocument
from workshop.printing.service import get_renderer

bp = Blueprint("printing", __name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _owner() -> str | None:
    return str(current_user.id) if current_user.is_authenticated else None


def send_pdf(path, filename: str) -> Response:
    """Send a rendered PDF to be shown in the browser, under the name offered on download."""
    response = send_file(path, mimetype="application/pdf", download_name=filename, as_attachment=False,
                         max_age=0, conditional=True)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def pdf_response(document: PdfDocument | PdfBook, back_url: str) -> Response:
    """Serve from the cache, else render in the pool: short renders are awaited, long ones get a progress page."""
    renderer = get_renderer()
    path = renderer.cached(document)
    if path is not None:
        return send_pdf(path, document.filename)
    if not _may_render():
        raise RateLimited(_("Trop de PDF préparés depuis votre adresse : patientez quelques minutes avant d'en "
                            "demander un autre. Les PDF déjà prêts restent téléchargeables."))
    if current_app.config.get("PDF_RENDER_INLINE"):
        return send_pdf(renderer.render_now(document), document.filename)
    job = renderer.start(document, _owner())
    job = renderer.wait(job, float(current_app.config.get("PDF_INLINE_WAIT", 2.0)))
    if job.state == "done":
        return send_pdf(renderer.path_for(job.key), document.filename)
    status_url = url_for("printing.job_status", job_id=job.id)
    download_url = url_for("printing.job_download", job_id=job.id)
    if job.state == "error":
        return _render_job_error()
    if _wants_json():
        return jsonify(ok=True, job=job.to_dict(), status_url=status_url, download_url=download_url), 202
    return Response(render_template("printing/progress.html", job=job, status_url=status_url,
                                    download_url=download_url, back_url=back_url), status=202)


def _may_render() -> bool:
    """Count one render against PDF_RENDER_RATE for the requester's address; False when over it. Only renders
    count: a PDF already in the cache costs nothing and is always served."""
    return ratelimit.hit("PDF_RENDER_RATE", "address", request_key())


def _render_job_error() -> Response:
    message = _("La préparation du PDF a échoué. Réessayez ; si cela recommence, prévenez la coordination.")
    if _wants_json():
        return jsonify(ok=False, error={"code": "internal", "message": message}), 500
    return Response(render_template("errors/error.html", status=500, message=message), status=500)


def _job(job_id: str):
    job = get_renderer().status(job_id)
    if job is None or (job.owner is not None and job.owner != _owner()):
        abort(404)
    return job


@bp.get("/exports/travaux/<job_id>")
def job_status(job_id: str):
    """Tell the waiting page how far the PDF is: state and pages laid out, n of N."""
    job = _job(job_id)
    return jsonify(ok=True, job=job.to_dict(), download_url=url_for("printing.job_download", job_id=job_id))


@bp.get("/exports/travaux/<job_id>/pdf")
def job_download(job_id: str):
    """Send the finished PDF of a job; while it renders, show the progress page again."""
    job = _job(job_id)
    if job.state == "done":
        return send_pdf(get_renderer().path_for(job.key), job.filename)
    if job.state == "error":
        return _render_job_error()
    return Response(render_template("printing/progress.html", job=job,
                                    status_url=url_for("printing.job_status", job_id=job_id),
                                    download_url=request.path, back_url=request.referrer or "/"), status=202)
