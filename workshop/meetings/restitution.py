"""The restitution of a whole meeting: attendance (registered / present, by profile, network, city, structures),
per workshop what the room weighted most, its groups, practice sheets and next steps (the workshop report's own
view, not a second reading of the board), and the organisers' synthesis; as a page and a typeset PDF."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from workshop.boards.profiles import PROFILE_KINDS
from workshop.mapping.models import Structure
from workshop.meetings import registration as registrations
from workshop.meetings import service
from workshop.meetings.models import Meeting
from workshop.meetings.vocabulary import KINDS
from workshop.practices.provenance import practices_of_workshop
from workshop.practices.rights import can_view
from workshop.printing.markup import clean_html, css_string, date_fr, networks_line, print_css, slug
from workshop.printing.renderer import PdfDocument
from workshop.toolkits.report import report_view
from workshop.toolkits.sheets import practice_short_url

TOP_ITEMS = 5


def markdown_html(text: str) -> Markup:
    """The organisers' Markdown (paragraphs, `-` lists, **bold**, *italics*) as HTML: the text is escaped first,
    then the few tags are added, then sanitised again, so nothing typed becomes markup of its own."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("- ", "* ")) for line in lines):
            blocks.append("<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return clean_html("".join(blocks))


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*", r"<em>\1</em>", escaped)


def _count(rows: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    registered, present = Counter(), Counter()
    for label, here in rows:
        registered[label] += 1
        present[label] += here
    return [{"label": label, "registered": n, "present": present[label]} for label, n in registered.most_common()]


def attendance(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Who registered and who came (walk-ins count as both), by profile, network, city and structure."""
    everyone = registrations.registrations(session, meeting)
    people = [r for r in everyone if r.status == "registered"]
    other = _("Non renseigné")
    by_profile = _count([(str(PROFILE_KINDS.get(r.profile_kind, r.profile_kind)), r.checked_in_at is not None)
                         for r in people])
    structures = sorted({r.structure.name if r.structure else r.structure_name for r in people
                         if r.checked_in_at is not None and (r.structure or r.structure_name)})
    return {
        "registered": len(people),
        "present": sum(1 for r in people if r.checked_in_at is not None),
        "waiting": sum(1 for r in everyone if r.status == "waiting"),
        "by_profile": by_profile,
        "by_network": _count([(r.network.short_name if r.network else other, r.checked_in_at is not None)
                              for r in people]),
        "by_city": _count([(_city(r) or other, r.checked_in_at is not None) for r in people]),
        "structures": structures,
    }


def _city(registration) -> str:
    if registration.structure is not None and registration.structure.city is not None:
        return registration.structure.city.name
    return registration.city


def workshop_view(session: Session, workshop) -> dict[str, Any]:
    """One workshop in the restitution: its top items (by votes, else its first cards), groups, sheets, steps."""
    report = report_view(session, workshop, brief=True)
    top = report["ranking"][:TOP_ITEMS] or [
        {"label": card["text"], "column": column["label"], "votes": 0}
        for column in report["columns"] for card in column["cards"]][:TOP_ITEMS]
    return {
        "id": workshop.id, "title": workshop.title, "place": workshop.place, "participants": report["participants"],
        "cards": report["card_count"], "top": top,
        "groups": [g["name"] for column in report["columns"] for g in column["groups"]],
        "practices": published_practices(session, workshop.id), "next_steps": report["next_steps"],
    }


def published_practices(session: Session, workshop_id: int) -> list[dict[str, str]]:
    """The sheets born in the workshop that anyone may read: a published restitution (and its cached PDF) is
    public, so a draft or a sheet awaiting review is not named there (the workshop report, for its facilitator,
    lists them all)."""
    return [{"title": p.title, "url": practice_short_url(p.id)} for p in practices_of_workshop(session, workshop_id)
            if can_view(session, None, p)]


def place_line(session: Session, meeting: Meeting) -> str:
    """The address typed, or the map structure's name and address."""
    structure = session.get(Structure, meeting.structure_id) if meeting.structure_id else None
    if structure is None:
        return meeting.place
    parts = [structure.name, structure.address, structure.city.name if structure.city else ""]
    return meeting.place or ", ".join(p for p in parts if p)


def restitution_view(session: Session, meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id, "title": meeting.title, "kind": str(KINDS.get(meeting.kind, meeting.kind)),
        "date": date_fr(meeting.starts_at), "place": place_line(session, meeting),
        "networks": [n.short_name for n in service.meeting_networks(session, meeting)],
        "description": meeting.description,
        "attendance": attendance(session, meeting),
        "workshops": [workshop_view(session, w) for w in service.meeting_workshops(meeting)],
        "synthesis": markdown_html(meeting.synthesis),
    }


def restitution_document(session: Session, meeting: Meeting) -> PdfDocument:
    """The typeset restitution: a cover page of figures, then a page or so per workshop."""
    view = restitution_view(session, meeting)
    page_html = render_template("pdf/restitution.html", r=view, today=date_fr(date.today()), css_string=css_string,
                                networks_line=networks_line(view["networks"]),
                                running_title=_("Restitution — %(t)s", t=view["title"]))
    return PdfDocument(page_html, print_css(), f"restitution-{meeting.id}-{slug(view['title'])}.pdf",
                       2 + len(view["workshops"]))
