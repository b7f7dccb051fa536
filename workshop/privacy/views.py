"""Pages of personal data: the public notice, a participant's own data (by board token), the coordinators' tools."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from workshop.accounts.models import User
from workshop.accounts.views import admin_required
from workshop.boards.models import Participant, Workshop
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.privacy import exports, people
from workshop.privacy.commands import erase_live
from workshop.privacy.erasure import ERASED_NAME

bp = Blueprint("privacy", __name__)


def _download(data: dict, filename: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _token_payload() -> tuple[object, object]:
    """The join code and board token sent in a JSON body (never in the URL: addresses end up in logs)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError(_("Le message envoyé n'a pas la bonne forme."))
    return payload.get("code"), payload.get("token")


@bp.get("/donnees-personnelles")
def notice():
    """Say what is stored, why, for how long, who sees it, and how to exercise one's rights."""
    return render_template("privacy/notice.html", months=current_app.config["RETENTION_MONTHS"])


@bp.get("/donnees-personnelles/mes-contributions")
def mine():
    """Show, download or erase what this browser's board tokens wrote (the page reads them from the browser)."""
    return render_template("privacy/mine.html")


@bp.post("/api/donnees-personnelles/export")
def export_mine():
    """Return, as JSON, what the seat of this board token holds."""
    seat = people.participant_by_token(db.session, *_token_payload())
    return {"ok": True, "data": exports.export_participant(db.session, seat)}


@bp.post("/api/donnees-personnelles/effacer")
def erase_mine():
    """Erase what the seat of this board token wrote, and its name, on every screen and in the board's log."""
    seat = people.participant_by_token(db.session, *_token_payload())
    counts = erase_live(db.session, seat.workshop_id, [seat.id])
    return {"ok": True, "erased": counts}


# --- coordinators ------------------------------------------------------------------------------------------


@bp.get("/admin/donnees-personnelles")
@admin_required
def admin():
    """List workshops and accounts, each with its export and erasure."""
    workshops = db.session.execute(
        select(Workshop, func.count(Participant.id)).outerjoin(Participant, Participant.workshop_id == Workshop.id)
        .group_by(Workshop.id).order_by(Workshop.created_at.desc(), Workshop.id.desc())).all()
    users = db.session.scalars(select(User).order_by(User.name))
    return render_template("privacy/admin.html", workshops=workshops, users=users,
                           months=current_app.config["RETENTION_MONTHS"])


@bp.get("/admin/donnees-personnelles/ateliers/<int:workshop_id>")
@admin_required
def admin_workshop(workshop_id: int):
    """List a workshop's participants, each with its export and erasure."""
    workshop = people.workshop_of(db.session, workshop_id)
    seats = db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)
                               .order_by(Participant.id))
    return render_template("privacy/workshop.html", workshop=workshop, seats=seats, erased_name=ERASED_NAME)


@bp.get("/admin/donnees-personnelles/ateliers/<int:workshop_id>.json")
@admin_required
def export_workshop(workshop_id: int):
    """Download every participant's data of a workshop."""
    workshop = people.workshop_of(db.session, workshop_id)
    return _download(exports.export_workshop(db.session, workshop), f"atelier-{workshop.id}.json")


@bp.post("/admin/donnees-personnelles/ateliers/<int:workshop_id>/effacer")
@admin_required
def erase_workshop(workshop_id: int):
    """Erase every participant's text and name on a workshop."""
    workshop = people.workshop_of(db.session, workshop_id)
    return _erased_on_board(workshop.id, None)


def _erased_on_board(workshop_id: int, participant_ids: list[int] | None):
    """Erase on the live board (the kernel commits and tells open screens), say what went, back to the list."""
    counts = erase_live(db.session, workshop_id, participant_ids)
    flash(_("Effacé : %(c)d post-it, %(r)d réponses, %(p)d noms.", c=counts["cards"], r=counts["replies"],
            p=counts["participants"]), "success")
    return redirect(url_for("privacy.admin_workshop", workshop_id=workshop_id))


@bp.get("/admin/donnees-personnelles/ateliers/<int:workshop_id>/participants/<int:participant_id>.json")
@admin_required
def export_participant(workshop_id: int, participant_id: int):
    """Download one participant's data."""
    seat = people.seat_of(db.session, people.workshop_of(db.session, workshop_id), participant_id)
    return _download(exports.export_participant(db.session, seat), f"participant-{seat.id}.json")


@bp.post("/admin/donnees-personnelles/ateliers/<int:workshop_id>/participants/<int:participant_id>/effacer")
@admin_required
def erase_participant(workshop_id: int, participant_id: int):
    """Erase one participant's text and name."""
    seat = people.seat_of(db.session, people.workshop_of(db.session, workshop_id), participant_id)
    return _erased_on_board(seat.workshop_id, [seat.id])


@bp.get("/admin/donnees-personnelles/comptes/<int:user_id>.json")
@admin_required
def export_account(user_id: int):
    """Download what is stored about an account."""
    user = people.account(db.session, user_id)
    return _download(exports.export_account(db.session, user), f"compte-{user.id}.json")


@bp.post("/admin/donnees-personnelles/comptes/<int:user_id>/effacer")
@admin_required
def erase_account(user_id: int):
    """De-identify an account; the workshops and sheets it made stay, under "Compte effacé"."""
    people.erase_account(db.session, people.account(db.session, user_id), current_user)
    db.session.commit()
    flash(_("Compte effacé : ses contributions restent, sans son nom."), "success")
    return redirect(url_for("privacy.admin"))
