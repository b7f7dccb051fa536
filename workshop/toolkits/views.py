"""Toolkit builder pages, public toolkits, and every export: PDF (sheet, toolkit, report), CSV, Markdown, JSON."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop import security
from workshop.accounts.views import readable
from workshop.boards import service as boards
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.frameworks import service as frameworks
from workshop.practices import rights
from workshop.practices.models import Practice
from workshop.practices.text import editable_text
from workshop.practices.views import readable_practice
from workshop.printing.markup import print_css, slug
from workshop.printing.service import get_renderer
from workshop.printing.views import pdf_response, send_pdf
from workshop.toolkits import book, exports, report, service, sheets

bp = Blueprint("toolkits", __name__)


def _viewer():
    return current_user if current_user.is_authenticated else None


def _builder() -> None:
    service.require_builder(db.session, _viewer())


# --- Practices --------------------------------------------------------------------------------------


@bp.get("/f/<int:practice_id>")
def short_practice(practice_id: int):
    """Follow the short address printed under a sheet's QR code to the sheet online."""
    return redirect(url_for("practices.show", practice_id=practice_id), code=301)


@bp.get("/fiches/<int:practice_id>.pdf")
def practice_pdf(practice_id: int):
    """Download a practice sheet as a typeset PDF."""
    practice = readable_practice(practice_id)
    return pdf_response(sheets.sheet_document(db.session, practice),
                        url_for("practices.show", practice_id=practice_id))


@bp.get("/fiches/<int:practice_id>.md")
def practice_markdown(practice_id: int):
    """Download a practice sheet as Markdown."""
    practice = readable_practice(practice_id)
    view = exports.practice_views(db.session, [practice])[0]
    return _download(exports.practice_markdown(view), "text/markdown; charset=utf-8",
                     f"fiche-{practice.id}-{slug(practice.title)}.md")


@bp.get("/fiches/<int:practice_id>.json")
def practice_json(practice_id: int):
    """Download a practice sheet as JSON."""
    practice = readable_practice(practice_id)
    view = exports.practice_views(db.session, [practice])[0]
    return _download(exports.dumps(exports.practice_json(view)), "application/json",
                     f"fiche-{practice.id}-{slug(practice.title)}.json")


@bp.get("/fiches.csv")
def practices_csv():
    """Download the practices one may read as CSV (one row each), optionally only `ids=1,2,3`."""
    query = select(Practice).where(rights.visible_clause(db.session, _viewer())).order_by(Practice.id)
    raw_ids = request.args.get("ids", "")
    if raw_ids:
        ids = [int(p) for p in raw_ids.split(",") if p.strip().isdigit()][:2000]
        if not ids:
            abort(400)
        query = query.where(Practice.id.in_(ids))
    elif not current_user.is_authenticated:
        query = query.where(Practice.status == "published")
    views = exports.practice_views(db.session, list(db.session.scalars(query)))
    return _download(exports.practices_csv(views), "text/csv; charset=utf-8", "fiches-pratiques.csv")


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Workshop reports --------------------------------------------------------------------------------


@bp.get("/ateliers/<int:workshop_id>/compte-rendu.pdf")
@login_required
def report_pdf(workshop_id: int):
    """Download the workshop report (compte rendu), any time, for its facilitator and coordinators."""
    workshop = boards.get_workshop(db.session, workshop_id)
    if not boards.can_moderate(current_user, workshop):
        abort(403)
    return pdf_response(report.report_document(db.session, workshop), url_for("boards.dashboard"))


# --- Toolkits: list, builder, publication --------------------------------------------------------------


@bp.get("/boites-a-outils")
def index():
    """List toolkits: all of them for coordinators, the published ones for everyone else."""
    toolkits = service.list_toolkits(db.session, _viewer())
    return render_template("toolkits/index.html", toolkits=toolkits,
                           counts=service.entry_counts(db.session, [t.id for t in toolkits]),
                           can_build=service.can_build(db.session, _viewer()),
                           editable={t.id for t in toolkits if service.can_edit(db.session, _viewer(), t)})


@bp.post("/boites-a-outils")
@login_required
def create():
    """Start a new toolkit and open the builder."""
    try:
        toolkit = service.create_toolkit(db.session, current_user, request.form.get("title", ""))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("toolkits.index"))
    db.session.commit()
    return redirect(url_for("toolkits.edit", toolkit_id=toolkit.id))


