"""A sheet names the map's structures by id (a typed exact name finds its structure) and both pages link each
other; a sheet's page lists the toolkits that include it (drafts only for who builds toolkits)."""

from __future__ import annotations

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.practices import reviews, sheets
from workshop.toolkits import service as toolkits


def _sheet(app, world, structures: list) -> int:
    with app.test_request_context():
        admin = db.session.get(User, world.admin.id)
        practice = sheets.create_practice(db.session, admin, {
            "title": "Goûter partagé", "summary": "Un goûter.", "cities": ["Saint-Denis"], "structures": structures,
            "context": "<p>Contexte.</p>", "transferability": "<p>Partout.</p>"})
        reviews.transition(db.session, admin, practice.id, "submit")
        reviews.transition(db.session, admin, practice.id, "publish")
        db.session.commit()
        return practice.id


def test_a_typed_name_of_the_map_links_the_sheet_and_the_structure_both_ways(app, client, world):
    sheet = _sheet(app, world, [
        "centre social des tilleuls",  # the map's structure, typed in lower case
        "Maison des parents inconnue",  # on no map: stays a name
        {"id": world.hidden, "name": "Association discrète"},  # not on the public map: no link to it
        {"id": world.school, "name": "L'école du quartier"}])  # picked from the map by id: kept
    with app.app_context():
        from workshop.practices.models import Practice
        assert db.session.get(Practice, sheet).structures == [
            {"id": world.centre, "name": "Centre social des Tilleuls"},
            {"id": None, "name": "Maison des parents inconnue"},
            {"id": None, "name": "Association discrète"},
            {"id": world.school, "name": "L'école du quartier"}]
    page = client.get(f"/fiches/{sheet}").get_data(as_text=True)
    assert f'<a href="/structures/{world.centre}">Centre social des Tilleuls</a>' in page
    assert f'<a href="/structures/{world.school}">' in page and f"/structures/{world.hidden}" not in page
    assert "Maison des parents inconnue" in page
    structure = client.get(f"/structures/{world.centre}").get_data(as_text=True)
    assert f'href="/fiches/{sheet}">Goûter partagé</a>' in structure


def test_a_sheets_page_lists_the_toolkits_that_include_it(app, client, login, world):
    with app.test_request_context():
        coordinator = db.session.get(User, world.coord_cs.id)
        made = {}
        for title, publish in (("Boîte publiée", True), ("Boîte en chantier", False)):
            toolkit = toolkits.create_toolkit(db.session, coordinator, title)
            toolkits.save_toolkit(db.session, coordinator, toolkit.id, {
                "title": title, "sections": [{"title": "Fiches", "entries": [world.sheet]}]}, toolkit.revision)
            if publish:
                toolkits.publish(db.session, coordinator, toolkit.id)
            made[title] = toolkit.id
        db.session.commit()
    page = client.get(f"/fiches/{world.sheet}").get_data(as_text=True)
    assert "Dans les boîtes à outils" in page
    assert f'href="/boites-a-outils/{made["Boîte publiée"]}">Boîte publiée</a>' in page
    assert "Boîte en chantier" not in page  # a draft, for visitors
    assert "In the toolkits" in client.get(f"/fiches/{world.sheet}?lang=en").get_data(as_text=True)
    login(world.coord_cs)
    assert "Boîte en chantier</a> <span class=\"muted small\">(brouillon)" in client.get(
        f"/fiches/{world.sheet}?lang=fr").get_data(as_text=True)
    assert "Dans les boîtes à outils" not in client.get(f"/fiches/{world.draft}").get_data(as_text=True)
