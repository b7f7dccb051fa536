"""Pages of workshops: home and join, the facilitator's dashboard, creation, the board and the room screen."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop import ratelimit
from workshop.addresses import request_key
from workshop.boards import service
from workshop.boards.forms import JoinCodeForm, WorkshopForm
from workshop.config import only_this_machine
from workshop.errors import DomainError, NotFound
from workshop.extensions import db
from workshop.formats.service import format_choices
from workshop.forms import attach_error
from workshop.live.devices import give_device
from workshop.printing.markup import base_url
from workshop.showcase import service as showcase

bp = Blueprint("boards", __name__)


def join_url(code: str) -> str:
    """The short address people type or scan, under PUBLIC_URL (never the request's Host header)."""
    return base_url() + url_for("boards.board", code=code)


@bp.route("/")
def home():
    """Show what the programme produced, then the join-by-code box."""
    return render_template("boards/home.html", form=JoinCodeForm(request.args), showcase=showcase.home(db.session))


def _unknown_code(form: JoinCodeForm, error: NotFound):
    """Answer a wrong code late (later with each failure from this address), never refusing a right one."""
    ratelimit.failed("JOIN_FAILURE_RATE", "join-code", request_key())
    attach_error(form, error)
    return render_template("boards/home.html", form=form), 404


@bp.get("/rejoindre")
def join_by_code():
    """Send someone who typed a code to its board, or say clearly that no workshop has it."""
    form = JoinCodeForm(request.args)
    if form.validate():
        try:
            workshop = service.get_by_code(db.session, form.code.data)
        except NotFound as error:
            return _unknown_code(form, error)
        return redirect(url_for("boards.board", code=workshop.code))
    return render_template("boards/home.html", form=form), 400


@bp.get("/j/<code>")
def board(code: str):
    """Show the live board; the page joins over Socket.IO with the name or token kept by the browser."""
    try:
        workshop = service.get_by_code(db.session, code)
    except NotFound as error:
        return _unknown_code(JoinCodeForm(data={"code": code}), error)
    if workshop.code != code:
        return redirect(url_for("boards.board", code=workshop.code))
    return give_device(make_response(render_template("boards/board.html", workshop=workshop,
                                                      moderator=service.can_moderate(current_user, workshop))))


@bp.get("/ateliers")
@login_required
def dashboard():
    """List the workshops this person runs."""
    workshops = service.workshops_for(db.session, current_user)
    counts = service.card_counts(db.session, [w.id for w in workshops])
    return render_template("boards/dashboard.html", workshops=workshops, counts=counts)


@bp.route("/ateliers/nouveau", methods=["GET", "POST"])
@login_required
def create():
    """Create a workshop and go to its room screen."""
    if not current_user.can_facilitate:
        abort(403)
    form = WorkshopForm()
    form.format_key.choices = [*form.format_key.choices, *format_choices(db.session, current_user)]
    if form.validate_on_submit():
        try:
            workshop = service.create_workshop(
                db.session, current_user, form.title.data, description=form.description.data or "",
                place=form.place.data or "", held_on=form.held_on.data, format_key=form.format_key.data,
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Atelier créé. Projetez cet écran : les participant·es rejoignent avec le code."), "success")
            return redirect(url_for("boards.room", workshop_id=workshop.id))
    return render_template("boards/create.html", form=form)


def _moderated(workshop_id: int):
    workshop = service.get_workshop(db.session, workshop_id)
    if not service.can_moderate(current_user, workshop):
        abort(403)
    return workshop


@bp.get("/ateliers/<int:workshop_id>/salle")
@login_required
def room(workshop_id: int):
    """Show the room screen: code, short URL and QR code, to project on the wall."""
    workshop = _moderated(workshop_id)
    url = join_url(workshop.code)
    return render_template("boards/room.html", workshop=workshop, url=url,
                           code=service.format_code(workshop.code), only_this_machine=only_this_machine(url))


@bp.get("/ateliers/<int:workshop_id>/qr.svg")
@login_required
def qr(workshop_id: int):
    """Return the QR code of the join URL as SVG."""
    workshop = _moderated(workshop_id)
    svg = io.BytesIO()  # a standalone file: svg_inline() lacks the xmlns an <img> needs to draw it
    segno.make(join_url(workshop.code), error="m").save(svg, kind="svg", scale=8, border=2)
    return Response(svg.getvalue(), mimetype="image/svg+xml")