def _builder_page(toolkit, status: int = 200, error: DomainError | None = None, form_data: dict | None = None):
    # The text areas show what people typed (paragraphs, dashes), not the HTML it was saved as.
    data = form_data or {"title": toolkit.title, "subtitle": toolkit.subtitle,
                         "introduction": editable_text(toolkit.introduction or ""),
                         "contacts": editable_text(toolkit.contacts or ""), "editors_line": toolkit.editors_line}
    return render_template(
        "toolkits/edit.html", toolkit=toolkit, data=data, error=error,
        sections=service.structure(db.session, toolkit), outdated=service.outdated(db.session, toolkit),
        frameworks=frameworks.labels(db.session), revision=toolkit.revision,
    ), status


@bp.get("/boites-a-outils/<int:toolkit_id>/modifier")
@login_required
def edit(toolkit_id: int):
    """Show the builder: search and facets on the left, ordered sections on the right, texts below."""
    return _builder_page(service.require_editor(db.session, _viewer(), toolkit_id))


@bp.post("/boites-a-outils/<int:toolkit_id>/modifier")
@login_required
def save(toolkit_id: int):
    """Save the builder's form: texts and the sections (JSON made by the page)."""
    _builder()
    data, revision = _builder_form()
    try:
        service.save_toolkit(db.session, current_user, toolkit_id, data, revision)
    except DomainError as error:
        if error.status == 403:
            raise  # not theirs: the error page, not the builder of another network's toolkit
        db.session.rollback()
        toolkit = service.get_toolkit(db.session, toolkit_id)
        return _builder_page(toolkit, error.status, error, data)
    db.session.commit()
    flash(_("Boîte à outils enregistrée."), "success")
    return redirect(url_for("toolkits.edit", toolkit_id=toolkit_id))


def _builder_form() -> tuple[dict, int | None]:
    """The builder's form as the service takes it: texts, the sections (JSON made by the page), the revision."""
    form = request.form
    try:
        sections = json.loads(form.get("sections") or "[]")
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        sections = None  # refused by the service with a French message
    revision = int(form["revision"]) if re.fullmatch(r"[0-9]{1,9}", form.get("revision", "")) else None
    data = {k: form.get(k, "") for k in ("title", "subtitle", "introduction", "contacts", "editors_line")}
    data["sections"] = sections
    return data, revision


@bp.post("/boites-a-outils/<int:toolkit_id>/apercu")
@login_required
def preview_unsaved(toolkit_id: int):
    """Show the print preview of the builder's form as it is now, saved or not: the changes are applied, the
    page is made, and everything is rolled back (nothing is saved)."""
    _builder()
    data, revision = _builder_form()
    try:
        toolkit = service.save_toolkit(db.session, current_user, toolkit_id, data, revision)
        html = book.toolkit_preview(db.session, toolkit)
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        return render_template("errors/error.html", status=error.status, message=error.message), error.status
    finally:
        db.session.rollback()
    return _preview_response(html)


def _preview_response(html: str) -> Response:
    html = html.replace("</head>", f"<style>{print_css()}</style></head>", 1)
    return Response(security.with_style_nonce(html), mimetype="text/html")


@bp.get("/boites-a-outils/<int:toolkit_id>/recherche")
@login_required
def pick(toolkit_id: int):
    """Search published practices for the builder (JSON)."""
    _builder()
    filters = {key: request.args.getlist(key) for key in service.PICK_FACETS}
    page = request.args.get("page", "1")
    results = service.pick(db.session, request.args.get("q", ""), filters, int(page) if page.isdigit() else 1)
    return jsonify(ok=True, **results)


@bp.post("/boites-a-outils/<int:toolkit_id>/fiches/<int:practice_id>/actualiser")
@login_required
def refresh_entry(toolkit_id: int, practice_id: int):
    """Take the newer version of an included practice, on purpose."""
    entry = service.update_entry(db.session, current_user, toolkit_id, practice_id)
    db.session.commit()
    flash(_("« %(t)s » : la version %(v)d est maintenant dans la boîte à outils.", t=entry.practice.title,
            v=entry.practice_version), "success")
    return redirect(url_for("toolkits.edit", toolkit_id=toolkit_id))


