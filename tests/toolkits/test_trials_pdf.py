"""The toolkit PDF says of each sheet where it was tried ("essayée par N structures dans M communes"), counting
approved trials only; a new approval gives a new PDF (the fingerprint cache does not serve the old one)."""

from __future__ import annotations

from datetime import date

from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db


def _trial(app, practice_id: int, structure_id: int, status: str) -> None:
    from workshop.trials.models import Trial

    with app.app_context():
        db.session.add(Trial(practice_id=practice_id, structure_id=structure_id, tried_on=date(2026, 10, 1),
                             changes="Les parents sont venus.", recommend="yes", status=status, author_name="A"))
        db.session.commit()


def _structures(app, networks) -> list[int]:
    from workshop.mapping.models import City, Structure

    with app.app_context():
        db.session.add_all([City(insee="59512", name="Roubaix", departement="59"),
                            City(insee="59599", name="Tourcoing", departement="59")])
        made = [Structure(name=name, kind="centre_social", city_insee=insee, latitude=50.69, longitude=3.17)
                for name, insee in (("Centre social Alma", "59512"), ("École Jules-Ferry", "59512"),
                                    ("Centre social Belencontre", "59599"))]
        db.session.add_all(made)
        db.session.commit()
        return [s.id for s in made]


def test_each_sheet_of_the_toolkit_pdf_says_where_it_was_tried(app, client, login, coordinator, networks,
                                                              publish_practices, build):
    tried, untried = publish_practices(2)
    alma, ferry, belencontre = _structures(app, networks)
    for structure in (alma, ferry, belencontre):
        _trial(app, tried, structure, "approved")
    _trial(app, untried, alma, "pending")
    _trial(app, untried, ferry, "refused")
    toolkit_id = build([("Accueillir les familles", [tried, untried])])
    login(coordinator)
    response = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
    assert response.status_code == 200
    text = flat(" ".join(page_texts(read_pdf(response.data))))
    assert text.count("Essayée par") == 1  # the pending and refused trials of the other sheet count for nothing
    assert "Essayée par 3 structures dans 2 communes" in text

    _trial(app, untried, belencontre, "approved")
    again = flat(" ".join(page_texts(read_pdf(client.get(f"/boites-a-outils/{toolkit_id}.pdf",
                                                         buffered=True).data))))
    assert "Essayée par 1 structure dans 1 commune" in again and again.count("Essayée par") == 2
