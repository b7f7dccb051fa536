"""Other formats (CSV, Markdown, JSON) and the CLI of the contract: export-toolkit and export-report."""

from __future__ import annotations

import csv
import io
import os
import uuid

import pytest

from tests.board_helpers import act
from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db


def test_csv_has_one_row_per_readable_practice_and_opens_in_a_french_spreadsheet(client, publish_practices):
    ids = publish_practices(3, summary="=HYPERLINK(\"http://mal.example\") résumé piégé")
    response = client.get("/fiches.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # BOM: accents survive in spreadsheet software
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert header[:3] == ["id", "titre", "type"] and "Freins rencontrés" in header
    assert [int(r[0]) for r in data] == ids
    row = dict(zip(header, data[0], strict=True))
    assert row["villes"] == "Tourcoing" and row["dispositifs"] == "REAAP | Cité éducative"
    assert row["résumé"].startswith("'=")  # never executed as a formula
    assert "cœur de l'école" in row["Objectifs"]
    only = client.get(f"/fiches.csv?ids={ids[1]}").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(only.lstrip("\ufeff")), delimiter=";"))) == 2


def test_practice_markdown_and_json(client, publish_practices):
    [practice_id] = publish_practices(1)
    markdown = client.get(f"/fiches/{practice_id}.md").get_data(as_text=True)
    assert markdown.startswith("# Café des parents n° 1 à Tourcoing")  # practice_data(1)
    assert "## Objectifs" in markdown and "- Créer un lieu de confiance au cœur de l'école" in markdown
    assert "1. Réunion de rentrée commune" in markdown
    assert "La coordonnatrice **REP+** fait le lien" in markdown
    assert "[cafe@exemple.fr](mailto:cafe@exemple.fr)" in markdown
    data = client.get(f"/fiches/{practice_id}.json").get_json()
    assert data["id"] == practice_id and data["frameworks"] == ["REAAP", "Cité éducative"]
    assert data["url"] == f"https://passerelles.exemple.fr/f/{practice_id}"
    assert [s["key"] for s in data["sections"]][:3] == ["context", "objectives", "steps"]


def test_toolkit_markdown_has_sections_in_order(app, client, coordinator, publish_practices, build):
    from workshop.accounts.models import User
    from workshop.toolkits import service

    ids = publish_practices(2)
    toolkit_id = build([("Deux", [ids[1]]), ("Un", [ids[0]])], "Recueil", introduction="Pour commencer.")
    with app.test_request_context():
        service.publish(db.session, db.session.get(User, coordinator.id), toolkit_id)
        db.session.commit()
    markdown = client.get(f"/boites-a-outils/{toolkit_id}.md").get_data(as_text=True)
    assert markdown.startswith("# Recueil") and "## Introduction\n\nPour commencer." in markdown
    assert markdown.index("## 1. Deux") < markdown.index("### Café des parents n° 2 ") < \
        markdown.index("## 2. Un") < markdown.index("### Café des parents n° 1 ")


# --- CLI ---------------------------------------------------------------------------------------------


@pytest.mark.slow  # a long PDF laid out: once per CI run (SQLite), not again on PostgreSQL
def test_export_toolkit_cli_writes_a_pdf_of_all_published_practices(runner, publish_practices, tmp_path):
    ids = publish_practices(3)
    output = tmp_path / "boite.pdf"
    result = runner.invoke(args=["export-toolkit", "--practices", "all", "--title", "Boîte « CLI »",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "3 fiche(s)" in result.output
    texts = page_texts(read_pdf(output.read_bytes()))
    assert "Boîte « CLI »" in flat(texts[0])
    assert all(any(f"Café des parents n° {n} " in flat(t) for t in texts) for n in range(1, len(ids) + 1))
    chosen = tmp_path / "deux.pdf"
    result = runner.invoke(args=["export-toolkit", "--practices", f"{ids[2]},{ids[0]}", "--output", str(chosen)])
    assert result.exit_code == 0, result.output
    assert "2 fiche(s)" in result.output


@pytest.mark.parametrize("spec, message", [
    ("999", "Fiches introuvables : 999"),
    ("1,abc", "Identifiants invalides : abc"),
    ("", "Indiquez « all »"),
])
def test_export_toolkit_cli_refuses_bad_ids_clearly(runner, publish_practices, tmp_path, spec, message):
    publish_practices(1)
    result = runner.invoke(args=["export-toolkit", "--practices", spec, "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_export_toolkit_cli_refuses_no_practices_and_unwritable_output(runner, publish_practices, tmp_path):
    result = runner.invoke(args=["export-toolkit", "--practices", "all", "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "Aucune fiche publiée" in result.output
    publish_practices(1)
    for output, message in ((tmp_path / "absent" / "x.pdf", "n'existe pas"), (tmp_path, "est un dossier"),
                            ("", "Indiquez un fichier de sortie")):
        result = runner.invoke(args=["export-toolkit", "--practices", "all", "--output", str(output)])
        assert result.exit_code == 1 and message in result.output, result.output
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = runner.invoke(args=["export-toolkit", "--practices", "all", "--output", str(locked / "x.pdf")])
        assert result.exit_code == 1 and "Impossible d'écrire" in result.output


def test_export_report_cli(app, runner, make_user, tmp_path):
    from workshop.accounts.models import User
    from workshop.boards import service as boards

    facilitator = make_user("facilitator")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Atelier « Rentrée »")
        person = boards.join(db.session, {"code": workshop.code, "name": "Inès"}).participant
        act(db.session, person, "card.add", {"client_id": uuid.uuid4().hex, "column": "lever",
                                             "text": "Une réunion commune, efficace et chaleureuse"})
        workshop_id = workshop.id
    output = tmp_path / "cr.pdf"
    result = runner.invoke(args=["export-report", str(workshop_id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = flat(" ".join(page_texts(read_pdf(output.read_bytes()))))
    assert "Atelier « Rentrée »" in text and "Une réunion commune, efficace et chaleureuse" in text
    for args, message in ((["export-report", "4242", "--output", str(output)], "Aucun atelier n° 4242"),
                          (["export-report", "abc", "--output", str(output)], "Identifiant d'atelier invalide"),
                          (["export-report", str(workshop_id), "--output", str(tmp_path / "no" / "x.pdf")],
                           "n'existe pas")):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, result.output
