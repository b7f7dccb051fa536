"""axe-core in the page under test: WCAG 2.1 A/AA rules, serious and critical violations fail.

axe is a test tool: it comes from node_modules (package.json pins it, `npm ci` installs it), never from
static/vendor. The app's CSP allows scripts from 'self' only, so instead of bypassing the CSP (which would test a
page people never get), Playwright answers a same-origin URL (AXE_PATH) with axe's source: the server never sees
the request and the page keeps its real CSP while axe runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.serverproc import ROOT

# AXE_CORE_JS points at another copy of axe.min.js (e.g. one installed outside the shared node_modules).
AXE_JS = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
AXE_PATH = "/__tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


def axe_source() -> str:
    if not AXE_JS.exists():
        message = f"{AXE_JS} is missing: run `npm ci` (or set AXE_CORE_JS to axe.min.js)"
        if os.environ.get("CI"):  # CI installs it: a missing copy there is a broken build, not a skip
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def serve_axe(context: BrowserContext) -> None:
    """Answer AXE_PATH on every origin of this context with axe's source (see the module docstring)."""
    source = axe_source()
    context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=source))


def run_axe(page: Page) -> list[dict]:
    """axe's violations of the WCAG 2.1 A/AA rules on the page as it is now (the context must serve_axe)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.add_script_tag(url=origin + AXE_PATH)
    return page.evaluate("""async (tags) => {
        const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                 resultTypes: ['violations']});
        return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", WCAG_TAGS)


def describe(label: str, violations: list[dict]) -> list[str]:
    """One line per violation and node: where, which rule, what to fix."""
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"{label}: [{v['impact']}] {v['id']} ({v['help']}) at {node['target']}: {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"{label}: [{v['impact']}] {v['id']}: and {len(v['nodes']) - 5} more nodes")
    return lines


def accessibility_problems(page: Page, label: str) -> tuple[list[str], list[str]]:
    """(serious or critical violations, minor or moderate ones) of the page, described for a report."""
    violations = run_axe(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    minor = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    return describe(label, failing), describe(label, minor)


def assert_accessible(page: Page, label: str) -> None:
    """Fail listing the serious/critical WCAG 2.1 A/AA violations; print the minor/moderate ones (test output)."""
    failing, minor = accessibility_problems(page, label)
    for line in minor:
        print("axe (not failing):", line)
    assert not failing, "axe: serious/critical violations:\n" + "\n".join(failing)
