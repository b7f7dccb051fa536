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
