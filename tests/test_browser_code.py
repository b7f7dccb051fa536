"""User text reaches the page as text: our scripts hold no HTML sink (issue #11 point 1).

A static guard beside the browser tests that plant markup (tests/browser/test_browser_planted_script.py,
test_browser_no_script.py): those prove the pages people see today; this one fails the day a script starts to
write HTML, before anyone plants anything. Vendor libraries (static/vendor/) are not ours and are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "static" / "js").rglob("*.js"))

# What parses a string as markup or code in a browser.
SINKS = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(|"
                   r"setTimeout\s*\(\s*[\"'`]|setInterval\s*\(\s*[\"'`]|createContextualFragment|\.srcdoc\b")
# Leaflet reads a string given to a tooltip or popup as HTML: only a node, or a function returning one.
LEAFLET_STRING = re.compile(r"\.(bindTooltip|bindPopup|setContent)\(\s*(?:[\"'`]|[\w.]+\s*\+|`)")
# The one parser in use reads server excerpts (escaped, with <mark>) into an inert document, for their text only.
PARSER_ALLOWED = {"static/js/board/card.js"}


def test_the_scripts_are_found():
    assert len(SCRIPTS) > 20 and any(p.name == "map.js" for p in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_script_writes_markup(script):
    source = script.read_text(encoding="utf-8")
    relative = script.relative_to(ROOT).as_posix()
    assert not SINKS.findall(source), f"{relative}: writes HTML or code from a string"
    assert not LEAFLET_STRING.findall(source), f"{relative}: gives Leaflet a string, which it reads as HTML"
    if "DOMParser" in source:
        assert relative in PARSER_ALLOWED, \
            f"{relative}: parses markup; take the text from the server as text instead"


def test_the_guard_catches_what_it_is_for():
    """The patterns are not dead: each kind of sink is caught."""
    for bad in ('box.innerHTML = name;', 'el.insertAdjacentHTML("beforeend", x)', 'eval(code)',
                'layer.bindTooltip(`${p.name}`)', 'marker.bindPopup("<b>" + name)', "setTimeout('go()', 5)"):
        assert SINKS.findall(bad) or LEAFLET_STRING.findall(bad), bad
    for fine in ("box.textContent = name;", "marker.bindTooltip(textBox(props.name));",
                 "marker.bindPopup(() => popup(props));"):
        assert not SINKS.findall(fine) and not LEAFLET_STRING.findall(fine), fine
