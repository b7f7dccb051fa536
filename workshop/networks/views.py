"""What waits for each network's consent: the page of its coordinators."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop.extensions import db
from workshop.networks import consent
from workshop.networks.models import Network
from workshop.networks.service import coordinated_network_ids
from workshop.practices import reviews

bp = Blueprint("networks", __name__)


@bp.get("/reseaux/en-attente")
@login_required
def waiting():
    """List, network by network, the sheets and links that wait for its coordinators' consent."""
    mine = coordinated_network_ids(db.session, current_user)  # none: the page says so
    networks = db.session.scalars(select(Network).where(Network.id.in_(mine)).order_by(Network.name)).all()
    sheets = reviews.awaiting_approval(db.session, mine)
    links = consent.waiting_links(db.session, mine)
    return render_template("networks/waiting.html", networks=networks, sheets=sheets, links=links)
