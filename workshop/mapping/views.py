"""Pages of the cartography (map, graph, panorama, structures, links, imports) and its read-only JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from workshop.accounts.views import admin_required
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.frameworks import catalogue as frameworks_catalogue
from workshop.frameworks import service as frameworks_service
from workshop.jobs import service as jobs
from workshop.jobs.queue import enqueue
from workshop.mapping import (
    api,
    links,
    membership,
    panorama,
    permissions,
    public,
    structures,
    vocabulary,
    workshops,
)
from workshop.mapping.forms import ImportForm, LinkForm, MemberForm, StructureForm, WorkshopStructuresForm
from workshop.mapping.imports import job as import_job
from workshop.mapping.imports.report import make_scope
from workshop.mapping.imports.store import MAX_WRITTEN
from workshop.mapping.imports.structures import TEMPLATE_COLUMNS, template_csv
from workshop.networks import consent
from workshop.notifications import hooks as notification_hooks
from workshop.printing.views import pdf_response
from workshop.trials import panels as trial_panels

bp = Blueprint("mapping", __name__)
api.add_routes(bp)
T = TypeVar("T")


def _page_config() -> dict:
    """What map.js and graph.js need: endpoints, the tile server, labels and styles of the lists."""
    return {
        "tileUrl": current_app.config["MAP_TILE_URL"],
        "tileAttribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "mapUrl": url_for("mapping.api_map"), "qpvUrl": url_for("mapping.api_qpv"),
        "citiesUrl": url_for("mapping.api_cities"),
        "graphUrl": url_for("mapping.api_graph"), "trialsUrl": url_for("trials.api_map"),
        "practiceUrl": url_for("practices.show", practice_id=0),
        "structureUrl": url_for("mapping.structure", structure_id=0),
        "options": public.filter_options(db.session), "levelStyles": vocabulary.LEVEL_STYLES,
        "crossStyle": vocabulary.CROSS_STYLE,
        "kindColors": vocabulary.KIND_COLORS,
        "kindOrder": list(vocabulary.KINDS), "levelOrder": list(vocabulary.LEVELS),  # JSON objects lose order
    }


@bp.get("/carte")
def map_page():
    """Show the map of structures and links."""
    return render_template("mapping/map.html", config=_page_config())


@bp.get("/integrer/carte")
def embed_map():
    """The map alone, to show inside another site's page (see security.EMBED_PREFIX)."""
    return render_template("mapping/embed_map.html", config=_page_config())


@bp.get("/carte/graphe")
def graph_page():
    """Show the relation graph with who bridges whom."""
    return render_template("mapping/graph.html", config=_page_config())


@bp.get("/carte/panorama")
def panorama_page():
    """Show the programme's overall picture."""
    return render_template("mapping/panorama.html", data=panorama.panorama(db.session))


@bp.get("/carte/panorama.pdf")
def panorama_pdf():
    """Download the panorama as a PDF (rendered out of the web process)."""
    html = render_template("mapping/panorama_pdf.html", data=panorama.panorama(db.session))
    return pdf_response(panorama.pdf_document(html), url_for("mapping.panorama_page"))


# --- Structures and links --------------------------------------------------------------------------------


def _practice_url(practice_id: int) -> str | None:
    for endpoint in ("practices.show", "practices.practice", "practices.view"):
        try:
            return url_for(endpoint, practice_id=practice_id)
        except BuildError:
            continue
    return None


@bp.get("/structures/<int:structure_id>")
def structure(structure_id: int):
    """Show a structure, its links, the workshops it took part in, the practices that name it, its members."""
    item = structures.get_structure(db.session, structure_id, viewer=current_user)
    practices = [{**p, "url": _practice_url(p["id"])} for p in structures.practices_naming(db.session, item.id)]
    coordinator = permissions.can_coordinate_structures(db.session, current_user, [item.id])
    return render_template("mapping/structure.html", structure=item,
                           links=links.links_of(db.session, item, viewer=current_user), practices=practices,
                           workshops=workshops.workshops_of(db.session, item.id, viewer=current_user),
                           coordinator=coordinator,
                           can_declare=permissions.can_declare(db.session, current_user, [item.id]),
                           membership=membership.membership(db.session, current_user, item.id),
                           members=membership.members_of(db.session, item.id) if coordinator else [],
                           member_form=MemberForm() if coordinator else None,
                           frameworks=frameworks_service.labels(db.session), vocab=vocabulary,
                           opportunities=frameworks_catalogue.opportunities(db.session, item),
                           trials=trial_panels.structure_panel(db.session, item.id))


