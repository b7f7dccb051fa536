"""Public pages of meetings: the list, a meeting (programme, place, calendar file), the meeting code people scan
in the room, registration and the personal page behind its secret link, and the published restitution."""

from __future__ import annotations

import io
import re

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workshop.boards.profiles import PROFILE_KINDS
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.forms import attach_error
from workshop.mapping.models import Structure
from workshop.meetings import mails, organise, restitution, service
from workshop.meetings import privacy as meetings_privacy
from workshop.meetings import registration as registrations
from workshop.meetings.forms import ActionForm, ChooseWorkshopForm, RegistrationForm, choices, optional_id
from workshop.meetings.vocabulary import ITEM_KINDS, KINDS, STATUSES
from workshop.networks.models import Network
from workshop.printing.markup import base_url
from workshop.printing.views import pdf_response

bp = Blueprint("meetings", __name__)
bp.register_blueprint(organise.bp)
SEATS = "meeting_seats"  # in the signed session: meeting id -> this browser's registration token


@bp.context_processor
def vocabulary():
    return {"KINDS": KINDS, "PROFILES": PROFILE_KINDS, "ITEM_KINDS": ITEM_KINDS, "STATUSES": STATUSES}


def _visible(meeting_id: int):
    meeting = service.get_meeting(db.session, meeting_id)
    if not service.visible(db.session, current_user, meeting):
        abort(404)  # a meeting by invitation does not exist for others until its restitution is published
    return meeting


def _private(response: Response) -> Response:
    """Pages behind a secret link: never cached, never sent as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/rencontres")
def index():
    """List the public meetings: upcoming, then past."""
    upcoming, past = service.public_meetings(db.session)
    mine = service.organised_by(db.session, current_user) if current_user.is_authenticated else []
    return render_template("meetings/index.html", upcoming=upcoming, past=past, mine=mine)


@bp.get("/rencontres/<int:meeting_id>")
def show(meeting_id: int):
    """Show a meeting: programme, place, registration."""
    meeting = _visible(meeting_id)
    organiser = service.is_organiser(db.session, current_user, meeting)
    return render_template("meetings/show.html", meeting=meeting, organiser=organiser,
                           programme=service.programme(db.session, meeting),
                           place=restitution.place_line(db.session, meeting),
                           networks=service.meeting_networks(db.session, meeting),
                           registered=registrations.registered_count(db.session, meeting.id),
                           open_=service.registration_open(meeting))


@bp.get("/rencontres/<int:meeting_id>.ics")
def calendar(meeting_id: int):
    """Download the meeting as a calendar file."""
    meeting = _visible(meeting_id)
    return Response(mails.calendar_file(db.session, meeting), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="rencontre-{meeting.id}.ics"'})


@bp.get("/r/<code>")
def by_code(code: str):
    """The meeting code of the room screen: pick a workshop, or go to the one this browser registered for."""
    meeting = service.get_by_code(db.session, code)
    token = session.get(SEATS, {}).get(str(meeting.id))
    if token:
        return redirect(url_for("meetings.mine", token=token))
    return render_template("meetings/pick.html", meeting=meeting, programme=service.programme(db.session, meeting))


@bp.get("/rencontres/structures.json")
def structures():
    """Type-ahead of the registration form: up to 10 published structures of the map whose name holds `q`."""
    query = request.args.get("q", "")
    if not isinstance(query, str) or not 2 <= len(query.strip()) <= 100:
        return jsonify(ok=True, structures=[])
    like = "%" + re.sub(r"([\\%_])", r"\\\1", query.strip()) + "%"  # typed % and _ are letters, not wildcards
    found = db.session.scalars(select(Structure).where(Structure.public.is_(True), Structure.validated.is_(True),
                                                       Structure.name.ilike(like, escape="\\"))
                               .order_by(Structure.name).limit(10))
    return jsonify(ok=True, structures=[{"id": s.id, "name": s.name, "city": s.city.name if s.city else ""}
                                        for s in found])


def registration_choices(form, meeting) -> None:
    """The lists of the form as plain rows: the registration page is the one a crowd opens at once, and loading
    whole boards and networks as objects was a fifth of its CPU."""
    form.network_id.choices = choices([("", _("— aucun —"))] + list(db.session.execute(
        select(Network.id, Network.name).order_by(Network.name))))
    form.workshop_id.choices = choices([("", _("— je choisirai sur place —"))] + [
        (w_id, f"{title} ({place})" if place else title)
        for w_id, title, place in service.meeting_workshop_rows(db.session, meeting)])


def form_data(form) -> dict:
    data = {name: value for name, value in form.data.items() if name != "csrf_token"}
    data["structure_id"] = optional_id(data.get("structure_id"))
    return data


@bp.route("/rencontres/<int:meeting_id>/inscription", methods=["GET", "POST"])
def register(meeting_id: int):
    """Register for a meeting (a place, or the waiting list when it is full)."""
    meeting = _visible(meeting_id)
    form = RegistrationForm()
    registration_choices(form, meeting)
    if form.validate_on_submit():
        try:
            registration, token = registrations.register(db.session, meeting, form_data(form),
                                                         language=str(get_locale()))
            mails.registered(db.session, registration, meeting, token)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            waiting = registration.status == "waiting"  # read before the commit expires it: no reload after
            db.session.commit()
            session[SEATS] = {**session.get(SEATS, {}), str(meeting_id): token}
            if waiting:
                flash(_("La rencontre est complète : vous êtes sur la liste d'attente. Vous passerez inscrit·e "
                        "automatiquement si une place se libère."), "info")
            else:
                flash(_("Vous êtes inscrit·e. Gardez ce lien personnel : il permet de voir ou d'annuler votre "
                        "inscription."), "success")
            return redirect(url_for("meetings.mine", token=token))
    status = 400 if form.is_submitted() else 200
    return render_template("meetings/register.html", meeting=meeting, form=form,
                           full=registrations.is_full(db.session, meeting)), status


@bp.get("/rencontres/inscription/<token>")
def mine(token: str):
    """Show one's registration: status, personal QR, workshop, cancel."""
    registration = registrations.by_token(db.session, token)
    meeting = service.get_meeting(db.session, registration.meeting_id)
    choose = ChooseWorkshopForm(workshop_id=registration.workshop_id)
    choose.workshop_id.choices = choices([(w.id, w.title) for w in service.meeting_workshops(meeting)])
    return _private(Response(render_template(
        "meetings/mine.html", r=registration, meeting=meeting, token=token, form=ActionForm(), choose=choose,
        place=restitution.place_line(db.session, meeting),
        workshop=service.workshop_of_meeting(meeting, registration.workshop_id))))


