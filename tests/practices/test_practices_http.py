"""HTTP: who may do what, public vs draft visibility, conflicts, sanitising, search page, exchange pages."""

from __future__ import annotations

import io
import json

import pytest

from tests.practices.conftest import sheet
from workshop.extensions import db
from workshop.practices import rights


def form(practice_version: int | None = None, **overrides) -> dict:
    data = sheet(**overrides)
    fields = {k: v for k, v in data.items() if k not in ("cities", "qpv", "themes", "structures", "frameworks",
                                                         "audiences", "networks")}
    fields.update({"cities": ", ".join(data["cities"]), "qpv": ", ".join(data["qpv"]),
                   "themes": ", ".join(data["themes"]),
                   "structures": "\n".join(s["name"] for s in data["structures"]),
                   "frameworks": data["frameworks"], "audiences": data["audiences"],
                   "networks": [str(n) for n in overrides.get("networks", [])]})
    if practice_version is not None:
        fields["version"] = str(practice_version)
    return fields


def status_of(app, practice_id: int) -> str:
    with app.app_context():
        return rights.get_practice(db.session, practice_id).status


def test_published_sheets_are_public_and_drafts_are_not(client, login, people, make_practice):
    draft, published = make_practice(title="Brouillon discret"), make_practice(status="published", title="Publiée")
    page = client.get(f"/fiches/{published}")
    assert page.status_code == 200 and "Publiée" in page.get_data(as_text=True)
    anonymous = client.get(f"/fiches/{draft}")
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    listing = client.get("/fiches").get_data(as_text=True)
    assert "Publiée" in listing and "Brouillon discret" not in listing
    login(people.other)
    assert client.get(f"/fiches/{draft}").status_code == 403
    assert "Brouillon discret" not in client.get("/fiches?q=brouillon").get_data(as_text=True)


def test_the_author_and_reviewers_read_a_draft(app, client, login, people, make_practice):
    draft = make_practice(title="Brouillon discret")
    for person in (people.member, people.coord_cs, people.admin):
        other = app.test_client()
        response = other.post("/connexion", data={"email": person.email, "password": "motdepasse-1"})
        assert response.status_code == 302
        assert other.get(f"/fiches/{draft}").status_code == 200, person.email


