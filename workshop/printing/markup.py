"""What every printed document shares: the print stylesheet, sanitised HTML, CSS strings, file names, dates, QR
codes and absolute links.

Documents are HTML + print CSS built in the web process (templates/pdf/); the layout runs in the render pool.
Nothing here knows what a document is about: each domain builds its own and prints through this package.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import nh3
import segno
from flask import current_app
from flask_babel import format_date
from markupsafe import Markup

TEMPLATES_PATH = Path(__file__).resolve().parent.parent.parent / "templates" / "pdf"
CSS_PATH = TEMPLATES_PATH / "print.css"
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a"}


@lru_cache(maxsize=1)
def _css_file(mtime: float) -> str:
    return CSS_PATH.read_text(encoding="utf-8")


def print_css() -> str:
    """The shared print stylesheet (re-read when the file changes, so the cache key follows it)."""
    return _css_file(CSS_PATH.stat().st_mtime)


def templates_stamp() -> str:
    """When the print templates last changed: part of a fingerprint that must follow them."""
    return str(max(p.stat().st_mtime_ns for p in TEMPLATES_PATH.iterdir()))


def clean_html(fragment: str | None) -> Markup:
    """Rich text is sanitised on save; sanitise again here because the PDF is another way out."""
    return Markup(nh3.clean(fragment or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel=None).strip())


def css_string(value: str) -> str:
    """A value safe inside a CSS string literal in a <style> element (running headers are set from data): quotes
    and backslashes escaped, line breaks as spaces, and `<` as the CSS escape \\3c, so that a title holding
    `</style>` cannot end the style element and put markup in the document."""
    escaped = re.sub(r'["\\\n\r<]', lambda m: {"\n": " ", "\r": " ", "<": "\\3c "}.get(m[0], "\\" + m[0]), value)
    return '"' + escaped + '"'


def slug(value: str, fallback: str = "document") -> str:
    """A file name people recognise: lower case ASCII words joined by dashes."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_value.lower())
    return "-".join(words)[:60] or fallback


def base_url() -> str:
    """Absolute links printed on paper and in QR codes: PUBLIC_URL (create_app sets it from the bind address when
    unset). Never the request's Host header: anyone can send one, it would print their host in links and QR codes
    and make a new cache entry, so a new render, of every PDF."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


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


def print_language() -> str:
    """The language a PDF is printed in: the page's that asked for it when the print templates speak it (French
    and English), French otherwise (and by default)."""
    from workshop.i18n import current_language

    return "en" if current_language() == "en" else "fr"


def date_fr(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "d MMMM y", rebase=False)


def networks_line(names: list[str]) -> str:
    """The signature under every printed page: the networks behind the document."""
    return " · ".join(n for n in names if n) or "Passerelles"