# --- Members of a structure ------------------------------------------------------------------------------


def _back_to(structure_id: int):
    return redirect(url_for("mapping.structure", structure_id=structure_id))


def _attempt(action: Callable[[], T]) -> T | None:
    """Run a service action of a page that redirects: commit and return its result, or flash its refusal."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None
    db.session.commit()
    return result


@bp.post("/structures/<int:structure_id>/membres/demander")
@login_required
def claim_membership(structure_id: int):
    """Say "I work here"; a coordinator of the structure validates it."""
    def claim():
        member = membership.claim_membership(db.session, current_user, structure_id)
        notification_hooks.membership_claimed(db.session, current_user, structure_id)
        return member

    if _attempt(claim):
        flash(_("Demande envoyée : la coordination la validera."), "success")
    return _back_to(structure_id)


@bp.post("/structures/<int:structure_id>/membres/ajouter")
@login_required
def add_member(structure_id: int):
    """Attach an account to the structure (coordinators of the structure)."""
    structures.editable_structure(db.session, current_user, structure_id)
    form = MemberForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.email.errors) or _("Requête invalide."), "error")
        return _back_to(structure_id)
    member = _attempt(lambda: membership.add_member(db.session, current_user, structure_id, form.email.data))
    if member:
        flash(_("%(name)s est membre de la structure.", name=member.user.name), "success")
    return _back_to(structure_id)


@bp.post("/structures/<int:structure_id>/membres/<int:user_id>/<any(valider, retirer):action>")
@login_required
def member_action(structure_id: int, user_id: int, action: str):
    """Accept a claim, or detach a member / withdraw one's own claim."""
    if action == "valider":
        membership.validate_member(db.session, current_user, structure_id, user_id)
        message = _("Rattachement validé.")
    else:
        membership.remove_member(db.session, current_user, structure_id, user_id)
        message = _("Rattachement retiré.")
    db.session.commit()
    flash(message, "success")
    return _back_to(structure_id)


# --- Structures represented at a workshop ------------------------------------------------------------------


