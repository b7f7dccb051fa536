"""Pages of the practice repository: search, sheets, editing, review, history, exchange.

Each page that changes something commits once, after the service has flushed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from workshop import ratelimit
from workshop.accounts.views import admin_required, readable
from workshop.addresses import request_key
from workshop.boards import service as boards
from workshop.errors import Conflict, DomainError, NotFound
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.frameworks import service as frameworks
from workshop.jobs import service as jobs
from workshop.jobs.queue import enqueue
from workshop.networks.service import list_networks, networks_of
from workshop.notifications import hooks as notification_hooks
from workshop.practices import (
    board,
    coediting,
    exchange,
    import_job,
    provenance,
    quality,
    reviews,
    rights,
    search,
    sheets,
    versions,
)
from workshop.practices.facets import FACETS
from workshop.practices.forms import CommentForm, EditorForm, ImportForm, PracticeForm, TransitionForm
from workshop.practices.models import SECTIONS, Practice
from workshop.practices.text import editable_text
from workshop.practices.vocabulary import AUDIENCES, KIND_LABELS, SECTION_LABELS, STATUS_LABELS, network_labels
from workshop.toolkits import service as toolkit_service
from workshop.trials import panels as trial_panels

bp = Blueprint("practices", __name__)

FILTER_MAX = 20
PAGE_MAX = 500


def _viewer():
    return current_user if current_user.is_authenticated else None


def _labels() -> dict:
    """Human labels of facet values, for the templates."""
    return {
        "framework": frameworks.labels(db.session), "network": network_labels(db.session),
        "audience": {k: str(v) for k, v in AUDIENCES.items()},
        "kind": {k: str(v) for k, v in KIND_LABELS.items()},
        "status": {k: str(v) for k, v in STATUS_LABELS.items()},
    }


def _query_from_args() -> search.Query:
    args = request.args
    filters = {name: [v[:120] for v in args.getlist(name) if v][:FILTER_MAX] for name in FACETS}
    sort = args.get("tri", "relevance")
    try:
        page = min(max(int(args.get("page", 1)), 1), PAGE_MAX)
    except ValueError:
        page = 1
    return search.Query(text=args.get("q", "")[:300], filters={k: v for k, v in filters.items() if v},
                        sort=sort if sort in search.SORTS else "relevance", page=page)


@bp.get("/fiches")
def index():
    """Search and browse the repository (published sheets for everyone, more for their authors and reviewers)."""
    query = _query_from_args()
    if not query.text and "tri" not in request.args:
        query.sort = "recent"
    results = search.search(db.session, query, _viewer())
    return render_template("practices/index.html", query=query, results=results, labels=_labels(),
                           sorts=search.SORTS, trials_waiting=trial_panels.waiting_count(db.session, _viewer()),
                           active_filters=sum(len(v) for v in query.filters.values()))


@bp.get("/api/fiches")
def api_search():
    """Search as JSON (same rules and visibility as the page)."""
    results = search.search(db.session, _query_from_args(), _viewer())
    return jsonify(ok=True, total=results.total, page=results.page, relaxed=results.relaxed,
                   practices=[{**board.practice_ref(h.practice), "excerpt": str(h.excerpt), "score": h.score,
                               "uuid": h.practice.uuid} for h in results.hits],
                   facets={k: [{"value": v, "count": c} for v, c in vals] for k, vals in results.facets.items()})


def readable_practice(practice_id: int) -> Practice:
    """A sheet this visitor may read (see `readable`); the toolkits' views of a sheet (print, export) use it too."""
    return readable(lambda: rights.require_view(db.session, _viewer(), practice_id))


@bp.get("/fiches/<int:practice_id>")
def show(practice_id: int):
    """Show a sheet, its provenance, its review log (for those concerned) and similar sheets."""
    practice = readable_practice(practice_id)
    viewer = _viewer()
    involved = rights.is_involved(db.session, viewer, practice)
    return render_template(
        "practices/show.html", practice=practice, labels=_labels(), sections=SECTIONS,
        section_labels=SECTION_LABELS, similar=search.similar(db.session, practice, viewer),
        involved=involved, can_edit=rights.can_edit(db.session, viewer, practice),
        actions=reviews.allowed_actions(db.session, viewer, practice), action_labels=reviews.ACTION_LABELS,
        comments=reviews.comments(db.session, practice.id) if involved else [],
        missing=reviews.missing_approvals(db.session, practice) if practice.status == "submitted" else [],
        incomplete=quality.missing_labels(practice) if involved and practice.status != "published" else [],
        workshop_deleted=provenance.workshop_deleted(practice), transition_form=TransitionForm(),
        prov=provenance.provenance_view(db.session, practice) if practice.provenance else None,
        comment_form=CommentForm(), editor_form=EditorForm(),
        trials=trial_panels.sheet_panel(db.session, viewer, practice),
        toolkits=toolkit_service.containing(db.session, viewer, practice.id),
    )


