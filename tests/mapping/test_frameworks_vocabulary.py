"""One frameworks list for the whole application: the link form, the map filter and the practice form offer each
framework once, under one key, and an admin's change to the list shows everywhere."""

from __future__ import annotations

import re

from workshop.extensions import db
from workshop.frameworks import service as frameworks


def test_link_form_and_map_filter_offer_each_framework_once(client, login, make_user, make_member,
                                                              make_structure):
    school = make_structure("École Jean Vilar", kind="ecole_elementaire")
    centre = make_structure("Centre social Floréal")
    member = make_user("member")
    make_member(member, school)
    login(member)
    form = client.get(f"/structures/{school}/declarer-un-lien").get_data(as_text=True)
    carte = client.get("/carte").get_data(as_text=True)
    choices = re.search(r'<select name="framework">(.*?)</select>', carte, re.S).group(1)
    for offered in (form, choices):
        assert offered.count("Mallette des parents") == 1 and offered.count("Convention de partenariat") == 1
    assert 'value="mallette"' in form + choices and "mallette_parents" not in form + carte
    response = client.post(f"/structures/{school}/declarer-un-lien",
                           data={"target": centre, "level": "cooperation", "formalisation": "framework",
                                 "frameworks": ["mallette"], "initiative": "both"})
    assert response.status_code == 302


def test_a_link_and_a_sheet_tagged_alike_are_found_by_the_same_key(client, make_structure, make_link):
    a = make_structure("Centre A", lat=48.90, lon=2.30)
    b = make_structure("École B", kind="ecole_primaire", lat=48.91, lon=2.31)
    make_link(a, b, frameworks=["mallette"])
    assert client.get("/api/carte.geojson?framework=mallette").json["meta"]["links"] == 1
    assert client.get("/api/carte.geojson?framework=mallette_parents").json["meta"]["links"] == 0


def test_an_admin_renaming_a_framework_renames_it_on_the_map_and_the_sheets(app, client, login, make_user):
    admin = make_user("admin")
    login(admin)
    response = client.post("/fiches/dispositifs", data={"key": "mallette", "label": "Mallette des familles"})
    assert response.status_code == 302
    with app.app_context():
        assert frameworks.labels(db.session)["mallette"] == "Mallette des familles"
        assert list(frameworks.labels(db.session)) == [key for key, _label in frameworks.DEFAULTS]
    assert "Mallette des familles" in client.get("/carte").get_data(as_text=True)
    assert "Mallette des familles" in client.get("/fiches/nouvelle").get_data(as_text=True)
    client.post("/fiches/dispositifs", data={"key": "mallette", "label": "Mallette des familles", "active": "0"})
    assert "Mallette des familles" not in client.get("/fiches/nouvelle").get_data(as_text=True)
