"""Other formats: CSV of practices (for spreadsheets), Markdown and JSON of a practice and of a toolkit.

They reuse the print view data (sheets.practice_view / book.toolkit_view), so every format says the same thing.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

from workshop.practices.vocabulary import SECTION_LABELS
from workshop.spreadsheet import safe_cell
from workshop.toolkits.sheets import Labels, practice_view

CSV_COLUMNS = (
    ("id", "id"), ("titre", "title"), ("type", "kind"), ("résumé", "summary"), ("villes", "cities"),
    ("QPV", "qpv"), ("structures", "structures"), ("dispositifs", "frameworks"), ("thèmes", "themes"),
    ("publics", "audiences"), ("réseaux", "networks"), ("version", "version"), ("publiée le", "published_at"),
    ("lien", "short_url"),
)


# Characters that format Markdown or open raw HTML (`<script>`, `<img onerror>`): escaped in user text, which a
# Markdown viewer must show as typed.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#<>])")
# Characters kept as they are in a link target; the others (spaces, parentheses, angle brackets, quotes) are
# percent-encoded so that a link cannot end early and let markup follow.
_URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"


def md_text(text: str) -> str:
    """User text inline in Markdown: special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_line(text: str | None) -> str:
    """User text on one Markdown line (a title, a list item): whitespace folded, special characters escaped."""
    return md_text(" ".join((text or "").split()))


class _Markdown(HTMLParser):
    """The small sanitised subset of HTML a sheet holds (p, br, lists, bold, italics, links) as Markdown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # stack of [kind, counter]
        self.href: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self._block()
            self.lists.append([tag, 0])
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            indent = "  " * max(0, len(self.lists) - 1)
            self.out.append(f"\n{indent}" + (f"{kind[1]}. " if kind[0] == "ol" else "- "))
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.out.append("[")
        elif tag == "br":
            self.out.append("  \n")
        elif tag in ("p", "h3"):
            self._block()
            if tag == "h3":
                self.out.append("#### ")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block()
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({quote(href, safe=_URL_SAFE)})" if href else "]")
        elif tag in ("p", "h3"):
            self._block()

    def handle_data(self, data):
        self.out.append(md_text(re.sub(r"\s+", " ", data)))

    def _block(self):
        self.out.append("\n\n")

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.out)).strip()


def html_to_markdown(fragment: str) -> str:
    parser = _Markdown()
    parser.feed(fragment or "")
    parser.close()
    return parser.text()


def html_to_text(fragment: str) -> str:
    """Plain text for spreadsheet cells: list items on their own lines."""
    text = re.sub(r"<li>", "\n• ", fragment or "")
    text = re.sub(r"<(br|/p|/ul|/ol)\s*/?>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{2,}", "\n", html.unescape(text)).strip()


# --- Practice ---------------------------------------------------------------------------------------


def practice_json(view: dict) -> dict:
    return {
        "id": view["id"], "title": view["title"], "kind": view["kind"], "summary": view["summary"],
        "cities": view["cities"], "qpv": view["qpv"], "structures": view["structures"],
        "frameworks": view["frameworks"], "themes": view["themes"], "audiences": view["audiences"],
        "networks": view["networks"], "version": view["version"], "published_at": view["published_at"],
        "url": view["short_url"],
        "sections": [{"key": s["key"], "label": s["label"], "html": str(s["html"]),
                      "markdown": html_to_markdown(str(s["html"]))} for s in view["sections"]],
        "provenance": view["provenance"],
    }


def practice_markdown(view: dict, level: int = 1) -> str:
    h = "#" * level
    lines = [f"{h} {md_line(view['title'])}", ""]
    meta = [f"*{md_line(view['kind'])}*"]
    if view["cities"]:
        meta.append(md_line(", ".join(view["cities"])))
    lines += [" · ".join(meta), ""]
    if view["summary"]:
        lines += [f"> {md_line(view['summary'])}", ""]
    for label, key in (("Dispositifs", "frameworks"), ("Thèmes", "themes"), ("Quartiers prioritaires", "qpv"),
                       ("Structures", "structures"), ("Publics", "audiences"), ("Réseaux", "networks")):
        if view[key]:
            lines.append(f"- **{label}** : {md_line(', '.join(view[key]))}")
    lines.append("")
    for section in view["sections"]:
        lines += [f"{h}# {md_line(section['label'])}", "", html_to_markdown(str(section["html"])), ""]
    if view["provenance"]:
        p = view["provenance"]
        when = f" du {p['held_on']}" if p["held_on"] else ""
        lines += [f"*D’où vient cette fiche : atelier « {md_line(p['workshop'])} »{when}.*", ""]
    lines += [f"Version {view['version']} — en ligne : <{view['short_url']}>", ""]
    return "\n".join(lines)


# --- Toolkit ---------------------------------------------------------------------------------------


def toolkit_json(view: dict) -> dict:
    return {
        "title": view["title"], "subtitle": view["subtitle"], "date": view["date"], "networks": view["networks"],
        "introduction": str(view["introduction"]), "contacts": str(view["contacts"]), "licence": view["licence"],
        "workshops": view["workshops"], "contributors": view["contributors"],
        "sections": [{"title": s["title"], "practices": [practice_json(e) for e in s["entries"]]}
                     for s in view["sections"]],
    }


def toolkit_markdown(view: dict) -> str:
    lines = [f"# {md_line(view['title'])}", ""]
    if view["subtitle"]:
        lines += [f"*{md_line(view['subtitle'])}*", ""]
    lines += [md_line(" · ".join(view["networks"])) + f" — {view['date']}", ""]
    if str(view["introduction"]):
        lines += ["## Introduction", "", html_to_markdown(str(view["introduction"])), ""]
    lines += ["## Sommaire", ""]
    for number, section in enumerate(view["sections"], 1):
        lines.append(f"{number}. {md_line(section['title'])}")
        lines += [f"   - {md_line(e['title'])}" for e in section["entries"]]
    lines.append("")
    for number, section in enumerate(view["sections"], 1):
        lines += [f"## {number}. {md_line(section['title'])}", ""]
        for entry in section["entries"]:
            lines.append(practice_markdown(entry, level=3))
    if str(view["contacts"]):
        lines += ["## Contacts", "", html_to_markdown(str(view["contacts"])), ""]
    lines += ["## Licence", "", view["licence"], ""]
    return "\n".join(lines)


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# --- CSV -------------------------------------------------------------------------------------------


def _cell(value) -> str:
    """Lists joined, formulas neutralised."""
    return safe_cell(" | ".join(value) if isinstance(value, list) else ("" if value is None else str(value)))


def practices_csv(views: list[dict]) -> str:
    """One row per practice, `;`-separated with a BOM: what French spreadsheet software opens cleanly."""
    section_keys = list(SECTION_LABELS)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for label, _ in CSV_COLUMNS] + [str(SECTION_LABELS[k]) for k in section_keys])
    for view in views:
        sections = {s["key"]: html_to_text(str(s["html"])) for s in view["sections"]}
        writer.writerow([_cell(view[key]) for _, key in CSV_COLUMNS] +
                        [_cell(sections.get(k, "")) for k in section_keys])
    return buffer.getvalue()


def practice_views(session, practices: list) -> list[dict]:
    labels = Labels(session)
    return [practice_view(p, labels, with_qr=False) for p in practices]
