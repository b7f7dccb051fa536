"""Trials through the pages: record on a sheet, approve from the sheet or the queue, the count on the sheet, the
structure page, the JSON and the map layer; a member cannot approve; hostile input is a 400 in French."""

from __future__ import annotations

import pytest

from tests.trials.conftest import trial_data
from workshop.extensions import db
from workshop.trials.models import Trial


def _trial_ids(app) -> list[int]:
    with app.app_context():
        return [t.id for t in db.session.query(Trial).order_by(Trial.id)]


def _record(client, world, **extra):
    data = {**trial_data(world.centre), "structure_name": "Centre social", **extra}
    return client.post(f"/fiches/{world.sheet}/essais/nouveau", data={k: v for k, v in data.items() if v is not None})


def test_a_member_records_a_trial_a_coordinator_approves_and_the_sheet_counts_it(app, client, login, world):
    login(world.member)
    form = client.get(f"/fiches/{world.sheet}/essais/nouveau")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Nous l'avons essayée" in page and "Pourquoi : pour compter où la fiche a été essayée" in page
    assert "/api/structures/recherche" in page  # the map's type-ahead
    response = _record(client, world)
    assert response.status_code == 302 and response.location.endswith(f"/fiches/{world.sheet}#essais")
    sheet = client.get(f"/fiches/{world.sheet}").get_data(as_text=True)
    assert "En attente de validation" in sheet  # the author sees their own pending trial
    assert "Essayée par" not in sheet
    client.post("/deconnexion")
    assert "Essayée par" not in client.get(f"/fiches/{world.sheet}").get_data(as_text=True)

    login(world.coord_cs)
    assert "Essais à valider (1)" in client.get("/fiches").get_data(as_text=True)
    queue = client.get("/essais/a-valider").get_data(as_text=True)
    assert "Des parents qui n&#39;entraient jamais sont venus." in queue
    [trial_id] = _trial_ids(app)
    response = client.post(f"/essais/{trial_id}/valider", data={"back": f"/fiches/{world.sheet}#essais"})
    assert response.status_code == 302 and response.location.endswith(f"/fiches/{world.sheet}#essais")
    client.post("/deconnexion")

    sheet = client.get(f"/fiches/{world.sheet}").get_data(as_text=True)
    assert "Essayée par 1 structure dans 1 commune" in sheet
    english = client.get(f"/fiches/{world.sheet}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tried by 1 structure in 1 town" in english and "Recommends it: Yes" in english
    assert "Des parents qui n&#39;entraient jamais sont venus." in sheet and "Centre social des Tilleuls" in sheet
    structure = client.get(f"/structures/{world.centre}").get_data(as_text=True)
    assert "Pratiques essayées ici" in structure and "Café des parents du vendredi" in structure
    api = client.get(f"/api/fiches/{world.sheet}/essais").get_json()
    assert (api["structures"], api["cities"], len(api["trials"])) == (1, 1, 1)
    layer = client.get("/api/carte/essais.geojson")
    assert layer.mimetype == "application/geo+json"
    [feature] = layer.get_json()["features"]
    assert feature["properties"]["id"] == world.centre and feature["properties"]["count"] == 1
    assert "Les plus essayées" in client.get("/fiches").get_data(as_text=True)
    assert client.get("/fiches?tri=tried").status_code == 200


def test_a_member_cannot_approve_and_a_refusal_says_why(app, client, login, world):
    login(world.member)
    _record(client, world)
    assert "Essais à valider" not in client.get("/fiches").get_data(as_text=True)  # a member has no queue
    [trial_id] = _trial_ids(app)
    assert client.post(f"/essais/{trial_id}/valider").status_code == 403
    client.post("/deconnexion")
    login(world.coord_ef)  # coordinates the other network
    assert client.post(f"/essais/{trial_id}/valider").status_code == 403
    assert "Des parents" not in client.get("/essais/a-valider").get_data(as_text=True)
    client.post("/deconnexion")
    login(world.coord_cs)
    refused = client.post(f"/essais/{trial_id}/refuser", data={"reason": ""})
    assert refused.status_code == 400 and "est vide" in refused.get_data(as_text=True)
    client.post(f"/essais/{trial_id}/refuser", data={"reason": "Ce café n'a pas eu lieu ici."})
    client.post("/deconnexion")
    login(world.member)
    sheet = client.get(f"/fiches/{world.sheet}").get_data(as_text=True)
    assert "Refusé" in sheet and "Ce café n&#39;a pas eu lieu ici." in sheet
    assert client.post(f"/essais/{trial_id}/retirer").status_code == 302
    assert _trial_ids(app) == []


def test_recording_needs_an_account_and_a_published_sheet(client, login, world):
    response = client.get(f"/fiches/{world.sheet}/essais/nouveau")
    assert response.status_code == 302 and "/connexion" in response.location
    login(world.member)
    assert client.get(f"/fiches/{world.draft}/essais/nouveau").status_code == 403
    assert client.get("/fiches/999999/essais/nouveau").status_code == 404


@pytest.mark.parametrize(("extra", "testid", "words"), [
    ({"changes": "x" * 5000}, "error-changes", "trop long"),
    ({"with_whom": "y" * 1000}, "error-with_whom", "trop long"),
    ({"tried_on": "2026-02-31"}, "error-tried_on", "date valide"),
    ({"tried_on": "2999-01-01"}, "error-tried_on", "futur"),
    ({"tried_on": "'; DROP TABLE practice_trial; --"}, "error-tried_on", "date valide"),
    ({"structure_id": "999999"}, "error-structure_id", "pas sur la carte"),
    ({"structure_id": "-1"}, "error-structure_id", "Choisissez la structure"),
    ({"structure_id": "99999999999999999999"}, "error-structure_id", "Choisissez la structure"),
    ({"structure_id": None}, "error-structure_id", "Choisissez la structure"),
    ({"recommend": "<script>"}, "error-recommend", "recommandez"),
    ({"changes": "a\x00b"}, "error-changes", "caractères invalides"),
])
def test_hostile_input_is_a_400_in_french_never_a_500(app, client, login, world, extra, testid, words):
    login(world.member)
    response = _record(client, world, **extra)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'data-testid="{testid}"' in page and words in page
    assert _trial_ids(app) == []


def test_user_text_is_shown_escaped(app, client, login, world):
    login(world.member)
    _record(client, world, changes='<img src=x onerror="alert(1)"> Les parents', with_whom="<b>Équipe</b>")
    client.post("/deconnexion")
    login(world.admin)
    [trial_id] = _trial_ids(app)
    client.post(f"/essais/{trial_id}/valider")
    client.post("/deconnexion")
    page = client.get(f"/fiches/{world.sheet}").get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Les parents" in page and "<img src=x" not in page
    assert "&lt;b&gt;Équipe&lt;/b&gt;" in page
    layer = client.get("/api/carte/essais.geojson").get_json()
    assert layer["features"][0]["properties"]["practices"][0]["title"] == "Café des parents du vendredi"
