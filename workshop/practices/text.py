"""Sanitising the sections of a sheet: what people type becomes safe HTML, and back into editable text."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a"}
_BULLET = re.compile(r"^[-*•]\s+")
# Markup that makes a text HTML (kept tags, or dangerous ones to strip); "<parents>" or "a < b" stay text.
_HTML_TAG = re.compile(
    r"</?(?:p|br|ul|ol|li|strong|b|em|i|a|script|style|iframe|img|svg|object|embed|form|input|div|span|table)\b",
    re.I,
)
_BLOCK = re.compile(r"<p>(.*?)</p>|<ul>(.*?)</ul>", re.S)
_PLAIN_TAGS = {"p", "br", "ul", "li"}


def sanitise(value: str) -> str:
    """Keep paragraphs, lists, bold, italics and links; plain text typed with dashes becomes a list."""
    if not _HTML_TAG.search(value):  # "x < y" or "<parents>" typed as text stays text
        value = _plain_to_html(value)
    cleaned = nh3.clean(value, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                        strip_comments=True)
    return cleaned.strip()


def _plain_to_html(value: str) -> str:
    blocks = []
    for block in re.split(r"\n\s*\n", value.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{html.escape(_BULLET.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append("<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "".join(blocks)


def editable_text(value: str) -> str:
    """What a text area shows for a stored section: the plain text `sanitise` turns back into the very same HTML
    when the section holds only paragraphs, line breaks and lists (what typing produces); otherwise the HTML,
    so that bold, italics and links are never lost by editing."""
    tags = {t.lower() for t in re.findall(r"</?\s*([a-zA-Z0-9]+)", value or "")}
    if not value or not tags <= _PLAIN_TAGS or _BLOCK.sub("", value).strip():
        return value or ""
    blocks = []
    for paragraph, items in _BLOCK.findall(value):
        if paragraph:
            blocks.append(html.unescape(re.sub(r"<br\s*/?>", "\n", paragraph)))
        else:
            blocks.append("\n".join("- " + html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", items, re.S)))
    text = "\n\n".join(blocks)
    return text if sanitise(text) == value else value


def html_list(items: list[str]) -> str:
    """A bulleted list of plain texts (escaped)."""
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else ""