def _choices(form: PracticeForm) -> None:
    offered = frameworks.choices(db.session, form.frameworks.data or ())
    form.frameworks.choices = [SelectChoice(k, label) for k, label in offered.items()]
    form.networks.choices = [SelectChoice(str(n.id), n.short_name) for n in list_networks(db.session)]


def _form_data(form: PracticeForm, practice: Practice | None) -> dict:
    known = {s["name"].casefold(): s.get("id") for s in (practice.structures if practice else [])}
    names = [line.strip() for line in (form.structures.data or "").splitlines() if line.strip()]
    data = {name: getattr(form, name).data for name in ("title", "summary", "kind", "cities", "qpv", "themes",
                                                        "frameworks", "audiences", "networks", *SECTIONS)}
    data["structures"] = [{"id": known.get(n.casefold()), "name": n} for n in names]
    return data


def _fill(form: PracticeForm, practice: Practice) -> None:
    for name in ("title", "summary", "kind", "frameworks", "audiences"):
        getattr(form, name).data = getattr(practice, name)
    for name in SECTIONS:
        getattr(form, name).data = editable_text(getattr(practice, name))
    form.cities.data = ", ".join(practice.cities or [])
    form.qpv.data = ", ".join(practice.qpv or [])
    form.themes.data = ", ".join(practice.themes or [])
    form.structures.data = "\n".join(s["name"] for s in practice.structures or [])
    form.networks.data = [str(n.id) for n in practice.networks]
    form.version.data = str(practice.version)


