"""Imports: the Annuaire, the ANCT QPV list and outlines, the structures template; malformed files too."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.mapping.conftest import ANNUAIRE_HEADER, annuaire_file, annuaire_row
from workshop.extensions import db
from workshop.mapping.imports import structures as structures_import
from workshop.mapping.imports.report import ImportReport, make_scope
from workshop.mapping.imports.run import run_import
from workshop.mapping.models import City, Qpv, Structure, StructureContact
from workshop.writes import Writes


def run(app, data: bytes, fmt: str, **kwargs) -> ImportReport:
    """Import as the CLI and the admin page do: commit what the report says to keep, roll the rest back."""
    with app.app_context():
        report = run_import(db.session, data, fmt, **kwargs)
        if report.should_commit:
            db.session.commit()
        else:
            db.session.rollback()
        return report


def structures(app) -> dict[str, Structure]:
    with app.app_context():
        rows = db.session.scalars(select(Structure)).all()
        db.session.expunge_all()
        return {s.uai or s.name: s for s in rows}


def count(app, model=Structure) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- Annuaire --------------------------------------------------------------------------------------------


def test_annuaire_with_bom_imports_schools_with_kind_priority_and_city(app):
    data = annuaire_file(
        annuaire_row("0930612F"),
        annuaire_row("0930613G", name="École maternelle Louise Michel", maternelle="1", elementaire="0",
                     priority="Hors EP"),
        annuaire_row("0931234K", name="Collège Pablo Neruda", kind="Collège", priority="REP"),
    )
    report = run(app, data, "annuaire")
    assert report.ok and report.counts["created"] == 3 and not report.rejected
    found = structures(app)
    assert found["0930612F"].kind == "ecole_elementaire" and found["0930612F"].priority == "REP+"
    assert found["0930613G"].kind == "ecole_maternelle" and found["0930613G"].priority is None
    assert found["0931234K"].kind == "college" and found["0931234K"].latitude == pytest.approx(48.9356)
    with app.app_context():
        assert db.session.get(City, "93066").name == "Saint-Denis"


def test_annuaire_api_lowercase_header_without_bom_is_recognised(app):
    header = ANNUAIRE_HEADER.lower()
    report = run(app, annuaire_file(annuaire_row("0930612F"), bom=False, header=header), "annuaire")
    assert report.ok and report.counts["created"] == 1


def test_unrecognised_header_imports_nothing_and_names_missing_columns(app):
    data = annuaire_file("0930612F;École;Ecole", header="UAI_bis;Nom_etablissement;Type_etablissement")
    report = run(app, data, "annuaire")
    assert not report.ok
    assert "Identifiant_de_l_etablissement" in report.missing_columns and "Code_commune" in report.missing_columns
    assert "Nom_etablissement" not in report.missing_columns
    assert count(app) == 0


def test_bad_rows_are_rejected_with_line_number_and_reason_others_imported(app):
    data = annuaire_file(
        annuaire_row("0930612F"),                       # line 2: fine
        annuaire_row("093612F"),                        # line 3: bad UAI
        annuaire_row("0930614H", lat="148.2"),          # line 4: latitude out of range
        annuaire_row("0930615J", lon="abc"),            # line 5: unreadable longitude
        annuaire_row("0930616K", lat="48.9", lon=""),   # line 6: half coordinates
        annuaire_row("0930617L", insee="ABCDE"),        # line 7: bad INSEE code
    )
    report = run(app, data, "annuaire")
    assert report.counts["created"] == 1 and report.counts["rejected"] == 5
    lines = dict(report.rejected)
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "UAI invalide" in lines[3] and "093612F" in lines[3]
    assert "latitude" in lines[4] and "148.2" in lines[4]
    assert "longitude" in lines[5]
    assert "Ligne 4 rejetée" in "\n".join(report.lines())
    assert set(structures(app)) == {"0930612F"}


def test_closed_skipped_missing_coordinates_reported_duplicates_merged(app):
    data = annuaire_file(
        annuaire_row("0930612F", etat="FERME"),
        annuaire_row("0930613G", lat="", lon=""),
        annuaire_row("0930614H", lat="", lon=""),
        annuaire_row("0930614H", lat="48.94", lon="2.36", name="École élémentaire Jean Jaurès (site 2)"),
    )
    report = run(app, data, "annuaire")
    assert report.counts["closed"] == 1 and report.counts["merged"] == 1
    assert report.counts["created"] == 2 and report.counts["not_on_map"] == 1
    found = structures(app)
    assert "0930612F" not in found
    assert found["0930613G"].latitude is None  # imported, just not on the map
    assert found["0930614H"].latitude == pytest.approx(48.94)  # the second row filled the gap


def test_reimport_updates_by_uai_and_never_duplicates(app):
    run(app, annuaire_file(annuaire_row("0930612F"), annuaire_row("0930613G")), "annuaire")
    report = run(app, annuaire_file(annuaire_row("0930612F", name="École élémentaire Jean Jaurès A"),
                                    annuaire_row("0930613G"), annuaire_row("0930614H")), "annuaire")
    assert (report.counts["created"], report.counts["updated"], report.counts["unchanged"]) == (1, 1, 1)
    assert count(app) == 3
    assert structures(app)["0930612F"].name == "École élémentaire Jean Jaurès A"


def test_dry_run_writes_nothing_but_reports_the_same(app):
    report = run(app, annuaire_file(annuaire_row("0930612F")), "annuaire", dry_run=True)
    assert report.dry_run and report.counts["created"] == 1
    assert count(app) == 0 and count(app, City) == 0


def test_a_file_writing_more_than_one_import_may_is_refused_whole_even_in_a_dry_run(app, monkeypatch):
    """The national annuaire unfiltered (~65,000 schools) would hold every live board while it is written
    (269 ms at 50,000 rows, bench/import_flood.py): over the limit, nothing is written and the report says to
    choose a département; a re-import counts its changes too."""
    from workshop.mapping.imports import store

    monkeypatch.setattr(store, "MAX_WRITTEN", 2)
    three = annuaire_file(*(annuaire_row(f"093061{i}F") for i in range(3)))
    for dry_run in (True, False):
        report = run(app, three, "annuaire", dry_run=dry_run)
        assert not report.should_commit and report.error_code == "invalid"
        assert "3 lignes" in report.error and "choisissez un département" in report.error
        assert count(app) == 0 and count(app, City) == 0
    assert run(app, annuaire_file(*(annuaire_row(f"093061{i}F") for i in range(2))), "annuaire").should_commit
    changed = annuaire_file(*(annuaire_row(f"093061{i}F", name="École renommée") for i in range(3)))
    assert run(app, changed, "annuaire").error  # one new, two changed
    assert {s.name for s in structures(app).values()} == {"École élémentaire Jean Jaurès"}


def test_departement_and_city_filters_keep_only_the_programme(app):
    data = annuaire_file(annuaire_row("0930612F"), annuaire_row("0691234A", insee="69123", city="Lyon"),
                         annuaire_row("0930613G", insee="93001", city="Aubervilliers"))
    report = run(app, data, "annuaire", scope=make_scope("093"))
    assert report.counts["created"] == 2 and report.counts["filtered"] == 1
    report = run(app, data, "annuaire", dry_run=True, scope=make_scope(None, "93001"))
    assert report.counts["filtered"] == 2
    with pytest.raises(ValueError, match="Département inconnu"):
        make_scope("999")


def test_windows_1252_file_is_read_and_said(app):
    data = annuaire_file(annuaire_row("0930612F", name="École Barbès"), bom=False).decode().encode("cp1252")
    report = run(app, data, "annuaire")
    assert report.counts["created"] == 1 and report.notes
    assert structures(app)["0930612F"].name == "École Barbès"


def test_other_establishment_types_are_counted_not_imported(app):
    report = run(app, annuaire_file(annuaire_row("0930612F", kind="Médico-social")), "annuaire")
    assert report.counts["other_type"] == 1 and count(app) == 0


# --- ANCT QPV list ---------------------------------------------------------------------------------------

QPV_HEADER = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci;;"


def test_qpv_list_with_its_known_pitfalls(app):
    rows = [
        'QN09301M;Franc Moisin - Bel Air;11;Île-de-France;93;Seine-Saint-Denis;93066;Saint-Denis;200054781;EPT;;',
        '="QN09302M";Les Courtillières;11;Île-de-France;="93";Seine-Saint-Denis;="93055, 93008";'
        '"Pantin, Bobigny";200054781;EPT;;',
        'QN00101M;Quartier de l\'Ain;84;AURA;1;Ain;1053;Bourg-en-Bresse;200071751;CA;;',
        'XX;Sans code;11;IDF;93;SSD;93066;Saint-Denis;;;;',
    ]
    data = b"\xef\xbb\xbf" + "\r\n".join([QPV_HEADER, *rows]).encode()
    report = run(app, data, "qpv")
    assert report.counts["created"] == 3 and report.rejected[0][0] == 5
    with app.app_context():
        courtillieres = db.session.get(Qpv, "QN09302M")
        assert courtillieres.cities == ["93055", "93008"]
        assert db.session.get(City, "93008").name == "Bobigny"
        ain = db.session.get(Qpv, "QN00101M")
        assert ain.cities == ["01053"] and ain.departement == "01"
    again = run(app, data, "qpv", scope=make_scope("93"))
    assert again.counts["unchanged"] == 2 and again.counts["filtered"] == 1 and count(app, Qpv) == 3


def test_qpv_list_bad_header(app):
    report = run(app, b"code;nom\nQN09301M;X\n", "qpv")
    assert set(report.missing_columns) == {"code_qp", "lib_qp", "insee_com"} and count(app, Qpv) == 0


# --- QPV outlines ----------------------------------------------------------------------------------------


def square(lon: float, lat: float, half: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


def outlines(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features]}).encode()


def test_outlines_mark_structures_inside_but_not_hand_set_ones(app, make_structure):
    inside = make_structure("Centre social dedans", lat=48.935, lon=2.355)
    outside = make_structure("Centre social dehors", lat=48.80, lon=2.20)
    by_hand = make_structure("Centre social à la main", lat=48.935, lon=2.356, qpv_code="QN09399Z", qpv_manual=True)
    data = outlines(({"code_qp": "QN09301M", "lib_qp": "Franc Moisin", "insee_com": "93066"}, square(2.355, 48.935)),
                    ({"code_qp": "QN09301M", "lib_qp": "Franc Moisin", "insee_com": "93001"}, square(2.37, 48.935)),
                    ({"code_qp": "QN09302M", "lib_qp": "Lambert"}, {"type": "Polygon", "coordinates": [[
                        [650000, 6860000], [651000, 6860000], [651000, 6861000], [650000, 6860000]]]}))
    report = run(app, data, "qpv-outlines")
    assert report.counts["created"] == 1 and report.counts["in_qpv"] == 1
    assert report.rejected and report.rejected[0][0] == 3 and "WGS84" in report.rejected[0][1]
    with app.app_context():
        assert db.session.get(Structure, inside).qpv_code == "QN09301M"
        assert db.session.get(Structure, outside).qpv_code is None
        assert db.session.get(Structure, by_hand).qpv_code == "QN09399Z"
        # two pieces (one per commune) became one outline
        assert db.session.get(Qpv, "QN09301M").outline["type"] == "Polygon"


def test_outlines_without_code_property_or_not_geojson(app):
    assert run(app, outlines(({"name": "x"}, square(2.3, 48.9))), "qpv-outlines").missing_columns == ["code_qp"]
    assert "illisible" in run(app, b"{not json", "qpv-outlines").error
    assert count(app, Qpv) == 0


def test_annuaire_after_outlines_marks_new_schools(app):
    run(app, outlines(({"code_qp": "QN09301M", "lib_qp": "Franc Moisin"}, square(2.3539, 48.9356))), "qpv-outlines")
    run(app, annuaire_file(annuaire_row("0930612F")), "annuaire")
    assert structures(app)["0930612F"].qpv_code == "QN09301M"


# --- Structures template ---------------------------------------------------------------------------------


def test_template_download_is_itself_importable(app, client):
    from workshop.networks import service as networks

    with app.app_context():
        networks.ensure_network(db.session, *networks.DEMO_NETWORKS[0])
        db.session.commit()
    response = client.get("/carte/modele-structures.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    report = run(app, response.data, "structures")
    assert report.ok and report.counts["created"] == 2, report.lines()
    found = structures(app)
    centre = found["Centre social Floréal"]
    assert centre.qpv_code == "QN09321M" and centre.qpv_manual
    assert found["0930612F"].kind == "ecole_elementaire" and found["0930612F"].priority == "REP+"
    with app.app_context():
        centre = db.session.scalar(select(Structure).where(Structure.name == "Centre social Floréal"))
        assert [n.slug for n in centre.networks] == ["centres-sociaux"]
        assert [(c.role, c.email) for c in centre.contacts] == [("referent_familles",
                                                                 "familles@cs-floreal.example.org")]
    again = run(app, response.data, "structures")
    assert again.counts["unchanged"] == 2 and count(app) == 2 and count(app, StructureContact) == 2


def test_structures_template_rejects_bad_rows(app):
    header = "type;nom;uai;code_insee;commune;latitude;longitude;email_contact;role_contact;reseaux"
    rows = ["Centre social;Centre social Les Tilleuls;;93066;Saint-Denis;48.93;2.35;;;",
            "piscine;Piscine;;93066;Saint-Denis;;;;;",
            "ecole_primaire;École X;12AB;93066;Saint-Denis;;;;;",
            "association;Asso;;93066;Saint-Denis;91;2.3;;;",
            "association;Asso 2;;93066;Saint-Denis;;;pas-un-email;animateur;",
            "association;Asso 3;;93066;Saint-Denis;;;;;réseau-fantôme"]
    report = run(app, "\n".join([header, *rows]).encode(), "structures")
    assert report.counts["created"] == 1
    reasons = dict(report.rejected)
    assert "type inconnu" in reasons[3] and "UAI invalide" in reasons[4] and "latitude" in reasons[5]
    assert "e-mail" in reasons[6] and "réseau inconnu" in reasons[7]
    assert structures(app)["Centre social Les Tilleuls"].kind == "centre_social"  # French label accepted


# --- CLI -------------------------------------------------------------------------------------------------


def test_cli_prints_report_and_rejected_lines(app, runner, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(annuaire_file(annuaire_row("0930612F"), annuaire_row("BAD"), annuaire_row("0930613G",
                                                                                               etat="FERME")))
    result = runner.invoke(args=["import-structures", str(path), "--format", "annuaire", "--departement", "93"])
    assert result.exit_code == 0, result.output
    assert "créées : 1" in result.output and "établissements fermés ignorés : 1" in result.output
    assert "Ligne 3 rejetée : UAI invalide" in result.output
    assert count(app) == 1


def test_cli_dry_run_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(annuaire_file(annuaire_row("0930612F")))
    result = runner.invoke(args=["import-structures", str(path), "--format", "annuaire", "--dry-run"])
    assert result.exit_code == 0 and "simulation" in result.output and "créées : 1" in result.output
    assert count(app) == 0


@pytest.mark.parametrize("args, message", [
    (["--format", "annuaire", "--departement", "XX"], "Département inconnu"),
    (["--format", "pdf"], "Invalid value"),
    ([], "Missing option"),
])
def test_cli_bad_arguments_exit_non_zero(runner, tmp_path, args, message):
    path = tmp_path / "f.csv"
    path.write_bytes(annuaire_file(annuaire_row("0930612F")))
    result = runner.invoke(args=["import-structures", str(path), *args])
    assert result.exit_code != 0 and message in result.output


def test_cli_unrecognised_header_exits_non_zero_and_names_columns(app, runner, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a;b;c\n1;2;3\n")
    result = runner.invoke(args=["import-structures", str(path), "--format", "annuaire"])
    assert result.exit_code == 1 and "Identifiant_de_l_etablissement" in result.output and count(app) == 0
    missing = runner.invoke(args=["import-structures", str(tmp_path / "nope.csv"), "--format", "annuaire"])
    assert missing.exit_code == 2 and "does not exist" in missing.output


# --- A failure half-way leaves nothing written ---------------------------------------------------------------


def _nothing_written(app) -> None:
    from workshop.mapping.models import structure_network

    assert count(app) == 0 and count(app, City) == 0 and count(app, StructureContact) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(structure_network)) == 0


def test_database_error_after_some_rows_rolls_the_whole_import_back(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from workshop.networks import service as networks

    with app.app_context():
        networks.ensure_network(db.session, *networks.DEMO_NETWORKS[0])
        db.session.commit()
    template = client.get("/carte/modele-structures.csv").data
    real_save, saved = structures_import._save_structure, []

    def save_then_fail(session, record, report):
        if saved:  # the first row is written (and flushed) before the database fails on the second
            raise OperationalError("INSERT INTO structure", {}, Exception("disk I/O error"))
        saved.append(real_save(session, record, report))
        return saved[-1]

    monkeypatch.setattr(structures_import, "_save_structure", save_then_fail)
    report = run(app, template, "structures")
    assert len(saved) == 1 and not report.ok
    assert "rien n'a été importé" in report.error and "disk I/O error" in report.error
    _nothing_written(app)


def test_unexpected_error_after_the_bulk_insert_rolls_back_and_is_raised(app, client, login, make_user, runner,
                                                                         tmp_path, monkeypatch):
    def then_fail(write):
        def written(self, step, *args):
            write(self, step, *args)
            if step.table.name == "structure":
                raise RuntimeError("panne après l'écriture des structures")
        return written

    monkeypatch.setattr(Writes, "_copy", then_fail(Writes._copy))  # SQLite: copied from the staged rows
    monkeypatch.setattr(Writes, "_write", then_fail(Writes._write))  # PostgreSQL: the bulk statements
    data = annuaire_file(annuaire_row("0930612F"), annuaire_row("0930613G", insee="93001", city="Aubervilliers"))
    with app.app_context():
        with pytest.raises(RuntimeError):
            run_import(db.session, data, "annuaire")
        db.session.rollback()  # the service only flushed: its caller rolls back on any error
        assert db.session.scalar(select(func.count(Structure.id))) == 0
        db.session.commit()
    _nothing_written(app)
    # the two fronts do so: the CLI fails, the admin page answers 500, and nothing is left behind
    path = tmp_path / "annuaire.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["import-structures", str(path), "--format", "annuaire"])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    _nothing_written(app)
    login(make_user("admin"))
    page = client.post("/admin/cartographie/import", content_type="multipart/form-data", follow_redirects=True,
                       data={"format": "annuaire", "departement": "", "cities": "",
                             "file": (__import__("io").BytesIO(data), "a.csv")})  # the page of the import's job
    assert page.status_code == 500
    _nothing_written(app)
    monkeypatch.undo()
    assert run(app, data, "annuaire").counts["created"] == 2 and count(app) == 2