@bp.get("/rencontres/inscription/<token>/qr.svg")
def my_qr(token: str):
    """The personal QR: it opens the check-in page of this registration (for organisers, logged in)."""
    registration = registrations.by_token(db.session, token)
    url = base_url() + url_for("meetings.organise.arrival", meeting_id=registration.meeting_id,
                               registration_id=registration.id)
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=6, border=2)
    return _private(Response(svg.getvalue(), mimetype="image/svg+xml"))


@bp.post("/rencontres/inscription/<token>/annuler")
def cancel(token: str):
    """Cancel one's registration: the next person waiting moves up."""
    registration = registrations.by_token(db.session, token)
    if ActionForm().validate_on_submit():
        meeting = service.get_meeting(db.session, registration.meeting_id)
        mails.moved_up(db.session, registrations.cancel(db.session, registration), meeting)
        db.session.commit()
        flash(_("Votre inscription est annulée."), "success")
    return redirect(url_for("meetings.mine", token=token))


@bp.get("/rencontres/inscription/<token>/donnees.json")
def my_data(token: str):
    """Download what the registration holds about its person."""
    registration = registrations.by_token(db.session, token)
    return _private(jsonify(ok=True, registration=meetings_privacy.export_registration(registration)))


@bp.post("/rencontres/inscription/<token>/effacer")
def erase(token: str):
    """Erase one's registration: cancelled if still to come, name, e-mail and needs gone, link dead."""
    registration = registrations.by_token(db.session, token)
    if not ActionForm().validate_on_submit():
        abort(400)
    meetings_privacy.erase(db.session, registration)
    db.session.commit()
    seats = {k: v for k, v in session.get(SEATS, {}).items() if v != token}
    session[SEATS] = seats
    flash(_("Votre inscription et vos données sont effacées."), "success")
    return redirect(url_for("meetings.index"))


@bp.post("/rencontres/inscription/<token>/atelier")
def choose(token: str):
    """Pick (or change) one's workshop."""
    registration = registrations.by_token(db.session, token)
    form = ChooseWorkshopForm()
    form.workshop_id.choices = choices((w.id, w.title) for w in service.meeting_workshops(
        service.get_meeting(db.session, registration.meeting_id)))
    if form.validate_on_submit():
        registrations.choose_workshop(db.session, registration, form.workshop_id.data)
        db.session.commit()
        flash(_("Atelier enregistré."), "success")
    else:
        flash(_("Choisissez un atelier de la liste."), "error")
    return redirect(url_for("meetings.mine", token=token))


@bp.post("/rencontres/inscription/<token>/tableau")
def open_board(token: str):
    """Open one's workshop board as oneself: the page hands the seat's token to the board, no name to type."""
    registration = registrations.by_token(db.session, token)
    if not ActionForm().validate_on_submit():
        abort(400)
    workshop, seat_token = registrations.open_board(db.session, registration)
    db.session.commit()
    return _private(Response(render_template("meetings/handoff.html", workshop=workshop, seat_token=seat_token)))


@bp.get("/rencontres/<int:meeting_id>/restitution")
def restitution_page(meeting_id: int):
    """Show the restitution: public once published, to organisers before."""
    meeting = service.get_meeting(db.session, meeting_id)
    if not service.restitution_visible(db.session, current_user, meeting):
        abort(404)
    return render_template("meetings/restitution.html", meeting=meeting,
                           organiser=service.is_organiser(db.session, current_user, meeting),
                           r=restitution.restitution_view(db.session, meeting))


@bp.get("/rencontres/<int:meeting_id>/restitution.pdf")
def restitution_pdf(meeting_id: int):
    """Download the restitution as PDF (rendered as a job, with progress when long)."""
    meeting = service.get_meeting(db.session, meeting_id)
    if not service.restitution_visible(db.session, current_user, meeting):
        abort(404)
    return pdf_response(restitution.restitution_document(db.session, meeting),
                        url_for("meetings.restitution_page", meeting_id=meeting.id))
