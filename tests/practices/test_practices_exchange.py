"""JSON exchange: round trip with provenance and versions, per-item report, never a duplicate; CLI."""

from __future__ import annotations

import json

import pytest

from tests.board_helpers import act
from tests.conftest import make_config
from tests.practices.conftest import sheet
from workshop import create_app
from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db
from workshop.networks import service as networks
from workshop.practices import exchange, provenance, reviews, rights, sheets, versions


def _exported(app, people) -> dict:
    with app.test_request_context():
        admin, member = db.session.get(User, people.admin.id), db.session.get(User, people.member.id)
        workshop = boards.create_workshop(db.session, db.session.get(User, people.coord_cs.id), "Atelier source")
        nadia = boards.join(db.session, {"code": workshop.code, "name": "Nadia"}).participant
        card = act(db.session, nadia, "card.add", {"client_id": "a1", "column": "obstacle", "text": "Peur de l'école"})
        practice, _ = provenance.create_from_cards(db.session, db.session.get(User, people.coord_cs.id), workshop.id,
                                                [card.card["id"]], "Fiche de l'atelier")
        # What the quality gate asks before publishing (version 2), then the change the diff shows (version 3).
        sheets.update_practice(db.session, admin, practice.id, {
            **sheets.snapshot(practice), "summary": "Un café des parents.", "context": "<p>Les parents hésitent.</p>",
            "cities": ["Roubaix"], "transferability": "<p>Partout.</p>"}, 1)
        sheets.update_practice(db.session, admin, practice.id,
                                {**sheets.snapshot(practice), "levers": "<p>Un <strong>café</strong></p>"}, 2)
        reviews.transition(db.session, admin, practice.id, "submit")
        reviews.transition(db.session, admin, practice.id, "publish")
        sheets.create_practice(db.session, member, sheet(title="Deuxième fiche", networks=[people.net_ef]))
        db.session.commit()
        return exchange.export_practices(db.session, admin)


@pytest.fixture
def other_app(tmp_path):
    """A second instance (the other network's), on its own database."""
    app = create_app(make_config(tmp_path, f"sqlite:///{tmp_path / 'other.db'}"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_round_trip_keeps_content_provenance_and_versions_and_never_duplicates(app, people, other_app):
    data = json.loads(json.dumps(_exported(app, people)))  # through real JSON
    assert [p["title"] for p in data["practices"]] == ["Fiche de l'atelier", "Deuxième fiche"]
    with other_app.test_request_context():
        admin = accounts.create_user(db.session, "admin@ailleurs.fr", "Admin Ailleurs", "admin", "motdepasse-1")
        networks.ensure_network(db.session, *networks.DEMO_NETWORKS[1])  # only the school-families network here
        reports = exchange.import_practices(db.session, admin, data)
        assert [r.outcome for r in reports] == ["created", "created"]
        assert any("Réseaux inconnus ignorés" in w for w in reports[0].warnings)
        imported = rights.get_by_uuid(db.session, data["practices"][0]["uuid"])
        assert imported.title == "Fiche de l'atelier" and imported.status == "published"
        assert imported.levers == "<p>Un <strong>café</strong></p>"
        assert imported.provenance["workshop_title"] == "Atelier source"
        assert imported.provenance["cards"][0]["text"] == "Peur de l'école"
        assert [(v.number, v.author_name) for v in versions.versions(db.session, imported.id)] == \
            [(3, "Admin"), (2, "Admin"), (1, "Coord Cs")]
        assert [d.field for d in versions.diff(db.session, imported.id, 2, 3)] == ["levers"]
        second = rights.get_by_uuid(db.session, data["practices"][1]["uuid"])
        assert [n.slug for n in second.networks] == ["ecole-familles"]
        again = exchange.import_practices(db.session, admin, data)
        assert [r.outcome for r in again] == ["skipped", "skipped"]
        from workshop.practices import search

        found = search.search(db.session, search.Query(text="atelier"), None)
        assert [h.practice.title for h in found.hits] == ["Fiche de l'atelier"]


def test_each_item_is_validated_alone(app, people, other_app):
    data = _exported(app, people)
    good = data["practices"][0]
    bad_script = {**data["practices"][1], "context": "<script>alert(1)</script>ok"}
    items = [good, {**good, "uuid": "pas-un-uuid"}, {**good, "uuid": "3f0e9a4e-8d4f-4f7e-9c1b-1234567890ab",
                                                       "title": ""},
             {**good, "uuid": "3f0e9a4e-8d4f-4f7e-9c1b-1234567890ac", "status": "volé"}, "pas un objet",
             bad_script]
    with other_app.test_request_context():
        admin = accounts.create_user(db.session, "admin@ailleurs.fr", "Admin", "admin", "motdepasse-1")
        member = accounts.create_user(db.session, "m@ailleurs.fr", "M", "member", "motdepasse-1")
        with pytest.raises(Exception) as caught:
            exchange.import_practices(db.session, member, {**data, "practices": items})
        assert caught.value.code == "forbidden"
        reports = exchange.import_practices(db.session, admin, {**data, "practices": items})
        assert [r.outcome for r in reports] == ["created", "rejected", "rejected", "rejected", "rejected", "created"]
        assert "UUID" in reports[1].reason and "(title)" in reports[2].reason
        assert "alert" not in rights.get_by_uuid(db.session, bad_script["uuid"]).context
        dry = exchange.import_practices(db.session, admin, {**data, "practices": [
            {**good, "uuid": "3f0e9a4e-8d4f-4f7e-9c1b-1234567890ad"}]}, dry_run=True)
        assert dry[0].outcome == "created"
        assert rights.get_by_uuid(db.session, "3f0e9a4e-8d4f-4f7e-9c1b-1234567890ad") is None
    with pytest.raises(Exception) as caught:
        exchange.load(b'{"format": "autre chose"}')
    assert caught.value.field == "file"


def test_cli_export_then_import(app, people, runner, tmp_path):
    _exported(app, people)
    out = tmp_path / "fiches.json"
    result = runner.invoke(args=["export-practices", "--output", str(out), "--all"])
    assert result.exit_code == 0 and "2 fiche(s)" in result.output
    result = runner.invoke(args=["import-practices", str(out), "--as", people.admin.email])
    assert result.exit_code == 0 and "déjà présentes : 2" in result.output
    result = runner.invoke(args=["import-practices", str(out), "--as", people.member.email])
    assert result.exit_code == 1 and "coordinateur" in result.output
    (tmp_path / "bad.json").write_text("[1, 2")
    result = runner.invoke(args=["import-practices", str(tmp_path / "bad.json"), "--as", people.admin.email])
    assert result.exit_code == 1 and "JSON" in result.output


def test_public_export_and_page_keep_card_authors_private(app, people, client):
    _exported(app, people)
    with app.test_request_context():
        public = exchange.export_practices(db.session, None)
        practice_id = rights.get_by_uuid(db.session, public["practices"][0]["uuid"]).id
    assert [p["title"] for p in public["practices"]] == ["Fiche de l'atelier"]
    assert public["practices"][0]["provenance"]["cards"][0] == {
        "id": public["practices"][0]["provenance"]["cards"][0]["id"], "column": "obstacle",
        "text": "Peur de l'école", "author": None}
    assert {v["author"] for v in public["practices"][0]["versions"]} == {""}
    page = client.get(f"/fiches/{practice_id}").get_data(as_text=True)
    assert "Peur de l&#39;école" in page and "Nadia" not in page
