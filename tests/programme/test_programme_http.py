"""The programme page and its forms over HTTP: who sees the budget, refused input (status, French message, code),
CSRF, the CSV and the bilan PDF read back, and the export-programme command."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdf
import pytest

from tests.conftest import PASSWORD

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _pdf_text(response) -> str:
    data = response.data
    response.close()  # the file sent from the PDF cache
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _add_line(client, world, **fields):
    data = {"budget-category": "restauration", "budget-label": "Pauses des rencontres", "budget-planned": "1 200,50",
            "budget-committed": "300", "budget-spent": "=HYPERLINK(1)", **fields}
    return client.post(f"/programmes/{world.programme_id}/budget", data=data)


def test_budget_is_for_the_programmes_coordinators_only(client, login, world):
    url = f"/programmes/{world.programme_id}"
    for who in (None, world.member, world.outsider):
        if who:
            login(who)
        html = client.get(url).get_data(as_text=True)
        assert "Écoles et centres sociaux 2026-2027" in html and "Indicateurs" in html
        assert 'id="budget"' not in html and "Ajouter une ligne budgétaire" not in html
        assert _add_line(client, world, **{"budget-spent": "0"}).status_code in (302, 403)
        assert "Budget" not in client.get(f"{url}/bilan.csv").get_data(as_text=True)
        client.post("/deconnexion")
    login(world.coordinator)
    assert _add_line(client, world, **{"budget-spent": "250,25"}).status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'id="budget"' in html and "1\u202f200,50\u00a0€" in html and "250,25\u00a0€" in html
    assert html.count("<td>Pauses des rencontres</td>") == 1  # none of the refused attempts added a line


def test_refused_amounts_dates_and_hours_say_why_in_french_with_a_code(client, login, world):
    login(world.coordinator)
    response = _add_line(client, world, **{"budget-planned": "12,345"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "au plus deux décimales" in html and 'data-error-code="invalid"' in html
    refused = client.post(f"/programmes/{world.programme_id}/temps", headers={"Accept": "application/json"},
                          data={"time-network": world.networks[0], "time-kind": "animation",
                                "time-worked_on": "32/13/2026", "time-hours": "2"})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "invalid" and refused.json["error"]["field"] == "worked_on"
    assert "JJ/MM/AAAA" in refused.json["error"]["message"]
    too_long = client.post(f"/programmes/{world.programme_id}/temps",
                           data={"time-network": world.networks[0], "time-kind": "animation",
                                 "time-worked_on": YESTERDAY, "time-hours": "30"})
    assert too_long.status_code == 400 and "24,00 au plus" in too_long.get_data(as_text=True)
    client.post("/deconnexion")
    login(world.member)
    forbidden = _add_line(client, world)
    assert forbidden.status_code == 403 and "coordinateur·rices du programme" in forbidden.get_data(as_text=True)


def test_a_member_records_time_and_sees_it_counted(client, login, world):
    login(world.member)
    response = client.post(f"/programmes/{world.programme_id}/temps",
                           data={"time-network": world.networks[0], "time-kind": "animation",
                                 "time-worked_on": YESTERDAY, "time-hours": "3,5", "time-person": "Nadia"})
    assert response.status_code == 302
    html = client.get(f"/programmes/{world.programme_id}").get_data(as_text=True)
    assert "3,50 h" in html
    assert "Nadia ·" not in html  # the names of who worked are for coordinators


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "PDF_RENDER_INLINE": True}])
def test_forms_need_their_csrf_token(client, login, world):
    page = client.get("/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/connexion", data={"email": world.coordinator.email, "password": PASSWORD, "csrf_token": token})
    refused = _add_line(client, world)
    assert refused.status_code == 400 and "Le formulaire a expiré" in refused.get_data(as_text=True)
    html = client.get(f"/programmes/{world.programme_id}").get_data(as_text=True)
    token = html.split('name="budget-csrf_token" type="hidden" value="')[1].split('"')[0]
    assert _add_line(client, world, **{"budget-csrf_token": token, "budget-spent": "0"}).status_code == 302


def test_csv_is_injection_safe_and_the_bilan_pdf_reads_back(client, login, world):
    login(world.coordinator)
    _add_line(client, world, **{"budget-label": "=cmd|' /C calc'!A0", "budget-spent": "100"})
    csv_text = client.get(f"/programmes/{world.programme_id}/bilan.csv").get_data(as_text=True)
    assert "'=cmd|" in csv_text and "\n,Restauration,=cmd" not in csv_text
    assert "1200.50,300.00,100.00" in csv_text
    response = client.get(f"/programmes/{world.programme_id}/bilan.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response)
    assert "Bilan du programme" in text and "Restauration" in text and "1 200,50 €" in text
    assert "2/3" in text and "communes couvertes" in text and "Rencontres collectives" in text
    assert "essais de pratiques validés pendant la période" in text  # none yet: 0 (0 fiches, ...)
    assert "Essais de pratiques validés pendant la période,0" in csv_text
    english = client.get(f"/programmes/{world.programme_id}/bilan.pdf?lang=en")
    text = _pdf_text(english)
    assert "Programme report" in text and "Catering" in text and "€1,200.50" in text and "Restauration" not in text
    client.post("/deconnexion")
    public = client.get(f"/programmes/{world.programme_id}/bilan.pdf?lang=fr")
    text = _pdf_text(public)
    assert "Indicateurs" in text and "Restauration" not in text  # no budget for a visitor


def test_export_programme_cli(runner, world, tmp_path):
    output = tmp_path / "bilan.pdf"
    result = runner.invoke(args=["export-programme", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Écoles et centres sociaux 2026-2027" in result.output
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(output).pages)
    assert "Bilan du programme" in text and "Indicateurs" in text and "Budget" in text
    for args, message in ((["export-programme", "abc", "--output", str(output)], "invalide"),
                          (["export-programme", "999", "--output", str(output)], "Aucun programme n° 999"),
                          (["export-programme", "--output", str(tmp_path)], "dossier")):
        refused = runner.invoke(args=args)
        assert refused.exit_code != 0 and message in refused.output


def test_export_programme_without_any_programme(runner, tmp_path):
    result = runner.invoke(args=["export-programme", "--output", str(tmp_path / "b.pdf")])
    assert result.exit_code != 0 and "Aucun programme" in result.output


def test_coordinators_name_and_remove_coordinators_on_the_edit_page(client, login, world):
    edit, budget = f"/programmes/{world.programme_id}/modifier", f"/programmes/{world.programme_id}"
    add = f"/programmes/{world.programme_id}/coordinateurs"

    def remove(user):
        return client.post(f"{add}/{user.id}/retirer")

    login(world.outsider)
    refused = client.post(add, data={"coordinator-email": world.outsider.email})
    assert refused.status_code == 403 and world.coordinator.email not in refused.get_data(as_text=True)
    assert remove(world.coordinator).status_code == 403
    client.post("/deconnexion")

    login(world.coordinator)
    html = client.get(edit).get_data(as_text=True)
    assert "Karim Coordinateur" in html and "Claire Coordination" in html and world.admin.email in html
    unknown = client.post(add, data={"coordinator-email": "personne@exemple.fr"})
    assert unknown.status_code == 400 and "Aucun compte avec cette adresse e-mail." in unknown.get_data(as_text=True)
    assert client.post(add, data={"coordinator-email": world.member.email.upper()}).status_code == 302
    again = client.post(add, data={"coordinator-email": world.member.email})
    assert again.status_code == 409 and "Nadia Membre coordonne déjà ce programme." in again.get_data(as_text=True)
    assert remove(world.admin).status_code == 302
    assert remove(world.coordinator).headers["Location"].endswith(budget)  # took themselves off: back to the page
    assert 'id="budget"' not in client.get(budget).get_data(as_text=True)
    assert client.get(edit).status_code == 403
    client.post("/deconnexion")

    login(world.member)  # named by Karim: now sees the budget, and stays as the last coordinator
    assert 'id="budget"' in client.get(budget).get_data(as_text=True)
    last = remove(world.member)
    assert last.status_code == 409 and "au moins un·e coordinateur·rice" in last.get_data(as_text=True)
