"""Issue #11, points 7 and 8 on toolkits and exports: Markdown without raw HTML, toolkit rights by network,
export-toolkit without drafts, PDF links and cache independent of the Host header, PDF renders limited per address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workshop.extensions import db

RAW_HTML = re.compile(r"(?<!\\)<(script|img)")  # a tag a Markdown viewer would pass through (not `\<`)
PAYLOAD = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'


def _publish(app, user_id: int, toolkit_id: int) -> None:
    from workshop.accounts.models import User
    from workshop.toolkits import service

    with app.test_request_context():
        service.publish(db.session, db.session.get(User, user_id), toolkit_id)
        db.session.commit()


# --- Markdown: user text shows as typed, never as HTML ----------------------------------------------------


def test_practice_markdown_escapes_html_in_every_user_field(client, publish_practices):
    [practice_id] = publish_practices(
        1, title=f"Titre {PAYLOAD}", summary=f"Résumé {PAYLOAD}", cities=[f"Ville {PAYLOAD}"],
        context="<p>&lt;script&gt;window.pwned=1&lt;/script&gt; et &lt;img src=x onerror=alert(1)&gt;</p>",
        contacts='<p><a href="https://exemple.fr/a)<img src=x onerror=alert(1)>">lien</a></p>')
    markdown = client.get(f"/fiches/{practice_id}.md").get_data(as_text=True)
    assert not RAW_HTML.search(markdown)
    assert "\\<script\\>window.pwned=1\\</script\\>" in markdown  # shown literally by a Markdown viewer
    assert "[lien](https://exemple.fr/a%29%3Cimg%20src=x%20onerror=alert%281%29%3E)" in markdown
    data = client.get(f"/fiches/{practice_id}.json").get_json()
    assert not any(RAW_HTML.search(s["markdown"]) for s in data["sections"])


def test_toolkit_markdown_escapes_html_in_titles_and_texts(app, client, coordinator, publish_practices, build):
    ids = publish_practices(1)
    toolkit_id = build([(f"Section {PAYLOAD}", ids)], f"Boîte {PAYLOAD}", subtitle=f"Sous-titre {PAYLOAD}",
                       introduction="&lt;script&gt;window.pwned=1&lt;/script&gt;")
    _publish(app, coordinator.id, toolkit_id)
    markdown = client.get(f"/boites-a-outils/{toolkit_id}.md").get_data(as_text=True)
    assert markdown.startswith("# Boîte \\<img")
    assert not RAW_HTML.search(markdown)


# --- Rights: one network's toolkits are not the other network's ------------------------------------------


@pytest.fixture
def two_networks(app, make_user):
    """Two coordinators of network A, one of network B (none of them admin)."""
    from workshop.accounts.models import User
    from workshop.networks import service as networks

    people = {key: make_user("member", name=f"Coordination {key}") for key in ("a1", "a2", "b")}
    with app.app_context():
        net_a = networks.ensure_network(db.session, "reseau-a", "Réseau A", "A")
        net_b = networks.ensure_network(db.session, "reseau-b", "Réseau B", "B")
        for key, network in (("a1", net_a), ("a2", net_a), ("b", net_b)):
            networks.add_member(db.session, network, db.session.get(User, people[key].id), coordinator=True)
        db.session.commit()
    return people


def test_another_networks_coordinator_cannot_edit_publish_or_delete_a_toolkit(app, client, login, two_networks,
                                                                               publish_practices):
    from workshop.toolkits import service
    from workshop.toolkits.models import Toolkit

    ids = publish_practices(1)
    login(two_networks["a1"])
    created = client.post("/boites-a-outils", data={"title": "Boîte du réseau A"})
    assert created.status_code == 302
    with app.app_context():
        toolkit = db.session.scalars(select(Toolkit)).one()
        toolkit_id, revision = toolkit.id, toolkit.revision
        assert [n.short_name for n in toolkit.networks] == ["A"]
    client.post("/deconnexion")

    login(two_networks["b"])
    assert f"/boites-a-outils/{toolkit_id}/modifier" not in client.get("/boites-a-outils").get_data(as_text=True)
    form = {"title": "Détournée", "sections": f'[{{"title": "S", "entries": [{ids[0]}]}}]',
            "revision": str(revision)}
    for response in (client.get(f"/boites-a-outils/{toolkit_id}/modifier"),
                     client.post(f"/boites-a-outils/{toolkit_id}/modifier", data=form),
                     client.post(f"/boites-a-outils/{toolkit_id}/publier"),
                     client.post(f"/boites-a-outils/{toolkit_id}/supprimer"),
                     client.post(f"/boites-a-outils/{toolkit_id}/supprimer", headers={"Accept": "application/json"})):
        assert response.status_code == 403, response.request.path
        body = response.get_json()["error"]["message"] if response.is_json else response.get_data(as_text=True)
        assert "appartient à un autre réseau" in body
    json_answer = client.post(f"/boites-a-outils/{toolkit_id}/supprimer", headers={"Accept": "application/json"})
    assert json_answer.get_json()["error"]["code"] == "forbidden"
    with app.app_context():
        toolkit = db.session.get(Toolkit, toolkit_id)
        assert toolkit.title == "Boîte du réseau A" and toolkit.status == "draft"
    client.post("/deconnexion")

    login(two_networks["a2"])  # the same network's other coordinator edits it
    assert client.post(f"/boites-a-outils/{toolkit_id}/modifier", data=form).status_code == 302
    assert client.post(f"/boites-a-outils/{toolkit_id}/supprimer").status_code == 302
    with app.app_context():
        assert db.session.get(Toolkit, toolkit_id) is None
        assert service.can_build(db.session, None) is False


def test_builder_form_with_nested_json_or_odd_revision_is_refused_not_a_500(app, client, login, coordinator,
                                                                            publish_practices, build):
    toolkit_id = build([("S", publish_practices(1))])
    login(coordinator)
    for sections, revision in (("[" * 50_000 + "]" * 50_000, "1"), ("[]", "²"), ("[]", "9" * 5000)):
        response = client.post(f"/boites-a-outils/{toolkit_id}/modifier",
                                data={"title": "T", "sections": sections, "revision": revision})
        assert response.status_code in (400, 409), revision[:5]
        assert "Erreur du serveur" not in response.get_data(as_text=True)


# --- export-toolkit: published sheets only ------------------------------------------------------------


def test_export_toolkit_cli_refuses_a_draft(app, runner, coordinator, publish_practices, tmp_path):
    from tests.toolkits.conftest import practice_data
    from workshop.accounts.models import User
    from workshop.practices import sheets

    published = publish_practices(1)
    with app.test_request_context():
        draft = sheets.create_practice(db.session, db.session.get(User, coordinator.id),
                                       practice_data(9, title="Brouillon confidentiel"))
        db.session.commit()
        draft_id = draft.id
    output = tmp_path / "x.pdf"
    result = runner.invoke(args=["export-toolkit", "--practices", f"{published[0]},{draft_id}",
                                 "--output", str(output)])
    assert result.exit_code == 1
    assert f"Fiches non publiées, exclues des exports : {draft_id}" in result.output
    assert not output.exists()
    for bad in ("²", "99999999999999999999"):
        result = runner.invoke(args=["export-toolkit", "--practices", bad, "--output", str(output)])
        assert result.exit_code == 1 and "Identifiants invalides" in result.output
    result = runner.invoke(args=["export-report", "²", "--output", str(output)])
    assert result.exit_code == 1 and "Identifiant d'atelier invalide" in result.output


# --- PDFs: the Host header changes nothing; renders are limited per address ---------------------------


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": "", "HOST": "127.0.0.1", "PORT": "5000"}])
def test_pdf_links_and_cache_ignore_the_host_header(app, client, publish_practices, tmp_path):
    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf-cache"), PDF_RENDER_INLINE=True)
    [practice_id] = publish_practices(1)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"  # from the bind address, not from a request
    for host in ("localhost", "127.0.0.1:8080", "localhost:5001"):
        response = client.get(f"/fiches/{practice_id}.pdf", headers={"Host": host}, buffered=True)
        assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert len(list((tmp_path / "pdf-cache").glob("*.pdf"))) == 1  # one render, whatever the Host
    data = client.get(f"/fiches/{practice_id}.json", headers={"Host": "127.0.0.1:8080"}).get_json()
    assert data["url"] == f"http://127.0.0.1:5000/f/{practice_id}"
    refused = client.get(f"/fiches/{practice_id}.pdf", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "Requête invalide" in refused.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PDF_RENDER_RATE": "2/minute"}])
def test_pdf_renders_are_limited_per_address_but_cached_pdfs_still_served(app, client, publish_practices,
                                                                         tmp_path):
    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf-cache"), PDF_RENDER_INLINE=True)
    ids = publish_practices(3)
    for practice_id in ids[:2]:
        assert client.get(f"/fiches/{practice_id}.pdf", buffered=True).status_code == 200
    refused = client.get(f"/fiches/{ids[2]}.pdf", headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "Trop de PDF" in refused.get_json()["error"]["message"]
    page = client.get(f"/fiches/{ids[2]}.pdf")
    assert page.status_code == 429 and "Trop de PDF" in page.get_data(as_text=True)
    assert client.get(f"/fiches/{ids[0]}.pdf", buffered=True).status_code == 200  # in the cache: served
    other = app.test_client().get(f"/fiches/{ids[2]}.pdf", environ_base={"REMOTE_ADDR": "192.0.2.9"},
                                  buffered=True)
    assert other.status_code == 200  # another address is not held back


@pytest.mark.parametrize("app_config", [{"PDF_RENDER_RATE": "1/minute", "RATELIMIT_ENABLED": False}])
def test_pdf_renders_are_not_limited_when_rate_limits_are_switched_off(app, client, publish_practices, tmp_path):
    """RATELIMIT_ENABLED=False lifts the render limit as it lifts every other one (benches render many PDFs)."""
    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf-cache"), PDF_RENDER_INLINE=True)
    for practice_id in publish_practices(2):
        assert client.get(f"/fiches/{practice_id}.pdf", buffered=True).status_code == 200
