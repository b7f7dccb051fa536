"""Organisers' pages of a meeting: create and edit, the programme and its parallel workshops, the registrants'
list (CSV, check-in, walk-ins), the room screen, preparation (checklist, private board) and the synthesis."""

from __future__ import annotations

import csv
import io
from typing import Any

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.accounts import service as accounts
from workshop.boards import service as boards
from workshop.boards.profiles import PROFILE_KINDS
from workshop.extensions import db
from workshop.formats.builtin import FORMATS
from workshop.formats.service import format_choices
from workshop.forms import submit
from workshop.meetings import mails, service
from workshop.meetings import registration as registrations
from workshop.meetings.forms import (
    ActionForm,
    ItemForm,
    MeetingForm,
    SlotForm,
    SynthesisForm,
    TaskForm,
    WalkInForm,
    choices,
    optional_id,
)
from workshop.meetings.vocabulary import STATUSES
from workshop.networks import service as networks
from workshop.printing.markup import base_url
from workshop.spreadsheet import safe_cell

bp = Blueprint("organise", __name__)


def _organised(meeting_id: int):
    meeting = service.get_meeting(db.session, meeting_id)
    if not service.is_organiser(db.session, current_user, meeting):
        abort(403)
    return meeting


def _meeting_data(form: MeetingForm) -> dict[str, Any]:
    return {"title": form.title.data, "kind": form.kind.data, "starts_at": form.starts_at.data,
            "ends_at": form.ends_at.data, "place": form.place.data, "description": form.description.data,
            "structure_id": optional_id(form.structure_id.data), "capacity": form.capacity.data,
            "public": form.public.data, "registration_open": form.registration_open.data}


def _meeting_form(meeting=None) -> MeetingForm:
    form = MeetingForm(obj=meeting) if meeting is not None and request.method == "GET" else MeetingForm()
    form.networks.choices = choices([(n.id, n.name) for n in networks.list_networks(db.session)])
    if meeting is not None and request.method == "GET":
        form.networks.data = sorted(service.network_ids(db.session, meeting))
    return form


