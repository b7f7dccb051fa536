"""The networks' pages: what waits for each network's consent (its coordinators), the department view (everyone)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop.extensions import db
from workshop.mapping import vocabulary
from workshop.networks import consent, sides
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


def _rows(item: sides.NetworkFigures) -> list[dict]:
    """The figures of one network, in the order of the page; private things only as a count beside them."""
    def row(key: str, label: str, value: int, note: str = "") -> dict:
        return {"key": key, "label": label, "value": value, "note": note}

    return [
        row("structures", _("Structures sur la carte"), item.structures,
            _("+ %(n)s non publiques", n=item.private_structures) if item.private_structures else ""),
        row("people", _("Personnes membres du réseau"), item.people,
            _("dont %(n)s à la coordination", n=item.coordinators) if item.coordinators else ""),
        row("links", _("Liens validés"), item.links,
            _("+ %(n)s en attente de validation", n=item.waiting_links) if item.waiting_links else ""),
        row("workshops", _("Ateliers"), item.workshops),
        row("meetings", _("Rencontres publiques"), item.meetings,
            _("+ %(n)s non publiques", n=item.private_meetings) if item.private_meetings else ""),
        row("contributors", _("Contributeur·rices des fiches"), item.contributors),
        row("sheets", _("Fiches publiées"), item.sheets),
    ]


@bp.get("/reseaux")
def department():
    """Show the networks side by side, the links that join them over the years, and their co-published sheets."""
    view = sides.cached_department_view(db.session)
    top = max([year["added"] for year in view.by_year] + [1])
    years = [{**year, "share": round(100 * year["added"] / top)} for year in view.by_year]
    return render_template("networks/sides.html", view=view, years=years,
                           columns=[{"network": n, "rows": _rows(n)} for n in view.networks],
                           levels=vocabulary.labels(vocabulary.LEVELS), listed=sides.LISTED_LINKS)
