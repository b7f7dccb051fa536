"""Print documents as HTML + print CSS: practice sheets, toolkits and workshop reports.

Builds plain view data from the database, renders templates/pdf/*.html and returns a `PdfDocument` that the
renderer turns into a PDF (or that a browser shows as a preview). No WeasyPrint here: this runs in the web
process, the layout runs in the pool.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nh3
import segno
from flask import current_app, has_request_context, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.toolkits.renderer import PdfDocument

if TYPE_CHECKING:
    from workshop.boards.models import Workshop
    from workshop.practices.models import Practice
    from workshop.toolkits.models import Toolkit

CSS_PATH = Path(__file__).resolve().parent.parent.parent / "templates" / "pdf" / "print.css"
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a"}
LICENCE = "Creative Commons Attribution – Partage dans les mêmes conditions 4.0 (CC BY-SA 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"


@lru_cache(maxsize=1)
def _css_file(mtime: float) -> str:
    return CSS_PATH.read_text(encoding="utf-8")


def print_css() -> str:
    """The shared print stylesheet (re-read when the file changes, so the cache key follows it)."""
    return _css_file(CSS_PATH.stat().st_mtime)


def clean_html(fragment: str | None) -> Markup:
    """Sheets are sanitised on save; sanitise again here because the PDF is another way out."""
    return Markup(nh3.clean(fragment or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel=None).strip())


def css_string(value: str) -> str:
    """A value safe inside a CSS string literal (running headers are set from data)."""
    return '"' + re.sub(r'["\\\n\r]', lambda m: {"\n": " ", "\r": " "}.get(m[0], "\\" + m[0]), value) + '"'


def slug(value: str, fallback: str = "document") -> str:
    """A file name people recognise: lower case ASCII words joined by dashes."""
    import unicodedata

    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_value.lower())
    return "-".join(words)[:60] or fallback


def base_url() -> str:
    """Absolute links printed on paper: PUBLIC_URL, else the host of the request, else localhost."""
    configured = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost:5000"


def cooperate() -> None:
    """Let other greenlets run between two sheets while a long toolkit's HTML is built (gevent server)."""
    from workshop.toolkits.renderer import _gevent_active

    if _gevent_active():
        import gevent

        gevent.sleep(0)


def practice_short_url(practice_id: int) -> str:
    return base_url() + url_for("toolkits.short_practice", practice_id=practice_id)


@lru_cache(maxsize=8192)
def qr_image(url: str) -> Markup:
    """The QR code as a tiny PNG (one pixel a module, ~400 bytes, a data: URI, no file to fetch), drawn with
    `image-rendering: pixelated` so print keeps sharp square modules. An inline SVG looked the same but cost
    WeasyPrint ~50 ms a sheet to parse and draw.

    A fixed mask pattern (any of the 8 is valid) skips segno's search for the best one, 8x faster: a 100-sheet
    toolkit builds its HTML in the web process, where every millisecond holds up the live boards.
    """
    uri = segno.make(url, error="m", mask=4).png_data_uri(scale=1, border=0, dark="#1f2937")
    return Markup('<img src="{}" alt="QR code : {}">').format(uri, url)


def date_fr(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "d MMMM y", rebase=False)


# --- Practices ----------------------------------------------------------------------------------------


class Labels:
    """Controlled-list labels looked up once per document."""

    def __init__(self, session: Session):
        from workshop.frameworks import service as frameworks
        from workshop.practices import vocabulary as practices

        self.frameworks = frameworks.labels(session)
        self.networks = practices.network_labels(session)
        self.kinds = {k: str(v) for k, v in practices.KIND_LABELS.items()}
        self.sections = {k: str(v) for k, v in practices.SECTION_LABELS.items()}
        self.audiences = {k: str(v) for k, v in practices.AUDIENCES.items()}