@bp.route("/rencontres/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    """Create a meeting, then build its programme."""
    if not current_user.can_facilitate:
        abort(403)
    form = _meeting_form()
    created = []

    def save() -> None:
        created.append(service.create_meeting(db.session, current_user, _meeting_data(form), form.networks.data))

    status = submit(form, save, _("Rencontre créée. Ajoutez maintenant son programme."))
    if status is None:
        return redirect(url_for("meetings.organise.programme", meeting_id=created[0].id))
    return render_template("meetings/edit.html", form=form, meeting=None), status


@bp.route("/rencontres/<int:meeting_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    """Edit a meeting's details."""
    meeting = _organised(meeting_id)
    form = _meeting_form(meeting)

    def save() -> None:
        service.update_meeting(db.session, current_user, meeting, _meeting_data(form), form.networks.data)
        mails.moved_up(db.session, registrations.promote(db.session, meeting), meeting)  # a larger capacity

    status = submit(form, save, _("Rencontre enregistrée."))
    if status is None:
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/edit.html", form=form, meeting=meeting), status


def _slot_form() -> SlotForm:
    form = SlotForm(prefix="slot")
    form.format_key.choices = choices([(k, f.label_fr) for k, f in FORMATS.items()]
                                      + format_choices(db.session, current_user))
    form.facilitator.choices = choices((u.id, u.name) for u in accounts.list_users(db.session)
                                       if u.can_facilitate and u.active)
    if request.method == "GET":
        form.facilitator.data = current_user.id
    return form


@bp.route("/rencontres/<int:meeting_id>/programme", methods=["GET", "POST"])
@login_required
def programme(meeting_id: int):
    """Build the programme: plenaries and breaks, and slots of N parallel workshops created in one go."""
    meeting = _organised(meeting_id)
    item_form, slot_form = ItemForm(prefix="item"), _slot_form()
    slot = request.form.get("which") == "slot"
    form = slot_form if slot else item_form
    status = submit(form, lambda: _add_to_programme(meeting, form, slot), _("Programme mis à jour."))
    if status is None:
        return redirect(url_for("meetings.organise.programme", meeting_id=meeting.id))
    return render_template("meetings/programme.html", meeting=meeting, item_form=item_form, slot_form=slot_form,
                           programme=service.programme(db.session, meeting), action=ActionForm()), status


def _add_to_programme(meeting, form, slot: bool) -> None:
    data = {"title": form.title.data, "starts_at": form.starts_at.data, "ends_at": form.ends_at.data,
            "room": form.room.data}
    if slot:
        facilitator = accounts.get_user(db.session, form.facilitator.data or current_user.id)
        service.add_parallel_slot(db.session, current_user, meeting, data, form.count.data,
                                  facilitator=facilitator, format_key=form.format_key.data)
    else:
        service.add_item(db.session, current_user, meeting, {**data, "kind": form.kind.data})


@bp.post("/rencontres/<int:meeting_id>/programme/<int:item_id>/supprimer")
@login_required
def delete_item(meeting_id: int, item_id: int):
    """Remove an item of the programme (its workshops stay, out of any slot)."""
    meeting = _organised(meeting_id)
    if ActionForm().validate_on_submit():
        service.delete_item(db.session, current_user, meeting, item_id)
        db.session.commit()
    return redirect(url_for("meetings.organise.programme", meeting_id=meeting.id))


def _walk_in_form(meeting) -> WalkInForm:
    form = WalkInForm(prefix="walkin")
    form.workshop_id.choices = choices([("", "—")] + [(w.id, w.title) for w in service.meeting_workshops(meeting)])
    return form


@bp.route("/rencontres/<int:meeting_id>/inscrits", methods=["GET", "POST"])
@login_required
def registrants(meeting_id: int):
    """The registrants' list (e-mails and needs: organisers only), with check-in and walk-ins on the day."""
    meeting = _organised(meeting_id)
    form = _walk_in_form(meeting)
    status = submit(form, lambda: registrations.register(db.session, meeting, registrations.walk_in_data(
        form.name.data, form.profile_kind.data, form.workshop_id.data), walk_in=True, actor=current_user),
        _("Personne ajoutée sur place et marquée présente."))
    if status is None:
        return redirect(url_for("meetings.organise.registrants", meeting_id=meeting.id))
    people = registrations.registrations(db.session, meeting, include_cancelled=True)
    typed = sorted({p.structure_name for p in people if p.structure_name and p.structure_id is None})
    return render_template("meetings/registrants.html", meeting=meeting, people=people, form=form, typed=typed,
                           action=ActionForm(), registered=registrations.registered_count(db.session, meeting.id),
                           ), status


CSV_COLUMNS = ("nom", "e-mail", "je viens de", "structure", "ville", "réseau", "fonction", "atelier", "besoins",
               "statut", "sur place", "présent·e")


@bp.get("/rencontres/<int:meeting_id>/inscrits.csv")
@login_required
def registrants_csv(meeting_id: int):
    """Download the registrants as CSV (cells that look like formulas are neutralised)."""
    meeting = _organised(meeting_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in registrations.registrations(db.session, meeting, include_cancelled=True):
        writer.writerow([safe_cell(v) for v in (
            r.name, r.email or "", str(PROFILE_KINDS.get(r.profile_kind, "")),
            r.structure.name if r.structure else r.structure_name, r.city, r.network.short_name if r.network else "",
            r.role, r.workshop.title if r.workshop else "", r.needs, str(STATUSES.get(r.status, r.status)),
            "oui" if r.walk_in else "", r.checked_in_at.isoformat(timespec="minutes") if r.checked_in_at else "")])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="inscrits-rencontre-{meeting.id}.csv"',
        "Cache-Control": "no-store"})


