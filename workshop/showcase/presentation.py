"""Slides of the presentation mode: a published toolkit's sheets, a meeting's restitution, or the programme's
panorama, one idea a slide, in few words so they read from the back of a room."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.mapping import panorama
from workshop.practices.index import plain_text
from workshop.showcase.service import figures
from workshop.toolkits import book

# The sections of a sheet worth a slide's room: what it answers, what helped, how to do it elsewhere.
SLIDE_SECTIONS = ("context", "levers", "transferability")
SECTION_CHARS = 180


def toolkit_slides(session: Session, toolkit: Any) -> dict[str, Any]:
    """A cover, then per section a title slide and one slide per sheet (its recorded version)."""
    view = book.toolkit_view(session, toolkit)
    slides: list[dict[str, Any]] = [{"kind": "cover", "title": view["title"], "subtitle": view["subtitle"],
                                     "lines": [_("%(n)d fiches pratiques", n=view["count"]),
                                               " · ".join(view["networks"])]}]
    for section in view["sections"]:
        if not section["entries"]:
            continue
        if len(view["sections"]) > 1:
            slides.append({"kind": "section", "title": section["title"]})
        for entry in section["entries"]:
            slides.append({
                "kind": "sheet", "title": entry["title"], "summary": entry["summary"],
                "tags": entry["cities"] + entry["frameworks"],
                "sections": [{"label": s["label"], "text": _short(s["html"])} for s in entry["sections"]
                             if s["key"] in SLIDE_SECTIONS],
            })
    slides.append({"kind": "end", "title": _("Merci"), "lines": [view.get("public_url", "")]})
    return {"title": view["title"], "slides": slides}


def restitution_slides(view: dict[str, Any]) -> dict[str, Any]:
    """A meeting's restitution (`meetings.restitution.restitution_view`): a cover, who came, then per workshop
    what the room weighted most and its groups, the sheets and next steps born there, the organisers' synthesis."""
    seen = view["attendance"]
    slides: list[dict[str, Any]] = [
        {"kind": "cover", "title": view["title"], "subtitle": " · ".join(p for p in (view["date"], view["place"]) if p),
         "lines": [view["kind"], " · ".join(view["networks"])]},
        {"kind": "figures", "title": _("Qui est venu"), "figures": [
            (seen["present"], _("présent·es")), (seen["registered"], _("inscrit·es")),
            *[(n, label) for n, label in ((len(view["workshops"]), _("ateliers")),
                                          (len(seen["structures"]), _("structures"))) if n]]},  # no "0 ateliers"
    ]
    if seen["by_profile"]:
        slides.append({"kind": "bars", "title": _("Par profil"), "bars": _bars(
            {"rows": [{"label": r["label"], "value": r["present"]} for r in seen["by_profile"]]})})
    for workshop in view["workshops"]:
        top = workshop["top"]
        slide: dict[str, Any] = {"kind": "workshop", "title": workshop["title"], "tags": workshop["groups"][:6],
                                 "subtitle": _("%(p)d participant·es · %(c)d post-it", p=workshop["participants"],
                                               c=workshop["cards"])}
        if any(item["votes"] for item in top):
            slide["bars"] = _bars({"rows": [{"label": _short(i["label"], 90), "value": i["votes"]} for i in top]})
        else:
            slide["lines"] = [_short(i["label"], 90) for i in top]
        slides.append(slide)
        followed = [p["title"] for p in workshop["practices"]] + [s["text"] for s in workshop["next_steps"]]
        if followed:
            slides.append({"kind": "sheet", "title": _("Et après ? — %(t)s", t=workshop["title"]),
                           "lines": [_short(line, 90) for line in followed[:6]]})
    if view["synthesis"]:
        slides.append({"kind": "sheet", "title": _("Ce que nous retenons"),
                       "summary": _short(view["synthesis"], 420)})
    slides.append({"kind": "end", "title": _("Merci"), "lines": [" · ".join(view["networks"])]})
    return {"title": view["title"], "slides": slides}


def panorama_slides(session: Session) -> dict[str, Any]:
    """Key figures, then the links by level, the frameworks they rely on, and the cities."""
    data = panorama.panorama(session)
    counts = figures(session)
    slides: list[dict[str, Any]] = [
        {"kind": "figures", "title": _("Ce que le programme a produit"), "figures": [
            (counts["cities"], _("villes")), (counts["structures"], _("structures")),
            (counts["links"], _("liens publics")), (counts["sheets"], _("fiches publiées")),
            (counts["tried"], _("fiches essayées sur le terrain"))]},
        {"kind": "bars", "title": _("Les liens, par niveau de coopération"), "bars": _bars(data["by_level"])},
    ]
    if data["by_framework"]["rows"]:
        slides.append({"kind": "bars", "title": _("Les dispositifs sur lesquels les liens s'appuient"),
                       "bars": _bars(data["by_framework"])[:8]})
    cities = sorted(data["cities"], key=lambda c: -c["structures"])[:8]
    slides.append({"kind": "bars", "title": _("Les villes"), "bars": [
        {"label": c["name"], "count": c["structures"], "share": _share(c["structures"], cities)} for c in cities]})
    return {"title": _("Panorama du programme"), "slides": slides}


def _short(fragment: Any, limit: int = SECTION_CHARS) -> str:
    """A section as a few words of plain text (its lines and list items joined by " · "), cut at a word."""
    text = re.sub(r"\s+", " ", re.sub(r"\s*\n\s*", " · ", plain_text(str(fragment))))
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ·,;:") + " …"


def _bars(chart: dict[str, Any]) -> list[dict[str, Any]]:
    rows = chart["rows"]
    top = max((r["value"] for r in rows), default=0) or 1
    return [{"label": r["label"], "count": r["value"], "share": round(100 * r["value"] / top)} for r in rows
            if r["value"]]


def _share(count: int, cities: list[dict]) -> int:
    return round(100 * count / (max(c["structures"] for c in cities) or 1))