@bp.route("/ateliers/<int:workshop_id>/structures", methods=["GET", "POST"])
@login_required
def workshop_structures(workshop_id: int):
    """Say which structures were represented at a workshop (its facilitator, admins)."""
    workshop = workshops.moderated_workshop(db.session, current_user, workshop_id)
    form = WorkshopStructuresForm()
    form.structures.choices = [SelectChoice(i, label) for i, label in structures.structure_choices(db.session)]
    if request.method == "GET":
        form.structures.data = workshops.workshop_structure_ids(db.session, workshop.id)
    if form.validate_on_submit():
        try:
            workshops.set_workshop_structures(db.session, current_user, workshop.id, form.structures.data or [])
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Structures représentées enregistrées."), "success")
            return redirect(url_for("boards.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("mapping/workshop_structures.html", form=form, workshop=workshop), status


@bp.route("/structures/<int:structure_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_structure(structure_id: int):
    """Correct a structure (coordinators of its networks, admins)."""
    item = structures.editable_structure(db.session, current_user, structure_id)
    form = StructureForm(obj=item)
    if form.validate_on_submit():
        try:
            structures.update_structure(db.session, current_user, item.id, form.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Structure enregistrée."), "success")
            return redirect(url_for("mapping.structure", structure_id=item.id))
    status = 400 if request.method == "POST" else 200
    return render_template("mapping/structure_edit.html", form=form, structure=item), status


def _link_form(**kwargs) -> LinkForm:
    form = LinkForm(**kwargs)
    offered = frameworks_service.choices(db.session, form.frameworks.data or ())
    form.frameworks.choices = [SelectChoice(k, v) for k, v in offered.items()]
    return form


@bp.route("/structures/<int:structure_id>/declarer-un-lien", methods=["GET", "POST"])
@login_required
def declare_link(structure_id: int):
    """Declare that this structure works with another one (validated later by a coordinator)."""
    item = links.declaring_structure(db.session, current_user, structure_id)
    form = _link_form()
    if form.validate_on_submit():
        try:
            link = links.declare_link(db.session, current_user, item.id, form.target.data or 0,
                                      form.data_for_service())
            notification_hooks.link_declared(db.session, current_user, link)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Lien déclaré : il apparaîtra sur la carte publique une fois validé par la coordination."),
                  "success")
            return redirect(url_for("mapping.link", link_id=link.id))
    status = 400 if request.method == "POST" else 200
    return render_template("mapping/link_form.html", form=form, structure=item, declaring=True), status


@bp.get("/liens/<int:link_id>")
def link(link_id: int):
    """Show a link, how it is characterised and its history."""
    item = links.get_link(db.session, link_id, viewer=current_user)
    return render_template("mapping/link.html", link=item, vocab=vocabulary,
                           frameworks=frameworks_service.labels(db.session),
                           coordinator=permissions.can_coordinate_link(db.session, current_user, item),
                           waiting=consent.missing_link_networks(db.session, item) if item.status != "validated"
                           else [])


@bp.route("/liens/<int:link_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_link(link_id: int):
    """Characterise or correct a link (coordinators of one of its structures' networks, admins)."""
    item = links.editable_link(db.session, current_user, link_id)
    form = _link_form(obj=item)
    del form.target, form.target_name
    if form.validate_on_submit():
        try:
            links.edit_link(db.session, current_user, item.id, form.data_for_service())
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Lien enregistré."), "success")
            return redirect(url_for("mapping.link", link_id=item.id))
    status = 400 if request.method == "POST" else 200
    return render_template("mapping/link_form.html", form=form, link=item, declaring=False), status


@bp.post("/liens/<int:link_id>/<any(valider, invalider):action>")
@login_required
def set_link_status(link_id: int, action: str):
    """Validate a declared link, or take the validation back (coordinators)."""
    link = links.set_link_status(db.session, current_user, link_id, action == "valider")
    db.session.commit()
    if action == "invalider":
        message = _("Validation retirée.")
    elif link.status == "validated":
        message = _("Lien validé : il est public.")
    else:
        message = _("Confirmation enregistrée : l'autre réseau doit encore confirmer ce lien.")
    flash(message, "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/carte/a-valider")
                    else url_for("mapping.link", link_id=link_id))


@bp.post("/liens/<int:link_id>/supprimer")
@login_required
def delete_link(link_id: int):
    """Delete a link (coordinators)."""
    links.delete_link(db.session, current_user, link_id)
    db.session.commit()
    flash(_("Lien supprimé."), "success")
    return redirect(url_for("mapping.pending"))


@bp.get("/carte/a-valider")
@login_required
def pending():
    """List the links waiting for validation (coordinators)."""
    return render_template("mapping/pending.html", links=links.pending_links(db.session, current_user),
                           vocab=vocabulary)


# --- Imports ---------------------------------------------------------------------------------------------


@bp.route("/admin/cartographie/import", methods=["GET", "POST"])
@admin_required
def import_page():
    """Import the Annuaire, the QPV list and outlines, or structures from the template, queued as a job (files up
    to MAP_IMPORT_MAX_BYTES: the request guard gives this page that allowance, see web.UPLOAD_LIMITS)."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            scope = make_scope(form.departement.data, form.cities.data)
        except ValueError as error:
            form.departement.errors = [*form.departement.errors, str(error)]
        else:
            spooled = jobs.spool_upload(form.file.data, current_app.config["MAP_IMPORT_MAX_BYTES"])
            job = jobs.create_job(db.session, import_job.KIND, current_user.id, {
                "file": spooled, "format": form.format.data,
                "dry_run": bool(form.dry_run.data), "departement": scope.departement, "cities": sorted(scope.cities),
                "locale": str(get_locale()), "back_url": url_for("mapping.import_page")})
            db.session.commit()
            enqueue(import_job.import_file, job.id)
            return redirect(url_for("jobs.show", job_id=job.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("mapping/import.html", form=form, columns=TEMPLATE_COLUMNS,
                           count=structures.count_structures(db.session),
                           max_mb=current_app.config["MAP_IMPORT_MAX_BYTES"] // (1024 * 1024),
                           max_written=MAX_WRITTEN), status


@bp.get("/carte/modele-structures.csv")
def structures_template():
    """Download the structures CSV template."""
    return Response(template_csv(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="modele-structures.csv"'})
