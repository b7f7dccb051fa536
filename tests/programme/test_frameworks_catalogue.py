"""The public frameworks catalogue (/dispositifs), its editing by coordinators, and the "Opportunités" of a
structure's page: frameworks used around it that it does not use yet, and whom to talk to."""

from __future__ import annotations

import pytest


def test_catalogue_pages_are_public_in_french_and_english(client, world):
    html = client.get("/dispositifs").get_data(as_text=True)
    for label in ("CLAS", "REAAP", "OEPRE", "Cité éducative", "Devoirs faits", "Convention de partenariat"):
        assert label in html
    page = client.get("/dispositifs/clas").get_data(as_text=True)
    assert "Contrat local d'accompagnement à la scolarité" in page and "CAF" in page
    assert "École Jean-Moulin" in page and "Centre social Eugénie-Cotton" in page  # structures using it
    assert "Modifier" not in page
    english = client.get("/dispositifs/clas?lang=en").get_data(as_text=True)
    assert "Local schooling support contract" in english and "Whom to contact" in english
    sheets = client.get("/dispositifs/devoirs_faits").get_data(as_text=True)
    assert "Un café des parents au CLAS" in sheets
    missing = client.get("/dispositifs/inconnu", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_coordinators_edit_a_framework_and_text_is_sanitised(client, login, world):
    login(world.member)
    assert client.post("/dispositifs/clas/modifier", data={"label": "CLAS"}).status_code == 403
    client.post("/deconnexion")
    login(world.admin)
    response = client.post("/dispositifs/clas/modifier", data={
        "label": "CLAS", "purpose": "Aide aux devoirs <script>alert(1)</script>\n\n- un\n- deux",
        "contact": "La CAF", "url": "javascript:alert(1)"})
    assert response.status_code == 400 and "https://" in response.get_data(as_text=True)
    response = client.post("/dispositifs/clas/modifier", data={
        "label": "CLAS", "purpose": "Aide aux devoirs <script>alert(1)</script>", "purpose_en": "",
        "operators": "- la CAF\n- deux",
        "contact": "La CAF du Rhône", "url": "https://www.caf.fr/partenaires"})
    assert response.status_code == 302
    page = client.get("/dispositifs/clas").get_data(as_text=True)
    assert "alert(1)" not in page and "<li>deux</li>" in page and "La CAF du Rhône" in page
    english = client.get("/dispositifs/clas?lang=en").get_data(as_text=True)
    assert "Aide aux devoirs" in english  # no English text written: the French one


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_editing_a_framework_needs_the_csrf_token(client, world):
    from tests.conftest import PASSWORD

    token = client.get("/connexion").get_data(as_text=True).split(
        'name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/connexion", data={"email": world.admin.email, "password": PASSWORD, "csrf_token": token})
    refused = client.post("/dispositifs/clas/modifier", data={"label": "CLAS"})
    assert refused.status_code == 400
    assert "CLAS" in client.get("/dispositifs/clas").get_data(as_text=True)


def test_a_schools_opportunities_name_frameworks_around_it_and_whom_to_ask(client, world):
    html = client.get(f"/structures/{world.neighbour}").get_data(as_text=True)
    section = html.split('id="opportunites"')[1].split("<h2>")[0]
    # The neighbour uses CLAS and OEPRE (its link); its partner centre also runs the REAAP with the school;
    # a published sheet of its city files Devoirs faits.
    assert "REAAP" in section and "Devoirs faits" in section
    assert "CLAS" not in section and "OEPRE" not in section
    # Both ends of the school-centre link use the REAAP near the neighbour: both are named to talk to.
    reaap = section.split("REAAP")[1].split("</li>")[0]
    assert "Centre social Eugénie-Cotton" in reaap and "École Jean-Moulin" in reaap
    far = client.get(f"/structures/{world.far}").get_data(as_text=True).split('id="opportunites"')[1]
    assert "Aucun dispositif" in far.split("<h2>")[0]


def test_a_refused_text_is_named_as_on_the_form(app, session, world):
    from workshop.accounts.models import User
    from workshop.errors import ValidationError
    from workshop.frameworks import catalogue

    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        catalogue.save_entry(session, session.get(User, world.admin.id), "clas",
                             {"label": "CLAS", "operators_en": "x" * 4001})
    assert "Qui le porte et le finance (anglais)" in refused.value.message and refused.value.field == "operators_en"
