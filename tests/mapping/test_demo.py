"""seed-demo --structures N: believable structures in 32 communes of the 93, about two links each."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from workshop.extensions import db
from workshop.mapping.demo import uai
from workshop.mapping.models import City, Link, Structure
from workshop.showcase.demo import CENTRE as SHOWCASE_CENTRE


def test_seed_demo_structures(app, runner):
    result = runner.invoke(args=["seed-demo", "--practices", "0", "--structures", "96"])
    assert result.exit_code == 0, result.output
    assert "96 structures" in result.output
    with app.app_context():
        # the mapping demo's 96, beside the showcase's one centre (its link waiting for the other network's consent)
        structures = db.session.scalars(select(Structure).where(Structure.name != SHOWCASE_CENTRE)).all()
        assert len(structures) == 96
        cities = {s.city_insee for s in structures}
        assert len(cities) == 32 and all(c.startswith("93") for c in cities)
        assert db.session.get(City, "93066").name == "Saint-Denis"
        schools = [s for s in structures if s.uai]
        assert schools and all(re.fullmatch(r"093[0-9]{4}[A-Z]", s.uai) and uai(int(s.uai[3:7])) == s.uai
                               for s in schools)
        kinds = {s.kind for s in structures}
        assert {"centre_social", "ecole_elementaire", "college"} <= kinds
        in_qpv = sum(1 for s in structures if s.qpv_code)
        assert 0.6 * 96 <= in_qpv <= 0.95 * 96
        links = db.session.scalar(select(func.count(Link.id)))
        assert 1.6 * 96 <= links <= 2 * 96 + 1  # and the showcase's link waiting for consent
    again = runner.invoke(args=["seed-demo", "--practices", "0", "--structures", "96"])
    assert again.exit_code == 0 and "0 structures" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Structure.id))) == 96 + 1  # nothing added the second time
