"""Pages of the peer groups (/groupes): the list, a new group, a group's page, its members and next session."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from workshop.boards.forms import format_label
from workshop.boards.profiles import PROFILE_KINDS
from workshop.errors import DomainError
from workshop.extensions import db
from workshop.formats.builtin import DEFAULT_FORMAT, FORMATS
from workshop.forms import attach_error, submit
from workshop.mapping.models import City
from workshop.networks.models import Network
from workshop.peergroups import invitations, service
from workshop.peergroups.forms import AnswerForm, GroupForm, InviteForm, MemberForm, SessionForm
from workshop.peergroups.overview import overview

bp = Blueprint("peergroups", __name__)


def _group_form() -> GroupForm:
    form = GroupForm()
    form.format_key.choices = [SelectChoice(k, format_label(f)) for k, f in FORMATS.items()]
    if not form.format_key.data:
        form.format_key.data = DEFAULT_FORMAT
    networks = db.session.scalars(select(Network).order_by(Network.name))
    form.networks.choices = [SelectChoice(n.id, n.name) for n in networks]
    form.cities.choices = [SelectChoice(c.insee, c.name) for c in db.session.scalars(select(City).order_by(City.name))]
    return form


@bp.route("/groupes", methods=["GET", "POST"])
@login_required
def index():
    """List the peer groups one may see; facilitators and coordinators create one here."""
    form = _group_form() if current_user.can_facilitate else None
    created = []

    def create() -> None:
        created.append(service.create_group(db.session, current_user, form.name.data, purpose=form.purpose.data,
                                            format_key=form.format_key.data, place=form.place.data,
                                            network_ids=form.networks.data, city_insees=form.cities.data))

    if form is not None and submit(form, create, _("Groupe de pairs créé.")) is None:
        return redirect(url_for("peergroups.group_page", group_id=created[0].id))
    return render_template("peergroups/index.html", groups=service.groups_for(db.session, current_user), form=form)


@bp.get("/groupes/<int:group_id>")
@login_required
def group_page(group_id: int):
    """Show a group: its sessions, attendance, sheets produced, members and open next steps."""
    group = service.require_view(db.session, current_user, group_id)
    return _group_page(group, InviteForm())


def _group_page(group, invite_form: InviteForm, status: int = 200):
    data = overview(db.session, group, profiles=service.sees_profiles(current_user, group))
    can_run = service.can_run(current_user, group)
    upcoming = invitations.next_session(db.session, group) if can_run else None
    if upcoming is not None and request.method == "GET":
        invite_form.starts_at.data, invite_form.ends_at.data = upcoming.starts_at, upcoming.ends_at
    return render_template("peergroups/group.html", group=group, data=data, invite_form=invite_form,
                           invited=invitations.for_group(db.session, group) if can_run else [], upcoming=upcoming,
                           invitation_statuses=invitations.STATUSES,
                           can_run=can_run, member_form=MemberForm(),
                           session_form=SessionForm(), profiles=PROFILE_KINDS,
                           formats={k: format_label(f) for k, f in FORMATS.items()}), status


@bp.post("/groupes/<int:group_id>/seance")
@login_required
def next_session(group_id: int):
    """Create the group's next session ("Séance suivante") and open its board."""
    group = service.require_view(db.session, current_user, group_id)
    form = SessionForm()
    if not form.validate_on_submit():
        flash(_("Date invalide."), "error")
        return redirect(url_for("peergroups.group_page", group_id=group.id))
    workshop = service.next_session(db.session, current_user, group, form.held_on.data)
    db.session.commit()
    flash(_("Séance créée : le tableau s'ouvre sur « Où en est-on ? » quand des suites restent ouvertes."),
          "success")
    return redirect(url_for("boards.board", code=workshop.code))


@bp.post("/groupes/<int:group_id>/membres")
@login_required
def add_member(group_id: int):
    """Add an account to the group (or change its role)."""
    group = service.require_view(db.session, current_user, group_id)
    form = MemberForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("peergroups.group_page", group_id=group.id))
    try:
        service.add_member(db.session, current_user, group, form.email.data, form.role.data)
    except DomainError as error:
        db.session.rollback()
        if error.code == "forbidden":
            raise
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Membre ajouté·e."), "success")
    return redirect(url_for("peergroups.group_page", group_id=group.id))


@bp.post("/groupes/<int:group_id>/invitations")
@login_required
def invite(group_id: int):
    """Invite people by e-mail to the group and its next session."""
    group = service.require_view(db.session, current_user, group_id)
    form = InviteForm()
    result = {}

    def send() -> None:
        result.update(invitations.invite(db.session, current_user, group, form.emails.data,
                                         starts_at=form.starts_at.data, ends_at=form.ends_at.data,
                                         language=str(get_locale())))

    status = submit(form, send, _("Invitations envoyées."))
    if status is not None:
        return _group_page(group, form, status)
    if result["skipped"]:
        flash(_("Pas d'invitation pour : %(list)s (déjà membre, invitation déclinée ou ne souhaite plus être "
                "invité·e).", list=", ".join(result["skipped"])), "info")
    return redirect(url_for("peergroups.group_page", group_id=group.id, _anchor="invite-title"))


def _private(response: Response) -> Response:
    """Pages behind the invitation's secret link: never cached, never sent as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/groupes/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The invitation's page: the group, its next session, and the answers (coming, declining, never again)."""
    found = invitations.by_token(db.session, token)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            gone = invitations.respond(db.session, found, request.form.get("answer"))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if gone:
                return _private(Response(render_template("peergroups/opted_out.html")))
            flash(_("Merci, votre réponse est enregistrée.") , "success")
            return redirect(url_for("peergroups.invitation", token=token))
    group = found.group
    upcoming = invitations.next_session(db.session, group)
    return _private(Response(render_template("peergroups/invitation.html", invitation=found, group=group,
                                             upcoming=upcoming, form=form,
                                             answered=invitations.ANSWERED[found.status])))