@bp.route("/fiches/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    """Propose a new sheet (any member); it starts as a draft."""
    form = PracticeForm()
    _choices(form)
    if request.method == "GET":
        form.networks.data = [str(n.id) for n in networks_of(db.session, current_user)]
    if form.validate_on_submit():
        try:
            practice = sheets.create_practice(db.session, current_user, _form_data(form, None))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Fiche enregistrée en brouillon."), "success")
            return redirect(url_for("practices.show", practice_id=practice.id))
    return render_template("practices/edit.html", form=form, practice=None, conflict=None)


@bp.route("/fiches/<int:practice_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(practice_id: int):
    """Edit a sheet; a save based on an old version is refused and both texts are shown."""
    practice = rights.get_practice(db.session, practice_id)
    rights.require_edit(db.session, current_user, practice)
    form = PracticeForm()
    if request.method == "GET":
        _fill(form, practice)
    _choices(form)
    conflict = None
    status = 200
    published = practice.status == "published"
    if form.validate_on_submit():
        try:
            saved = sheets.update_practice(db.session, current_user, practice_id, _form_data(form, practice),
                                           form.version.data)
        except Conflict as error:
            db.session.rollback()
            conflict, status = error, 409
            form.version.data = str(error.details["current_version"])
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 400
        else:
            db.session.commit()
            coediting.announce_saved(saved, current_user, form.version.data)
            flash(_("Fiche enregistrée : elle nomme désormais un autre réseau et revient en relecture jusqu'à "
                    "son accord.") if published and saved.status == "submitted" else _("Fiche enregistrée."),
                  "success")
            return redirect(url_for("practices.show", practice_id=practice_id))
    elif request.method == "POST":
        status = 400
    practice = rights.get_practice(db.session, practice_id)
    return render_template("practices/edit.html", form=form, practice=practice, conflict=conflict,
                           as_text=versions.as_text), status


@bp.post("/fiches/<int:practice_id>/statut")
@login_required
def change_status(practice_id: int):
    """Submit, publish, send back, archive or reopen a sheet, with a comment."""
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    practice = reviews.transition(db.session, current_user, practice_id, form.action.data, form.comment.data)
    notification_hooks.practice_status_changed(db.session, current_user, practice, form.action.data)
    db.session.commit()
    messages = {"published": _("Fiche publiée : elle est visible de tous."),
                "submitted": _("Fiche soumise à relecture."), "draft": _("Fiche repassée en brouillon."),
                "archived": _("Fiche archivée.")}
    message = messages[practice.status]
    if form.action.data == "publish" and practice.status == "submitted":
        message = _("Approbation enregistrée : l'autre réseau doit encore approuver.")
    flash(message, "success")
    return redirect(url_for("practices.show", practice_id=practice_id))


@bp.post("/fiches/<int:practice_id>/commentaires")
@login_required
def comment(practice_id: int):
    """Comment on a sheet under review."""
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Écrivez un commentaire."), "error")
    else:
        reviews.add_comment(db.session, current_user, practice_id, form.body.data)
        db.session.commit()
        flash(_("Commentaire ajouté."), "success")
    return redirect(url_for("practices.show", practice_id=practice_id) + "#commentaires")


@bp.post("/fiches/<int:practice_id>/editeurs")
@login_required
def invite(practice_id: int):
    """Invite someone with an account to co-edit the sheet."""
    form = EditorForm()
    if form.validate_on_submit():
        invited = sheets.add_editor(db.session, current_user, practice_id, form.email.data)
        db.session.commit()
        flash(_("%(n)s peut maintenant modifier cette fiche.", n=invited.name), "success")
    else:
        flash(_("Indiquez une adresse e-mail."), "error")
    return redirect(url_for("practices.show", practice_id=practice_id))


@bp.get("/fiches/<int:practice_id>/historique")
@login_required
def history(practice_id: int):
    """List versions (who, when) and compare two of them."""
    practice = rights.require_history(db.session, current_user, practice_id)
    found = versions.versions(db.session, practice_id)
    changes = None
    old, new = request.args.get("de", type=int), request.args.get("a", type=int)
    if old and new:
        changes = versions.diff(db.session, practice_id, old, new)
    return render_template("practices/history.html", practice=practice, versions=found, changes=changes,
                           old=old, new=new, can_edit=rights.can_edit(db.session, current_user, practice),
                           form=TransitionForm())


@bp.post("/fiches/<int:practice_id>/historique/<int:number>/restaurer")
@login_required
def restore(practice_id: int, number: int):
    """Make an old version current again (as a new version)."""
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    base = request.form.get("version")
    try:
        restored = versions.restore(db.session, current_user, practice_id, number, base)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("practices.history", practice_id=practice_id)), 303
    db.session.commit()
    coediting.announce_saved(restored, current_user, base)
    flash(_("Version %(n)d restaurée.", n=number), "success")
    return redirect(url_for("practices.show", practice_id=practice_id))


# --- Exchange ----------------------------------------------------------------------


@bp.get("/fiches/export.json")
def export():
    """Download the repository as JSON (coordinators: every sheet; others: published sheets)."""
    data = exchange.export_practices(db.session, _viewer())
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="fiches-passerelles-{stamp}.json"'})


@bp.route("/fiches/import", methods=["GET", "POST"])
@admin_required
def import_view():
    """Import a JSON export from another network, as a job; its page reports each item, duplicating nothing."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            spooled = jobs.spool_upload(form.file.data, current_app.config["MAX_CONTENT_LENGTH"])
        except DomainError as error:
            attach_error(form, error)
        else:
            job = jobs.create_job(db.session, import_job.KIND, current_user.id, {
                "file": spooled, "dry_run": request.form.get("dry_run") == "1", "user_id": current_user.id,
                "locale": str(get_locale()), "back_url": url_for("practices.import_view")})
            db.session.commit()
            enqueue(import_job.import_file, job.id)
            return redirect(url_for("jobs.show", job_id=job.id), 303)
    return render_template("practices/import.html", form=form, max_items=exchange.MAX_ITEMS)


@bp.get("/api/ateliers/<code>/fiches")
def board_links(code: str):
    """For a board: which cards became which sheet, and the sheets pinned on it."""
    try:
        workshop = boards.get_by_code(db.session, code)
    except NotFound:
        ratelimit.failed("JOIN_FAILURE_RATE", "join-code", request_key())  # slowed, never locked
        raise
    return jsonify(ok=True, **board.board_links(db.session, workshop.id))
