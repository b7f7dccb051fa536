"""The panorama ("vision globale"): figures of the published map, bar charts as SVG geometry, and its PDF."""

from __future__ import annotations

import textwrap
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from workshop.frameworks import service as frameworks_service
from workshop.mapping import missing, public, vocabulary
from workshop.printing.renderer import PdfDocument

BAR_HEIGHT = 22
LABEL_WIDTH = 210
LABEL_CHARS = 28  # what LABEL_WIDTH holds at 12 px (DejaVu Sans): longer labels wrap
LINE_HEIGHT = 14
CHART_WIDTH = 620


def bars(counts: dict[str, int], labels: dict[str, Any], *, keep_zero: bool = True) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (rows in the order of `labels`), for a plain SVG in the template.

    A label longer than its column wraps onto several lines (`lines`, each with its `dy`) and its row grows to
    hold them: an SVG clips whatever runs past its left edge, on the page as in the PDF."""
    items = [(key, str(label), counts.get(key, 0)) for key, label in labels.items()
             if keep_zero or counts.get(key)]
    top = max([value for _k, _l, value in items] + [1])
    span = CHART_WIDTH - LABEL_WIDTH - 50
    rows, y = [], 0
    for key, label, value in items:
        lines = textwrap.wrap(label, LABEL_CHARS) or [""]
        height = max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 6)
        first = y + (height - (len(lines) - 1) * LINE_HEIGHT) / 2 + 4  # the block of lines centred on the row
        rows.append({"key": key, "label": label, "value": value, "y": y + (height - BAR_HEIGHT) / 2,
                     "lines": [{"text": line, "y": first + n * LINE_HEIGHT} for n, line in enumerate(lines)],
                     "width": round(span * value / top, 1),
                     "color": vocabulary.LEVEL_STYLES.get(key, {}).get("color", "#0f766e")})
        y += height + 6
    return {"rows": rows, "height": max(y - 6, BAR_HEIGHT), "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT}


def panorama(session: Session) -> dict[str, Any]:
    """Everything the panorama page and PDF show, computed from the published data only."""
    structures, links = public.public_network(session, public.Filters())
    total = len(structures)
    in_qpv = sum(1 for s in structures if s["qpv"])
    linked = Counter(end for link in links for end in (link["source"], link["target"]))
    cities: dict[str, dict[str, Any]] = {}
    for s in structures:
        city = cities.setdefault(s["city_insee"] or "?", {"insee": s["city_insee"], "name": s["city"] or "?",
                                                          "structures": 0, "in_qpv": 0, "links": 0})
        city["structures"] += 1
        city["in_qpv"] += bool(s["qpv"])
        city["links"] += linked.get(s["id"], 0)
    frameworks = Counter(f for link in links for f in link["frameworks"] or [])
    framework_labels = frameworks_service.labels(session)
    alone = sorted((s for s in structures if not linked.get(s["id"])), key=lambda s: (s["city"] or "", s["name"]))
    return {
        "structures": total,
        "links": len(links),
        "cities": sorted(cities.values(), key=lambda c: c["name"]),
        "in_qpv": in_qpv,
        "qpv_share": round(100 * in_qpv / total) if total else 0,
        "by_kind": bars(Counter(s["kind"] for s in structures), vocabulary.KINDS, keep_zero=False),
        "by_level": bars(Counter(link["level"] for link in links), vocabulary.LEVELS),
        "by_formalisation": bars(Counter(link["formalisation"] for link in links), vocabulary.FORMALISATIONS),
        "by_framework": bars(frameworks, {k: framework_labels.get(k, k) for k, _n in frameworks.most_common()}),
        "without_link": alone,
        "without_link_count": len(alone),
        "missing": missing.who_is_missing(session),
    }


PDF_CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #1f2937; }
h1 { color: #0f766e; font-size: 20pt; margin: 0 0 4mm; } h2 { font-size: 13pt; margin: 6mm 0 2mm; color: #115e59; }
.figures { display: flex; gap: 4mm; } .figure { border: 1px solid #e5e7eb; padding: 3mm; flex: 1; }
.figure strong { display: block; font-size: 18pt; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 1.2mm; border-bottom: 1px solid #e5e7eb; }
svg { width: 100%; height: auto; } .muted { color: #6b7280; }
"""


def pdf_document(html: str):
    """The panorama as a document for the shared PDF renderer (printing), built from the print template."""
    return PdfDocument(html=html, css=PDF_CSS, filename="panorama-passerelles.pdf", estimated_pages=3)
