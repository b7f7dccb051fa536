"""A toolkit as printed: its view data (cover, sections with the recorded version of each practice, indexes,
how it was made), its fingerprint, and the book of parts the renderer lays out in parallel (printing.books)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.frameworks.models import Framework
from workshop.greenlets import cooperate
from workshop.networks.models import Network
from workshop.practices.models import Practice, PracticeVersion
from workshop.printing.books import PdfBook
from workshop.printing.markup import (
    CSS_PATH,
    base_url,
    clean_html,
    css_string,
    date_fr,
    networks_line,
    print_css,
    print_language,
    slug,
    templates_stamp,
)
from workshop.toolkits.models import Toolkit, ToolkitEntry
from workshop.toolkits.sheets import Labels, practice_view
from workshop.trials import public as trials

LICENCE = "Creative Commons Attribution – Partage dans les mêmes conditions 4.0 (CC BY-SA 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"
# Parts carry no running header/footer: a chunk's PDF then depends on its practices alone (cached across
# exports); the renderer draws the heads over the assembled pages (see printing.books.PdfBook).
PART_CSS = ("@page { @top-left { content: none; } @top-right { content: none; } @bottom-left { content: none; }"
            " @bottom-right { content: none; } }")
HEADS_CSS_PATH = CSS_PATH.with_name("heads.css")



def toolkit_view(session: Session, toolkit: Toolkit) -> dict:
    """Cover, sections with the recorded version of each practice, indexes and back matter."""
    labels = Labels(session)
    entries = [e for s in toolkit.sections for e in s.entries if e.practice_id]
    practices = {p.id: p for p in session.scalars(select(Practice).where(
        Practice.id.in_([e.practice_id for e in entries])))} if entries else {}
    wanted = [(e.practice_id, e.practice_version) for e in entries]
    versions: dict[tuple[int, int], dict] = {}
    if wanted:
        rows = session.scalars(select(PracticeVersion).where(
            PracticeVersion.practice_id.in_([p for p, _ in wanted])))
        versions = {(v.practice_id, v.number): {**v.data, "_number": v.number} for v in rows}
    sections = []
    for position, section in enumerate(toolkit.sections, start=1):
        items = []
        for entry in section.entries:
            practice = practices.get(entry.practice_id)
            if practice is None:
                continue
            data = versions.get((practice.id, entry.practice_version))
            cooperate()
            items.append(practice_view(practice, labels, data, anchor=f"e{entry.id or len(items)}-{position}"))
        sections.append({"title": section.title, "anchor": f"section-{position}", "entries": items})
    cooperate()
    view = _assemble(session, toolkit, sections, [practices[e.practice_id] for e in entries
                                                  if e.practice_id in practices])
    if toolkit.public_token and toolkit.is_published:
        view["public_url"] = base_url() + url_for("toolkits.public", token=toolkit.public_token)
    return view


def _assemble(session: Session, toolkit: Any, sections: list[dict], practices: list[Practice]) -> dict:
    entries = [e for s in sections for e in s["entries"]]
    frameworks: dict[str, list[dict]] = defaultdict(list)
    cities: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        for name in entry["frameworks"]:
            frameworks[name].append(entry)
        for name in entry["cities"]:
            cities[name].append(entry)
    networks = sorted({n for e in entries for n in e["networks"]} | set(getattr(toolkit, "network_names", [])))
    cooperate()
    workshops, contributors = _making_of(session, practices)
    cooperate()
    return {
        "title": toolkit.title,
        "subtitle": getattr(toolkit, "subtitle", "") or "",
        "introduction": clean_html(getattr(toolkit, "introduction", "")),
        "editors": getattr(toolkit, "editors_line", "") or "",
        "contacts": clean_html(getattr(toolkit, "contacts", "")),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "networks": networks,
        "date": date_fr(getattr(toolkit, "published_at", None) or date.today()),
        "sections": sections,
        "count": len(entries),
        "frameworks_index": sorted(frameworks.items(), key=lambda kv: kv[0].casefold()),
        "cities_index": sorted(cities.items(), key=lambda kv: kv[0].casefold()),
        "workshops": workshops,
        "contributors": contributors,
        "public_url": getattr(toolkit, "public_url", "") or "",
    }


def _making_of(session: Session, practices: list[Practice]) -> tuple[int, int]:
    """How it was made: distinct source workshops, distinct people (card authors and sheet authors)."""
    workshops = {(p.provenance or {}).get("workshop_id") for p in practices} - {None}
    people = {("card", c.get("author")) for p in practices for c in (p.provenance or {}).get("cards") or []
              if c.get("author")}
    if practices:
        authors = session.execute(select(PracticeVersion.author_id, PracticeVersion.author_name).where(
            PracticeVersion.practice_id.in_([p.id for p in practices])).distinct())
        people |= {("user", a or n) for a, n in authors if a or n}
    return len(workshops), len(people)


def toolkit_fingerprint(session: Session, toolkit: Toolkit) -> str:
    """Everything a toolkit's PDF is made from, in a few cheap queries: the toolkit's revision, each included
    practice's state, the labels, the templates, the public address and the printed date. Equal fingerprints
    give equal HTML, so a repeat download skips building it (the content hash stays the cache key)."""
    practices = session.execute(
        select(Practice.id, Practice.version, Practice.status, Practice.updated_at, Practice.published_at)
        .join(ToolkitEntry, ToolkitEntry.practice_id == Practice.id).where(ToolkitEntry.toolkit_id == toolkit.id)
        .order_by(Practice.id)).all()
    labels = session.execute(select(func.count(), func.group_concat(Framework.key + "=" + Framework.label))
                             if session.get_bind().dialect.name == "sqlite" else
                             select(func.count(), func.string_agg(Framework.key + "=" + Framework.label, ","))
                             ).one()
    networks = session.execute(select(Network.id, Network.short_name, Network.name)).all()
    printed = toolkit.published_at.date() if toolkit.published_at else date.today()
    return repr(("toolkit", print_language(), toolkit.id, toolkit.revision, str(toolkit.updated_at), toolkit.status,
                 toolkit.public_token, [tuple(map(str, row)) for row in practices], tuple(labels),
                 [tuple(row) for row in networks], base_url(), str(printed), templates_stamp(),
                 sorted(trials.counts(session, [row.id for row in practices]).items())))


def toolkit_document(session: Session, toolkit: Toolkit) -> PdfBook:
    """A saved toolkit as a book, with the recorded version of each practice, in the language of the page that
    asked for it (French by default): headings, labels and dates all in that one language."""
    lang = print_language()
    with force_locale(lang):
        return _book(toolkit_view(session, toolkit), lang)


def toolkit_preview(session: Session, toolkit: Toolkit) -> str:
    """The whole toolkit as one HTML page (the browser's print preview), in the PDF's language."""
    lang = print_language()
    with force_locale(lang):
        view = toolkit_view(session, toolkit)
        return render_template("pdf/toolkit.html", toolkit=view, running_title=view["title"],
                               networks_line=networks_line(view["networks"]), css_string=css_string, lang=lang)


def _book(view: dict, lang: str = "fr") -> PdfBook:
    """The toolkit as a book of parts: front matter, then per section an opening page and its practices, then
    the index and back matter; laid out in parallel and cached part by part (printing.books.PdfBook)."""
    macros = current_app.jinja_env.get_template("pdf/toolkit_parts.html").module
    author = networks_line(view["networks"])
    parts = [{"kind": "front", "body": str(macros.front(view, True)), "title": view["title"], "level": 1}]
    cooperate()
    for number, section in enumerate([s for s in view["sections"] if s["entries"]], start=1):
        parts.append({"kind": "opening", "body": str(macros.opening(section, number, True)),
                      "title": section["title"], "level": 1, "anchor": section["anchor"],
                      "section": section["title"]})
        for entry in section["entries"]:
            cooperate()
            parts.append({"kind": "chapter", "body": str(macros.practice(entry)), "title": entry["title"],
                          "level": 2, "anchor": entry["anchor"], "section": section["title"]})
    parts.append({"kind": "back", "body": str(macros.back(view, True)), "title": "Index", "level": 1,
                  "anchor": "index"})
    # A first guess for the progress bar (n/N); the cache remembers the true count for the next build.
    pages = 4 + len(view["sections"]) + sum(1 + len(e["sections"]) // 8 for s in view["sections"]
                                            for e in s["entries"])
    css = print_css()
    head = str(Markup('<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title><meta name="author"'
                      ' content="{}"></head><body class="doc-toolkit">').format(lang, view["title"], author))
    heads_css = HEADS_CSS_PATH.read_text(encoding="utf-8")
    return PdfBook(tuple(parts), head, "</body></html>", css + PART_CSS, heads_css,
                   {"title": view["title"], "author": author, "running": view["title"][:70], "lang": lang,
                    "subject": ngettext("Boîte à outils : %(title)s (%(num)d fiche)",
                                        "Boîte à outils : %(title)s (%(num)d fiches)", view["count"],
                                        title=view["title"])},
                   f"boite-a-outils-{slug(view['title'])}.pdf", pages)


class _Adhoc:
    """A toolkit not saved in the database: a title and an introduction are all it has."""

    def __init__(self, title: str, introduction: str):
        self.title, self.introduction = title, introduction


def adhoc_toolkit_document(session: Session, practices: list[Practice], title: str,
                           introduction: str = "") -> PdfBook:
    """A toolkit not saved in the database (CLI): sections by first theme, live versions."""
    labels = Labels(session)
    by_theme: dict[str, list[Practice]] = defaultdict(list)
    for practice in practices:
        by_theme[(practice.themes or [_("Autres fiches")])[0]].append(practice)
    sections = []
    for position, (theme, items) in enumerate(sorted(by_theme.items(), key=lambda kv: kv[0].casefold()), 1):
        sections.append({"title": theme, "anchor": f"section-{position}",
                         "entries": [practice_view(p, labels, anchor=f"e{p.id}") for p in items]})
    return _book(_assemble(session, _Adhoc(title, introduction), sections, practices))