def practice_view(practice: Practice, labels: Labels, data: dict | None = None, *, anchor: str = "",
                  with_qr: bool = True) -> dict:
    """What a printed sheet shows; `data` is the content of a recorded version (a toolkit's), else live."""
    from workshop.practices.models import SECTIONS

    def get(name: str) -> Any:
        if data is not None and name in data:
            return data[name]
        return getattr(practice, name)

    network_ids = data.get("networks") if data is not None and "networks" in data else [n.id for n in
                                                                                        practice.networks]
    provenance = practice.provenance or {}
    short_url = practice_short_url(practice.id)
    return {
        "id": practice.id,
        "anchor": anchor or f"fiche-{practice.id}",
        "title": get("title"),
        "summary": get("summary") or "",
        "kind": labels.kinds.get(get("kind"), get("kind")),
        "cities": list(get("cities") or []),
        "qpv": list(get("qpv") or []),
        "structures": [s.get("name", "") for s in get("structures") or [] if isinstance(s, dict)],
        "frameworks": [labels.frameworks.get(k, k) for k in get("frameworks") or []],
        "themes": list(get("themes") or []),
        "audiences": [labels.audiences.get(k, k) for k in get("audiences") or []],
        "networks": [labels.networks.get(str(i), "") for i in network_ids if str(i) in labels.networks],
        "sections": [
            {"key": key, "label": labels.sections.get(key, key), "html": clean_html(get(key))}
            for key in SECTIONS if (get(key) or "").strip()
        ],
        "version": data.get("_number") if data is not None and "_number" in data else practice.version,
        "published_at": date_fr(practice.published_at),
        "provenance": {
            "workshop": provenance.get("workshop_title", ""),
            "held_on": date_fr(provenance.get("workshop_held_on")),
            "cards": len(provenance.get("cards") or []),
            "deleted": bool(provenance.get("workshop_id") and practice.source_workshop_id is None),
        } if provenance.get("workshop_title") else None,
        "short_url": short_url,
        "short_url_label": short_url.split("://", 1)[-1],
        "qr": qr_image(short_url) if with_qr else None,
    }


def _networks_line(names: list[str]) -> str:
    return " · ".join(n for n in names if n) or "Passerelles"


def sheet_document(session: Session, practice: Practice) -> PdfDocument:
    """One practice sheet (1–2 A4 pages)."""
    labels = Labels(session)
    view = practice_view(practice, labels)
    html = render_template("pdf/sheet.html", practice=view, running_title=view["title"],
                           networks_line=_networks_line(view["networks"]), today=date_fr(date.today()),
                           css_string=css_string)
    return PdfDocument(html, print_css(), f"fiche-{practice.id}-{slug(view['title'])}.pdf", 2)


# --- Toolkits ---------------------------------------------------------------------------------------


def toolkit_view(session: Session, toolkit: Toolkit) -> dict:
    """Cover, sections with the recorded version of each practice, indexes and back matter."""
    from workshop.practices.models import Practice, PracticeVersion

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
    from workshop.practices.models import PracticeVersion

    workshops = {(p.provenance or {}).get("workshop_id") for p in practices} - {None}
    people = {("card", c.get("author")) for p in practices for c in (p.provenance or {}).get("cards") or []
              if c.get("author")}
    if practices:
        authors = session.execute(select(PracticeVersion.author_id, PracticeVersion.author_name).where(
            PracticeVersion.practice_id.in_([p.id for p in practices])).distinct())
        people |= {("user", a or n) for a, n in authors if a or n}
    return len(workshops), len(people)


def _templates_stamp() -> str:
    folder = CSS_PATH.parent
    return str(max(p.stat().st_mtime_ns for p in folder.iterdir()))


def toolkit_fingerprint(session: Session, toolkit: Toolkit) -> str:
    """Everything a toolkit's PDF is made from, in a few cheap queries: the toolkit's revision, each included
    practice's state, the labels, the templates, the public address and the printed date. Equal fingerprints
    give equal HTML, so a repeat download skips building it (the content hash stays the cache key)."""
    from sqlalchemy import func

    from workshop.frameworks.models import Framework
    from workshop.networks.models import Network
    from workshop.practices.models import Practice
    from workshop.toolkits.models import ToolkitEntry

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
    return repr(("toolkit", toolkit.id, toolkit.revision, str(toolkit.updated_at), toolkit.status,
                 toolkit.public_token, [tuple(map(str, row)) for row in practices], tuple(labels),
                 [tuple(row) for row in networks], base_url(), str(printed), _templates_stamp()))


def toolkit_document(session: Session, toolkit: Toolkit):
    view = toolkit_view(session, toolkit)
    return _toolkit_document(view)


# Parts carry no running header/footer: a chunk's PDF then depends on its practices alone (cached across
# exports); the renderer draws the heads over the assembled pages (see books.PdfBook).
PART_CSS = ("@page { @top-left { content: none; } @top-right { content: none; } @bottom-left { content: none; }"
            " @bottom-right { content: none; } }")
HEADS_CSS_PATH = CSS_PATH.with_name("heads.css")


def toolkit_preview_html(view: dict) -> str:
    """The whole toolkit as one HTML page (the browser's print preview)."""
    return render_template("pdf/toolkit.html", toolkit=view, running_title=view["title"],
                           networks_line=_networks_line(view["networks"]), css_string=css_string)


