"""seed-demo --practices N: believable French sheets, searchable at once, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from workshop.extensions import db
from workshop.practices import search
from workshop.practices.models import Practice, PracticeFacet
from workshop.showcase.demo import SHEETS as SHOWCASE_SHEETS


def test_seed_demo_practices_are_searchable_and_idempotent(app, runner):
    result = runner.invoke(args=["seed-demo", "--practices", "60"])
    assert result.exit_code == 0, result.output
    assert "Fiches pratiques de démonstration ajoutées : 60" in result.output
    again = runner.invoke(args=["seed-demo", "--practices", "60"])
    assert "ajoutées : 0" in again.output
    with app.test_request_context():
        # 60 generated sheets, plus the showcase's sheets naming the other network's school (consent demo)
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 60 + len(SHOWCASE_SHEETS)
        cities = set(db.session.scalars(select(PracticeFacet.value).where(PracticeFacet.facet == "city")))
        assert len(cities) > 15
        found = search.search(db.session, search.Query(text="parents"), None)
        assert found.total > 0 and all(h.practice.status == "published" for h in found.hits)
        assert "<mark>" in str(found.hits[0].excerpt)
        page = app.test_client().get(f"/fiches/{found.hits[0].practice.id}")
        assert page.status_code == 200


def test_seed_demo_refuses_a_negative_count(runner):
    result = runner.invoke(args=["seed-demo", "--practices", "-3"])
    assert result.exit_code != 0 and "-3" in result.output