@bp.post("/boites-a-outils/<int:toolkit_id>/publier")
@login_required
def publish(toolkit_id: int):
    """Publish: the toolkit gets a public link anyone can open."""
    try:
        service.publish(db.session, current_user, toolkit_id)
    except DomainError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Boîte à outils publiée : son lien public est actif."), "success")
    return redirect(url_for("toolkits.edit", toolkit_id=toolkit_id))


@bp.post("/boites-a-outils/<int:toolkit_id>/depublier")
@login_required
def unpublish(toolkit_id: int):
    """Take the toolkit back to draft: its public link stops working."""
    service.unpublish(db.session, current_user, toolkit_id)
    db.session.commit()
    flash(_("Boîte à outils repassée en brouillon."), "success")
    return redirect(url_for("toolkits.edit", toolkit_id=toolkit_id))


@bp.post("/boites-a-outils/<int:toolkit_id>/supprimer")
@login_required
def delete(toolkit_id: int):
    """Delete a toolkit (the practices stay in the repository)."""
    service.delete_toolkit(db.session, current_user, toolkit_id)
    db.session.commit()
    flash(_("Boîte à outils supprimée."), "success")
    return redirect(url_for("toolkits.index"))


# --- Toolkits: reading and downloads --------------------------------------------------------------------


def _toolkit_for(toolkit_id: int):
    """A toolkit this visitor may read: an unpublished one sends an anonymous visitor to log in, as a draft sheet."""
    return readable(lambda: service.require_view(db.session, _viewer(), toolkit_id))


@bp.get("/boites-a-outils/<int:toolkit_id>")
def show(toolkit_id: int):
    """Preview a toolkit as it will print (coordinators), or read a published one."""
    toolkit = _toolkit_for(toolkit_id)
    return _preview(toolkit)


@bp.get("/b/<token>")
def public(token: str):
    """Read a published toolkit by its public link."""
    return _preview(service.get_public(db.session, token))


def _preview(toolkit):
    view = book.toolkit_view(db.session, toolkit)
    entry_ids = ",".join(str(e["id"]) for s in view["sections"] for e in s["entries"])
    return render_template("toolkits/show.html", toolkit=toolkit, view=view, entry_ids=entry_ids,
                           can_build=service.can_edit(db.session, _viewer(), toolkit))


@bp.get("/boites-a-outils/<int:toolkit_id>.pdf")
def toolkit_pdf(toolkit_id: int):
    """Download a toolkit as a typeset PDF (cached; a progress page while a long one renders)."""
    toolkit = _toolkit_for(toolkit_id)
    renderer = get_renderer()
    fingerprint = book.toolkit_fingerprint(db.session, toolkit)
    known = renderer.recall(fingerprint)
    if known is not None:  # nothing changed since the last render: no HTML to build, a file to send
        return send_pdf(*known)
    document = book.toolkit_document(db.session, toolkit)
    renderer.remember(fingerprint, document)
    return pdf_response(document, url_for("toolkits.show", toolkit_id=toolkit_id))


@bp.get("/boites-a-outils/<int:toolkit_id>.md")
def toolkit_markdown(toolkit_id: int):
    """Download a toolkit as Markdown."""
    toolkit = _toolkit_for(toolkit_id)
    return _download(exports.toolkit_markdown(book.toolkit_view(db.session, toolkit)),
                     "text/markdown; charset=utf-8", f"boite-a-outils-{slug(toolkit.title)}.md")


@bp.get("/boites-a-outils/<int:toolkit_id>.json")
def toolkit_json(toolkit_id: int):
    """Download a toolkit as JSON."""
    toolkit = _toolkit_for(toolkit_id)
    return _download(exports.dumps(exports.toolkit_json(book.toolkit_view(db.session, toolkit))),
                     "application/json", f"boite-a-outils-{slug(toolkit.title)}.json")


@bp.get("/boites-a-outils/<int:toolkit_id>/apercu")
def print_preview(toolkit_id: int):
    """Show the exact HTML the PDF is made from, with the print stylesheet (a fast preview)."""
    return _preview_response(book.toolkit_preview(db.session, _toolkit_for(toolkit_id)))
