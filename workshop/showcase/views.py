"""Showcasing pages: a page per city, the full-screen presentation mode, and the embeddable (iframe) views of a
published sheet and toolkit. Their frame-ancestors policy is set by `workshop.security` for `/integrer/`."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.errors import NotFound
from workshop.extensions import db
from workshop.meetings import restitution
from workshop.meetings import service as meetings
from workshop.practices import rights
from workshop.showcase import presentation, service
from workshop.toolkits import book
from workshop.toolkits import service as toolkits
from workshop.toolkits.sheets import Labels, practice_view

bp = Blueprint("showcase", __name__)


@bp.get("/villes/<slug>")
def city(slug: str):
    """Show a city's structures, links, sheets and frameworks."""
    return render_template("showcase/city.html", page=service.city_page(db.session, slug))


@bp.get("/presentation/boite-a-outils/<int:toolkit_id>")
def present_toolkit(toolkit_id: int):
    """Present a published toolkit full-screen, one sheet a slide."""
    toolkit = _published_toolkit(toolkit_id)
    deck = presentation.toolkit_slides(db.session, toolkit)
    return render_template("showcase/presentation.html", deck=deck,
                           exit_url=url_for("toolkits.show", toolkit_id=toolkit.id))


@bp.get("/presentation/rencontre/<int:meeting_id>")
def present_restitution(meeting_id: int):
    """Present a meeting's restitution full-screen (public once published, to its organisers before)."""
    meeting = meetings.get_meeting(db.session, meeting_id)
    if not meetings.restitution_visible(db.session, current_user, meeting):
        abort(404)
    deck = presentation.restitution_slides(restitution.restitution_view(db.session, meeting))
    return render_template("showcase/presentation.html", deck=deck,
                           exit_url=url_for("meetings.restitution_page", meeting_id=meeting.id))


@bp.get("/presentation/panorama")
def present_panorama():
    """Present the programme's panorama full-screen."""
    return render_template("showcase/presentation.html", deck=presentation.panorama_slides(db.session),
                           exit_url=url_for("mapping.panorama_page"))


@bp.get("/integrer/fiche/<int:practice_id>")
def embed_sheet(practice_id: int):
    """A published sheet, to show inside another site's page."""
    practice = rights.get_practice(db.session, practice_id)
    if practice.status != "published":
        raise NotFound(_("Cette fiche n'est pas publiée."))
    return render_template("showcase/embed_sheet.html", sheet=practice_view(practice, Labels(db.session),
                                                                            with_qr=False),
                           practice=practice)


@bp.get("/integrer/boite-a-outils/<int:toolkit_id>")
def embed_toolkit(toolkit_id: int):
    """A published toolkit's contents, to show inside another site's page."""
    toolkit = _published_toolkit(toolkit_id)
    return render_template("showcase/embed_toolkit.html", toolkit=toolkit,
                           view=book.toolkit_view(db.session, toolkit))


def _published_toolkit(toolkit_id: int):
    toolkit = toolkits.get_toolkit(db.session, toolkit_id)
    if not toolkit.is_published:
        raise NotFound(_("Cette boîte à outils n'est pas publiée."))
    return toolkit
