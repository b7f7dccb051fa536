"""No script on any page: every response carries the security headers, and no HTML page holds inline script code,
an on*= handler, a javascript: URL or an inline style (the Content-Security-Policy would refuse them).

The pages are found by walking the app's GET routes without arguments, the demo objects' pages (a board, its room,
a structure, a practice, a toolkit...) and every same-site link of the pages seen, as an anonymous visitor, the demo
facilitator and the demo coordinator (admin)."""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from workshop import security
from workshop.accounts.models import User
from workshop.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_board
from workshop.extensions import db
from workshop.mapping.demo import seed_structures
from workshop.mapping.models import Link, Qpv, Structure
from workshop.practices.demo import seed_up_to
from workshop.practices.models import Practice
from workshop.toolkits import service as toolkits

PER_ENDPOINT = 2  # pages of one view with different arguments (the second catches per-object differences)
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")
SQUARE = {"type": "Polygon", "coordinates": [[[2.3, 48.9], [2.4, 48.9], [2.4, 49.0], [2.3, 49.0], [2.3, 48.9]]]}


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache"), "PDF_RENDER_INLINE": True,
            "PUBLIC_URL": "https://passerelles.exemple.fr"}


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse in one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self.nonces: list[str | None] = []  # of <style> elements
        self._inline_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            kind = (values.get("type") or "").strip().lower()
            self._inline_script = "src" not in values and kind != "application/json"
        if tag == "style":
            self.nonces.append(values.get("nonce"))
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if value and value.strip().lower().replace("\t", "").replace("\n", "").startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def seed(app) -> dict:
    """The demo workshop with cards, structures and links, a QPV outline, practices and a published toolkit."""
    with app.test_request_context():
        workshop = seed_board(db.session)
        seed_up_to(db.session, 3)
        seed_structures(db.session, 6)
        db.session.add(Qpv(code="QN09399X", name="Quartier des Tilleuls", departement="93", cities=["93066"],
                           outline=SQUARE, outline_simple=SQUARE))
        admin = db.session.scalar(db.select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
        toolkit = toolkits.create_toolkit(db.session, admin, "Boîte à outils de la rentrée")
        db.session.commit()
        structure = db.session.scalar(db.select(Structure.id).order_by(Structure.id))
        link = db.session.scalar(db.select(Link.id).order_by(Link.id))
        practice = db.session.scalar(db.select(Practice.id).order_by(Practice.id))
        return {"code": workshop.code, "workshop_id": workshop.id, "toolkit_id": toolkit.id,
                "structure_id": structure, "link_id": link, "practice_id": practice}


def start_urls(app, demo: dict) -> list[str]:
    workshop, toolkit = f"/ateliers/{demo['workshop_id']}", f"/boites-a-outils/{demo['toolkit_id']}"
    urls = [f"/j/{demo['code']}", f"{workshop}/salle", f"{workshop}/structures", f"{workshop}/suites",
            f"{workshop}/compte-rendu.pdf", f"{workshop}/export.md", toolkit, f"{toolkit}/modifier",
            f"{toolkit}/apercu", f"{toolkit}.md", f"/structures/{demo['structure_id']}",
            f"/structures/{demo['structure_id']}/modifier", f"/liens/{demo['link_id']}",
            f"/fiches/{demo['practice_id']}", f"/fiches/{demo['practice_id']}/modifier",
            f"/fiches/{demo['practice_id']}.pdf", f"/api/ateliers/{demo['code']}/fiches"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments:
            urls.append(rule.rule)
    return urls


def crawl(app, client, demo: dict) -> dict[str, object]:
    """GET every page reachable from the start pages: {url: response}."""
    adapter = app.url_map.bind("localhost")
    seen: dict[str, object] = {}
    per_endpoint: Counter = Counter()
    queue = deque(start_urls(app, demo))
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in seen or "deconnexion" in url or "logout" in url:
            continue
        try:
            endpoint, _args = adapter.match(parts.path, method="GET")
        except Exception:  # a 404 or a POST-only URL: still checked below, once
            endpoint = parts.path
        if endpoint != "static" and per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        response.get_data()  # read, then closed: a file (PDF, static) must not stay open
        response.close()
        seen[url] = response
        if response.status_code in (301, 302, 303) and response.location:
            queue.append(urljoin(url, response.location))
        if response.mimetype == "text/html":
            parser = InlineCode()
            parser.feed(response.get_data(as_text=True))
            queue.extend(urljoin(url, link) for link in parser.links)
    return seen


def check(responses: dict) -> list[str]:
    problems = []
    for url, response in responses.items():
        pdf = response.mimetype == "application/pdf"  # a PDF runs no page script; the policy would hide it
        missing = [name for name in HEADERS if name not in response.headers and not (pdf and name == HEADERS[0])]
        if missing:
            problems.append(f"{url} ({response.status_code}, {response.mimetype}): no {', '.join(missing)}")
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{url}: X-Content-Type-Options is not nosniff")
        if pdf:
            if "Content-Security-Policy" in response.headers:
                problems.append(f"{url}: a PDF with a policy that would keep Chrome's viewer from showing it")
            continue
        policy = response.headers.get("Content-Security-Policy", "")
        # Embeds (/integrer/...) may be framed by the sites EMBED_ANCESTORS names (any, by default); nothing else.
        ancestors = "frame-ancestors *" if urlsplit(url).path.startswith("/integrer/") else "frame-ancestors 'none'"
        if "script-src 'self'" not in policy or "'unsafe-inline'" in policy or ancestors not in policy:
            problems.append(f"{url}: weak policy {policy!r}")
        if response.mimetype == "text/html":
            parser = InlineCode()
            parser.feed(response.get_data(as_text=True))
            problems.extend(f"{url}: {problem}" for problem in parser.problems)
            problems.extend(f"{url}: <style> without the policy's nonce" for nonce in parser.nonces
                            if not nonce or f"'nonce-{nonce}'" not in policy)
    return problems


@pytest.mark.parametrize("who", ["anonymous", "facilitator", "admin"])
def test_every_page_sends_the_headers_and_holds_no_inline_code(app, client, who):
    demo = seed(app)
    if who != "anonymous":
        email = DEMO_ACCOUNTS[0 if who == "admin" else 1][0]
        assert client.post("/connexion", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    responses = crawl(app, client, demo)
    kinds = {response.mimetype for response in responses.values()}
    assert len(responses) > 30, list(responses)
    assert {"text/html", "application/json", "application/pdf"} <= kinds, kinds
    assert check(responses) == []


def test_errors_and_static_files_carry_the_headers(app, client):
    seed(app)
    responses = {url: client.get(url) for url in ("/cette-page-n-existe-pas", "/static/css/app.css",
                                                   "/static/js/map.js")}
    responses["json 404"] = client.get("/cette-page-n-existe-pas", headers={"Accept": "application/json"})
    responses["405"] = client.delete("/")
    for response in responses.values():
        response.get_data()
        response.close()
    assert {r.status_code for r in responses.values()} >= {404, 200, 405}
    assert check(responses) == []


def test_the_policy_allows_the_tile_server_and_nothing_inline():
    policy = security.content_security_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
                                              "https://passerelles.exemple.fr")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data: https://*.tile.openstreetmap.org"
    assert directives["connect-src"] == "'self' wss://passerelles.exemple.fr"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "img-src 'self' data:;" in security.content_security_policy("", "")