def test_creating_needs_an_account_and_sanitises_html(client, login, people):
    assert client.get("/fiches/nouvelle").status_code == 302
    login(people.other)
    response = client.post("/fiches/nouvelle", data=form(
        context='<p>Bonjour <script>alert("pirate")</script><strong>gras</strong></p>'))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>gras</strong>" in page and "alert(" not in page and "<script>alert" not in page


def test_a_bad_form_shows_the_error_next_to_the_field(client, login, people):
    login(people.member)
    response = client.post("/fiches/nouvelle", data=form(title="x" * 250))
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    response = client.post("/fiches/nouvelle", data=form(frameworks=["inconnu"]))
    assert "valeur inconnue" in response.get_data(as_text=True)


def test_editing_rights(client, login, people, make_practice):
    draft, published = make_practice(), make_practice(status="published")
    login(people.other)
    assert client.get(f"/fiches/{draft}/modifier").status_code == 403
    assert client.post(f"/fiches/{draft}/modifier", data=form(1, title="Piraté")).status_code == 403
    client.post("/deconnexion")
    login(people.member)
    assert client.get(f"/fiches/{draft}/modifier").status_code == 200
    assert client.post(f"/fiches/{published}/modifier", data=form(1, title="Changée")).status_code == 403
    response = client.post(f"/fiches/{draft}/modifier", data=form(1, title="Nouveau titre",
                                                                  networks=[people.net_cs]))
    assert response.status_code == 302
    assert "Nouveau titre" in client.get(f"/fiches/{draft}").get_data(as_text=True)


def test_two_people_saving_at_once_get_a_conflict_showing_both_texts(app, client, login, people, make_practice):
    practice_id = make_practice(author=people.member)
    login(people.member)
    claire = app.test_client()
    claire.post("/connexion", data={"email": people.coord_cs.email, "password": "motdepasse-1"})
    first = claire.post(f"/fiches/{practice_id}/modifier",
                        data=form(1, context="Texte de Claire, enregistré d'abord.", networks=[people.net_cs]))
    assert first.status_code == 302
    second = client.post(f"/fiches/{practice_id}/modifier",
                         data=form(1, context="Texte de Karim, arrivé trop tard.", networks=[people.net_cs]))
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Texte de Claire, enregistré d" in page and "Texte de Karim, arrivé trop tard." in page
    assert 'name="version" type="hidden" value="2"' in page
    shown = client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    assert "Texte de Claire" in shown and "Texte de Karim" not in shown


@pytest.mark.parametrize("action", ["publish", "archive", "return"])
def test_members_cannot_review(client, login, people, make_practice, action):
    practice_id = make_practice(status="submitted" if action != "archive" else "published")
    login(people.member)
    response = client.post(f"/fiches/{practice_id}/statut", data={"action": action, "comment": "ok"})
    assert response.status_code == 403


def test_workflow_through_the_pages(app, client, login, people, make_practice):
    practice_id = make_practice()
    login(people.member)
    assert client.post(f"/fiches/{practice_id}/statut", data={"action": "submit"}).status_code == 302
    assert status_of(app, practice_id) == "submitted"
    client.post("/deconnexion")
    login(people.coord_ef)  # coordinates the other network
    assert client.post(f"/fiches/{practice_id}/statut", data={"action": "publish"}).status_code == 403
    client.post("/deconnexion")
    login(people.coord_cs)
    response = client.post(f"/fiches/{practice_id}/statut", data={"action": "publish", "comment": "Très clair"})
    assert response.status_code == 302 and status_of(app, practice_id) == "published"
    page = client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    assert "Très clair" in page
    bad = client.post(f"/fiches/{practice_id}/statut", data={"action": "submit"})
    assert bad.status_code == 400
    assert client.post(f"/fiches/{practice_id}/statut", data={"action": "voler"}).status_code == 400


def test_comments_and_history_are_for_authors_and_reviewers(client, login, people, make_practice):
    practice_id = make_practice(status="published")
    assert client.get(f"/fiches/{practice_id}/historique").status_code == 302
    login(people.other)
    assert client.post(f"/fiches/{practice_id}/commentaires", data={"body": "Bof"}).status_code == 403
    assert client.get(f"/fiches/{practice_id}/historique").status_code == 403
    assert "Bof" not in client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    client.post("/deconnexion")
    login(people.member)
    client.post(f"/fiches/{practice_id}/commentaires", data={"body": "Ajouter le calendrier"})
    assert "Ajouter le calendrier" in client.get(f"/fiches/{practice_id}").get_data(as_text=True)


def test_history_diff_and_restore(client, login, people, make_practice):
    practice_id = make_practice(levers="Un lieu neutre.")
    login(people.member)
    client.post(f"/fiches/{practice_id}/modifier", data=form(1, levers="Un lieu chaleureux.",
                                                             networks=[people.net_cs]))
    page = client.get(f"/fiches/{practice_id}/historique?de=1&a=2").get_data(as_text=True)
    assert "<del>neutre.</del>" in page and "<ins>chaleureux.</ins>" in page
    assert client.post(f"/fiches/{practice_id}/historique/1/restaurer", data={"version": "1"}).status_code == 303
    response = client.post(f"/fiches/{practice_id}/historique/1/restaurer", data={"version": "2"})
    assert response.status_code == 302
    assert "Un lieu neutre." in client.get(f"/fiches/{practice_id}").get_data(as_text=True)


def test_search_page_finds_without_accents_and_shows_facets(client, make_practice):
    make_practice(status="published", title="Réunion des parents d'élèves", cities=["Roubaix"])
    page = client.get("/fiches?q=reunion+parents+eleves").get_data(as_text=True)
    assert "Réunion des parents d&#39;élèves" in page and "<mark>" in page and "Roubaix" in page
    api = client.get("/api/fiches?q=reunion%20parents%20eleves").get_json()
    assert api["total"] == 1 and api["practices"][0]["title"] == "Réunion des parents d'élèves"
    assert client.get("/fiches?page=abc&tri=nimporte").status_code == 200


def test_export_is_public_for_published_and_import_is_for_admins(client, login, people, make_practice):
    make_practice(status="published", title="Publique")
    make_practice(title="Brouillon")
    exported = json.loads(client.get("/fiches/export.json").get_data(as_text=True))
    assert [p["title"] for p in exported["practices"]] == ["Publique"]
    payload = (io.BytesIO(json.dumps(exported).encode()), "fiches.json")
    assert client.post("/fiches/import", data={"file": payload}).status_code == 302
    login(people.coord_cs)
    assert client.get("/fiches/import").status_code == 403
    assert client.get("/fiches/dispositifs").status_code == 403
    client.post("/deconnexion")
    login(people.admin)
    response = client.post("/fiches/import", data={"file": (io.BytesIO(json.dumps(exported).encode()), "f.json")},
                           content_type="multipart/form-data", follow_redirects=True)  # to the job's page
    assert response.status_code == 200 and "déjà présente" in response.get_data(as_text=True)
    bad = client.post("/fiches/import", data={"file": (io.BytesIO(b"{pas du json"), "f.json")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "pas du JSON valide" in bad.get_data(as_text=True)


def test_admins_edit_the_frameworks_list(client, login, people):
    login(people.admin)
    response = client.post("/fiches/dispositifs", data={"key": "bourse_projets", "label": "Bourse aux projets"})
    assert response.status_code == 302
    assert "Bourse aux projets" in client.get("/fiches/dispositifs").get_data(as_text=True)
    bad = client.post("/fiches/dispositifs", data={"key": "Pas Bien!", "label": "x"})
    assert "lettres minuscules" in bad.get_data(as_text=True)
