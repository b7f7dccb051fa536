"""The downloads are reachable from the pages people use: a sheet's page and the facilitator's dashboard."""

from __future__ import annotations

import re

from workshop.extensions import db


def test_practice_page_links_to_its_pdf_markdown_and_json(client, publish_practices):
    [practice_id] = publish_practices(1)
    page = client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    assert "Télécharger la fiche (PDF)" in page
    for suffix, mimetype in ((".pdf", "application/pdf"), (".md", "text/markdown"), (".json", "application/json")):
        assert f'href="/fiches/{practice_id}{suffix}"' in page, suffix
        response = client.get(f"/fiches/{practice_id}{suffix}", buffered=True)
        assert response.status_code == 200 and response.mimetype == mimetype, suffix


def test_dashboard_links_each_workshop_to_its_report(app, client, login, make_user):
    from workshop.accounts.models import User
    from workshop.boards import service as boards

    facilitator = make_user("facilitator", name="Fatou Animation")
    with app.app_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier du jeudi")
        db.session.commit()
        workshop_id = workshop.id
    login(facilitator)
    page = client.get("/ateliers").get_data(as_text=True)
    assert re.search(rf'href="/ateliers/{workshop_id}/compte-rendu.pdf"[^>]*>Compte rendu \(PDF\)', page)
    report = client.get(f"/ateliers/{workshop_id}/compte-rendu.pdf", buffered=True)
    assert report.status_code == 200 and report.data[:5] == b"%PDF-"


def test_a_draft_sheet_and_its_downloads_send_a_visitor_to_log_in_and_refuse_another_account(
        app, client, coordinator, networks, login, make_user):
    """The page and each download of a draft (its author's alone): an anonymous visitor is sent to log in and
    brought back to what they asked; an account that may not read it is refused."""
    from tests.toolkits.conftest import practice_data
    from workshop.accounts.models import User
    from workshop.practices import sheets

    with app.test_request_context():
        user = db.session.get(User, coordinator.id)
        practice_id = sheets.create_practice(db.session, user, practice_data(1, networks=networks)).id
        db.session.commit()
    paths = [f"/fiches/{practice_id}{suffix}" for suffix in ("", ".pdf", ".md", ".json")]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith(f"/connexion?next={path}"), path
    login(make_user("facilitator"))
    assert [client.get(path).status_code for path in paths] == [403] * len(paths)


def test_an_unpublished_toolkit_and_its_downloads_send_a_visitor_to_log_in_as_a_draft_sheet_does(
        client, coordinator, login, make_user, publish_practices, build):
    """A coordinator following a link to a toolkit still being built, not yet logged in, is sent to log in and
    brought back to it, as for a draft sheet; an account that may not read it is refused."""
    from tests.conftest import PASSWORD

    toolkit_id = build([("Accueillir", publish_practices(1))])
    paths = [f"/boites-a-outils/{toolkit_id}{suffix}" for suffix in ("", ".pdf", ".md", ".json", "/apercu")]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith(f"/connexion?next={path}"), path
    login(make_user("facilitator"))
    assert [client.get(path).status_code for path in paths] == [403] * len(paths)
    client.post("/deconnexion")
    back = client.post(f"/connexion?next={paths[0]}", data={"email": coordinator.email, "password": PASSWORD})
    assert back.status_code == 302 and back.location.endswith(paths[0])
    assert client.get(paths[0]).status_code == 200