@bp.route("/rencontres/<int:meeting_id>/accueil/<int:registration_id>", methods=["GET", "POST"])
@login_required
def arrival(meeting_id: int, registration_id: int):
    """Check someone in (the personal QR opens this page on the organiser's phone; the list posts here too)."""
    meeting = _organised(meeting_id)
    registration = registrations.get_registration(db.session, meeting, registration_id)
    form = ActionForm()
    if form.validate_on_submit():
        present = request.form.get("present", "1") == "1"
        registrations.check_in(db.session, current_user, meeting, registration, present)
        db.session.commit()
        flash(_("%(n)s : arrivée enregistrée.", n=registration.name) if present else
              _("%(n)s : arrivée retirée.", n=registration.name), "success")
        if request.form.get("back") == "list":
            return redirect(url_for("meetings.organise.registrants", meeting_id=meeting.id) + f"#r{registration.id}")
        return redirect(url_for("meetings.organise.arrival", meeting_id=meeting.id, registration_id=registration.id))
    return render_template("meetings/arrival.html", meeting=meeting, r=registration, form=form)


def meeting_code_url(meeting) -> str:
    return base_url() + url_for("meetings.by_code", code=meeting.code)


@bp.get("/rencontres/<int:meeting_id>/salle")
@login_required
def room(meeting_id: int):
    """The room screen: the meeting code and its QR, where phones pick their workshop."""
    meeting = _organised(meeting_id)
    return render_template("meetings/room.html", meeting=meeting, url=meeting_code_url(meeting),
                           code=boards.format_code(meeting.code))


@bp.get("/rencontres/<int:meeting_id>/qr.svg")
@login_required
def qr(meeting_id: int):
    """The QR code of the meeting code page, as SVG."""
    meeting = _organised(meeting_id)
    svg = io.BytesIO()
    segno.make(meeting_code_url(meeting), error="m").save(svg, kind="svg", scale=8, border=2)
    return Response(svg.getvalue(), mimetype="image/svg+xml")


@bp.route("/rencontres/<int:meeting_id>/preparation", methods=["GET", "POST"])
@login_required
def preparation(meeting_id: int):
    """The organisers' private space: the checklist and the preparation board."""
    meeting = _organised(meeting_id)
    form = TaskForm(prefix="task")
    status = submit(form, lambda: service.add_task(db.session, current_user, meeting, form.text.data, form.owner.data,
                                                   form.due_on.data), _("Tâche ajoutée."))
    if status is None:
        return redirect(url_for("meetings.organise.preparation", meeting_id=meeting.id))
    return render_template("meetings/preparation.html", meeting=meeting, form=form, action=ActionForm(),
                           tasks=service.tasks(db.session, meeting),
                           board=service.preparation_board(db.session, current_user, meeting)), status


@bp.post("/rencontres/<int:meeting_id>/preparation/tableau")
@login_required
def preparation_board(meeting_id: int):
    """Create (once) and open the private preparation board."""
    meeting = _organised(meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    board = service.preparation_board(db.session, current_user, meeting, create=True)
    db.session.commit()
    return redirect(url_for("boards.board", code=board.code))


@bp.post("/rencontres/<int:meeting_id>/preparation/<int:task_id>")
@login_required
def toggle_task(meeting_id: int, task_id: int):
    """Tick or untick a preparation task."""
    meeting = _organised(meeting_id)
    if ActionForm().validate_on_submit():
        service.toggle_task(db.session, current_user, meeting, task_id)
        db.session.commit()
    return redirect(url_for("meetings.organise.preparation", meeting_id=meeting.id))


@bp.route("/rencontres/<int:meeting_id>/restitution/modifier", methods=["GET", "POST"])
@login_required
def synthesis(meeting_id: int):
    """Write the organisers' synthesis and publish the restitution."""
    meeting = _organised(meeting_id)
    form = SynthesisForm(obj=meeting) if request.method == "GET" else SynthesisForm()
    status = submit(form, lambda: service.set_synthesis(db.session, current_user, meeting, form.synthesis.data,
                                                        published=form.published.data), _("Restitution enregistrée."))
    if status is None:
        return redirect(url_for("meetings.restitution_page", meeting_id=meeting.id))
    return render_template("meetings/synthesis.html", meeting=meeting, form=form), status