def _toolkit_document(view: dict):
    """The toolkit as a book of parts: front matter, then per section an opening page and its practices, then
    the index and back matter; laid out in parallel and cached part by part (books.PdfBook)."""
    from workshop.toolkits.books import PdfBook

    macros = current_app.jinja_env.get_template("pdf/toolkit_parts.html").module
    author = _networks_line(view["networks"])
    parts = [{"kind": "front", "body": str(macros.front(view, True)), "title": view["title"], "level": 1}]
    cooperate()
    for number, section in enumerate([s for s in view["sections"] if s["entries"]], start=1):
        parts.append({"kind": "opening", "body": str(macros.opening(section, number, True)),
                      "title": section["title"], "level": 1, "anchor": section["anchor"],
                      "section": section["title"]})
        for entry in section["entries"]:
            cooperate()
            parts.append({"kind": "practice", "body": str(macros.practice(entry)), "title": entry["title"],
                          "level": 2, "anchor": entry["anchor"], "section": section["title"]})
    parts.append({"kind": "back", "body": str(macros.back(view, True)), "title": "Index", "level": 1,
                  "anchor": "index"})
    # A first guess for the progress bar (n/N); the cache remembers the true count for the next build.
    pages = 4 + len(view["sections"]) + sum(1 + len(e["sections"]) // 8 for s in view["sections"]
                                            for e in s["entries"])
    css = print_css()
    head = str(Markup('<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{}</title><meta name="author"'
                      ' content="{}"></head><body class="doc-toolkit">').format(view["title"], author))
    heads_css = HEADS_CSS_PATH.read_text(encoding="utf-8")
    return PdfBook(tuple(parts), head, "</body></html>", css + PART_CSS, heads_css,
                   {"title": view["title"], "author": author, "running": view["title"][:70], "lang": "fr",
                    "subject": f"Boîte à outils : {view['title']} ({view['count']} fiches)"},
                   f"boite-a-outils-{slug(view['title'])}.pdf", pages)


def adhoc_toolkit_document(session: Session, practices: list[Practice], title: str,
                           introduction: str = ""):
    """A toolkit not saved in the database (CLI): sections by first theme, live versions."""
    labels = Labels(session)
    by_theme: dict[str, list[Practice]] = defaultdict(list)
    for practice in practices:
        by_theme[(practice.themes or [_("Autres fiches")])[0]].append(practice)
    sections = []
    for position, (theme, items) in enumerate(sorted(by_theme.items(), key=lambda kv: kv[0].casefold()), 1):
        sections.append({"title": theme, "anchor": f"section-{position}",
                         "entries": [practice_view(p, labels, anchor=f"e{p.id}") for p in items]})

    class _Adhoc:
        pass

    toolkit = _Adhoc()
    toolkit.title, toolkit.introduction = title, introduction
    return _toolkit_document(_assemble(session, toolkit, sections, practices))


# --- Workshop reports ----------------------------------------------------------------------------------


def _module_present(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def report_view(session: Session, workshop: Workshop) -> dict:
    """Date, place, format, participants, cards by column, groups and votes, next steps, practices created."""
    from workshop.boards.formats import FORMATS
    from workshop.boards.models import Card, Participant
    from workshop.facilitation import next_steps

    cards = list(session.scalars(select(Card).where(Card.workshop_id == workshop.id, Card.deleted.is_(False),
                                                    Card.hidden.is_(False)).order_by(Card.id)))
    participants = session.scalar(select(_count()).select_from(Participant)
                                  .where(Participant.workshop_id == workshop.id)) or 0
    anonymous = bool((workshop.settings or {}).get("anonymous"))
    names = _participant_names(session, workshop.id) if not anonymous else {}
    groups = _groups(session, workshop.id, cards)
    by_column = []
    for column in workshop.columns:
        in_column = [c for c in cards if c.column_key == column.key]
        by_column.append({
            "label": column.label_fr, "prompt": column.prompt, "color": column.color, "count": len(in_column),
            "groups": groups.get(column.key, []),
            "cards": [{"text": c.text, "author": names.get(c.participant_id, ""), "votes": 0, "id": c.id}
                      for c in in_column if c.id not in {i for g in groups.get(column.key, []) for i in g["ids"]}],
        })
    votes = _card_votes(session, workshop.id)
    for column in by_column:
        for card in column["cards"]:
            card["votes"] = votes.get(("card", card["id"]), 0)
    ranking = _ranking(by_column, votes)
    fmt = FORMATS.get(workshop.format_key)
    return {
        "title": workshop.title,
        "description": workshop.description,
        "date": date_fr(workshop.held_on or workshop.created_at),
        "place": workshop.place,
        "format": fmt.label_fr if fmt else workshop.format_key,
        "facilitator": workshop.facilitator.name if workshop.facilitator else "",
        "participants": participants,
        "card_count": len(cards),
        "columns": by_column,
        "ranking": ranking,
        "practices": _practices_created(session, workshop.id),
        "next_steps": [{"text": s.text, "owner": s.owner, "due": date_fr(s.due_on) if s.due_on else "",
                        "done": s.done} for s in next_steps.list_steps(session, workshop)],
        "status": workshop.status,
    }


def _count():
    from sqlalchemy import func

    return func.count()


def _participant_names(session: Session, workshop_id: int) -> dict[int, str]:
    from workshop.boards.models import Participant

    return dict(session.execute(select(Participant.id, Participant.name)
                                .where(Participant.workshop_id == workshop_id)).all())


def _groups(session: Session, workshop_id: int, cards: list) -> dict[str, list[dict]]:
    """Groups of cards when the facilitation module is installed (else none)."""
    if not _module_present("workshop.facilitation.models"):
        return {}
    from workshop.facilitation.models import CardGroup, CardPlacement

    groups = list(session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop_id,
                                                          CardGroup.deleted.is_(False))
                                  .order_by(CardGroup.position, CardGroup.id)))
    placements = session.execute(select(CardPlacement.card_id, CardPlacement.group_id)
                                 .where(CardPlacement.workshop_id == workshop_id,
                                        CardPlacement.group_id.is_not(None))
                                 .order_by(CardPlacement.position)).all()
    texts = {c.id: c.text for c in cards}
    members: dict[int, list[int]] = defaultdict(list)
    for card_id, group_id in placements:
        if card_id in texts:
            members[group_id].append(card_id)
    votes = _card_votes(session, workshop_id)
    found: dict[str, list[dict]] = defaultdict(list)
    for group in groups:
        ids = members.get(group.id, [])
        if not ids:
            continue
        found[group.column_key].append({
            "name": group.name or _("Regroupement sans nom"), "ids": ids, "cards": [texts[i] for i in ids],
            "votes": votes.get(("group", group.id), 0) + sum(votes.get(("card", i), 0) for i in ids),
        })
    return found


