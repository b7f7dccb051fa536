"""A practice as printed: the view data of a sheet (shared by the toolkit, the exports and the sheet PDF) and
the one-sheet document."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from workshop.frameworks import service as frameworks
from workshop.practices import vocabulary as practices
from workshop.practices.models import SECTIONS, Practice
from workshop.printing.markup import (
    base_url,
    clean_html,
    css_string,
    date_fr,
    networks_line,
    print_css,
    print_language,
    qr_image,
    slug,
)
from workshop.printing.renderer import PdfDocument
from workshop.trials import public as trials
from workshop.trials.panels import tried_line


class Labels:
    """Controlled-list labels looked up once per document."""

    def __init__(self, session: Session):
        self.frameworks = frameworks.labels(session)
        self.networks = practices.network_labels(session)
        self.kinds = {k: str(v) for k, v in practices.KIND_LABELS.items()}
        self.sections = {k: str(v) for k, v in practices.SECTION_LABELS.items()}
        self.audiences = {k: str(v) for k, v in practices.AUDIENCES.items()}
        self.tried = trials.counts(session)  # practice id -> (structures, communes), approved trials only


def practice_short_url(practice_id: int) -> str:
    """The short address printed under a sheet's QR code."""
    return base_url() + url_for("toolkits.short_practice", practice_id=practice_id)


def practice_view(practice: Practice, labels: Labels, data: dict | None = None, *, anchor: str = "",
                  with_qr: bool = True) -> dict:
    """What a printed sheet shows; `data` is the content of a recorded version (a toolkit's), else live."""

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
        "tried": tried_line(*labels.tried[practice.id]) if practice.id in labels.tried else "",
    }


def sheet_document(session: Session, practice: Practice) -> PdfDocument:
    """One practice sheet (1–2 A4 pages), in the language of the page that asked for it (French by default):
    headings, labels and dates; what people wrote is printed as written. The language is in the HTML, so in the
    cache key (the content's hash)."""
    lang = print_language()
    with force_locale(lang):
        view = practice_view(practice, Labels(session))
        html = render_template("pdf/sheet.html", practice=view, running_title=view["title"],
                               networks_line=networks_line(view["networks"]), today=date_fr(date.today()),
                               css_string=css_string, lang=lang)
    return PdfDocument(html, print_css(), f"fiche-{practice.id}-{slug(view['title'])}.pdf", 2)
