"""Issue #11, point 8 on the map: huge CSV fields and deeply nested GeoJSON are refused in French (never a 500),
structure names cannot hide or turn, and the import page accepts the size it says."""

from __future__ import annotations

import io
import json
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import PASSWORD
from tests.mapping.conftest import ANNUAIRE_HEADER, annuaire_file, annuaire_row
from tests.mapping.test_imports import count, run
from workshop.errors import ValidationError
from workshop.extensions import db
from workshop.mapping.models import Qpv, Structure

HUGE = "x" * 200_000  # over the csv module's 131,072-character field limit


def _import_page(client, data: bytes, fmt: str):
    """Post a file to the import page and follow it to its job's page, where the report shows."""
    return client.post("/admin/cartographie/import", content_type="multipart/form-data", follow_redirects=True,
                       data={"format": fmt, "departement": "", "cities": "", "file": (io.BytesIO(data), "f.csv")})


@pytest.mark.parametrize("fmt, data", [
    ("annuaire", annuaire_file(annuaire_row("0930612F"), annuaire_row("0930613G", name=HUGE))),
    ("structures", ("type;nom;code_insee;commune\ncentre_social;Centre social;93066;Saint-Denis\n"
                    f"association;\"{HUGE}\";93066;Saint-Denis\n").encode()),
    ("qpv", f"code_qp;lib_qp;insee_com\nQN09301M;{HUGE};93066\n".encode()),
    ("annuaire", (ANNUAIRE_HEADER + HUGE + "\n").encode()),  # in the header line itself
])
def test_a_field_over_the_csv_limit_refuses_the_file_in_french(app, fmt, data):
    report = run(app, data, fmt)
    assert not report.ok and not report.should_commit
    assert re.search(r"Fichier refusé, rien n'a été importé : la ligne \d+ contient un champ de plus de "
                     r"131\u202f072 caractères\.", report.error)
    assert count(app) == 0 and count(app, Qpv) == 0


def test_the_import_page_answers_a_huge_field_with_its_report_not_a_500(app, client, login, make_user):
    login(make_user("admin"))
    response = _import_page(client, annuaire_file(annuaire_row("0930612F"), annuaire_row("0930613G", name=HUGE)),
                            "annuaire")
    assert response.status_code == 400
    assert "Fichier refusé, rien n" in response.get_data(as_text=True)
    assert count(app) == 0


def _nested(depth: int) -> bytes:
    geometry = "[" * depth + "]" * depth
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code_qp": "QN09301M"},'
            f' "geometry": {{"type": "Polygon", "coordinates": {geometry}}}}}]}}').encode()


@pytest.mark.parametrize("depth", [40, 900, 5_000, 200_000])
def test_deeply_nested_geojson_is_refused_in_french(app, client, login, make_user, depth):
    report = run(app, _nested(depth), "qpv-outlines")
    assert not report.ok
    assert "Fichier GeoJSON illisible" in report.error
    assert "trop imbriquées" in report.error or "JSON valide" in report.error
    login(make_user("admin"))
    response = _import_page(client, _nested(depth), "qpv-outlines")
    assert response.status_code == 400 and "Fichier GeoJSON illisible" in response.get_data(as_text=True)
    assert count(app, Qpv) == 0


def test_ordinary_geojson_still_imports(app):
    square = [[[2.34, 48.92], [2.36, 48.92], [2.36, 48.94], [2.34, 48.94], [2.34, 48.92]]]
    data = json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code_qp": "QN09301M", "lib_qp": "Franc Moisin", "extra": {"a": [1]}},
        "geometry": {"type": "MultiPolygon", "coordinates": [square]}}]}).encode()
    assert run(app, data, "qpv-outlines").counts["created"] == 1


def test_structure_names_cannot_be_invisible_or_turned(app, make_structure, make_user):
    from workshop.accounts.models import User
    from workshop.mapping import structures

    structure_id = make_structure("Centre social des Tilleuls")
    admin = make_user("admin")
    with app.test_request_context():
        for name in ("\u200b\ufeff", "Centre\u202elaicos", "Centre\x00social", "Centre\nsocial"):
            with pytest.raises(ValidationError) as refused:
                structures.update_structure(db.session, db.session.get(User, admin.id), structure_id,
                                            {"name": name, "kind": "centre_social"})
            assert refused.value.field == "name" and refused.value.code == "invalid"
        db.session.rollback()
        assert db.session.get(Structure, structure_id).name == "Centre social des Tilleuls"


# --- The import page accepts the size it says -----------------------------------------------------------


def _post_multipart(client, path: str, fields: dict):
    """POST a big multipart body built in memory (the test client would spool it to a temporary file it never
    closes)."""
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "MAX_CONTENT_LENGTH": 1024 * 1024,
                                         "MAP_IMPORT_MAX_BYTES": 3 * 1024 * 1024}])
def test_import_page_accepts_up_to_the_size_it_states(app, client, make_user):
    admin = make_user("admin")
    token = _csrf(client.get("/connexion"))
    assert client.post("/connexion", data={"email": admin.email, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
    form = client.get("/admin/cartographie/import")
    assert "Fichier de 3 Mo au plus." in form.get_data(as_text=True)
    token = _csrf(form)
    padding = "\n" * (2 * 1024 * 1024)  # 2 MB: over the global limit, under the import page's
    accepted = _post_multipart(client, "/admin/cartographie/import", {
        "csrf_token": token, "format": "annuaire", "departement": "", "cities": "", "dry_run": "y",
        "file": FileStorage(io.BytesIO(annuaire_file(annuaire_row("0930612F")) + padding.encode()), "a.csv")})
    assert accepted.status_code == 303, accepted.status_code  # queued: its job's page shows the report
    assert "simulation" in client.get(accepted.headers["Location"]).get_data(as_text=True)
    refused = _post_multipart(client, "/admin/cartographie/import", {
        "csrf_token": token, "format": "annuaire", "departement": "", "cities": "",
        "file": FileStorage(io.BytesIO(b"x" * (4 * 1024 * 1024)), "a.csv")})
    assert refused.status_code == 413 and "Fichier trop volumineux" in refused.get_data(as_text=True)
    other = client.post("/connexion", data={"email": admin.email, "password": "x" * (2 * 1024 * 1024)})
    assert other.status_code == 413  # every other page keeps the global limit