def _card_votes(session: Session, workshop_id: int) -> Counter:
    if not _module_present("workshop.facilitation.models"):
        return Counter()
    from sqlalchemy import func

    from workshop.facilitation.models import Vote

    rows = session.execute(select(Vote.target_kind, Vote.target_id, func.count())
                           .where(Vote.workshop_id == workshop_id).group_by(Vote.target_kind, Vote.target_id))
    return Counter({(kind, target): count for kind, target, count in rows})


def _ranking(columns: list[dict], votes: Counter) -> list[dict]:
    """What the room weighted most (dot votes), best first; empty when nobody voted."""
    if not votes:
        return []
    items = [{"label": g["name"], "column": c["label"], "votes": g["votes"]} for c in columns for g in c["groups"]]
    items += [{"label": card["text"], "column": c["label"], "votes": card["votes"]} for c in columns
              for card in c["cards"]]
    return sorted((i for i in items if i["votes"] > 0), key=lambda i: -i["votes"])[:15]


def _practices_created(session: Session, workshop_id: int) -> list[dict]:
    if not _module_present("workshop.practices.provenance"):
        return []
    from workshop.practices.provenance import practices_of_workshop
    from workshop.practices.vocabulary import STATUS_LABELS

    return [{"title": p.title, "status": str(STATUS_LABELS.get(p.status, p.status)),
             "url": practice_short_url(p.id)} for p in practices_of_workshop(session, workshop_id)]


def report_document(session: Session, workshop: Workshop) -> PdfDocument:
    view = report_view(session, workshop)
    html = render_template("pdf/report.html", report=view, running_title=_("Compte rendu — %(t)s", t=view["title"]),
                           networks_line=_networks_line(_workshop_networks(session, workshop)),
                           today=date_fr(date.today()), css_string=css_string)
    return PdfDocument(html, print_css(), f"compte-rendu-{workshop.id}-{slug(view['title'])}.pdf",
                       2 + view["card_count"] // 25)


def _workshop_networks(session: Session, workshop: Workshop) -> list[str]:
    from workshop.networks import service as networks

    if workshop.facilitator is None:
        return []
    return [n.short_name for n in networks.networks_of(session, workshop.facilitator)]


# --- The renderer of this app ---------------------------------------------------------------------------


def get_renderer():
    """One Renderer per app: cache in PDF_CACHE_DIR (default instance/pdf-cache), PDF_WORKERS processes."""
    from workshop.boards import presence
    from workshop.toolkits.renderer import Renderer

    app = current_app._get_current_object()
    renderer = app.extensions.get("pdf_renderer")
    if renderer is None:
        cache_dir = app.config.get("PDF_CACHE_DIR") or str(Path(app.instance_path) / "pdf-cache")
        renderer = app.extensions["pdf_renderer"] = Renderer(
            cache_dir, int(app.config.get("PDF_WORKERS") or 2), nice=int(app.config.get("PDF_WORKER_NICE", 10)),
            live=presence.live_screens)
    return renderer
