"""Fixtures of the groups slice: structures in networks (for profiles and the balance by network)."""

from __future__ import annotations

import pytest

from workshop.extensions import db
from workshop.mapping.models import City, Structure
from workshop.networks.models import Network


@pytest.fixture
def make_structure(app):
    """make_structure("École X", kind=..., insee=..., network="FCS") -> id; the network is made when missing."""

    def make(name: str, *, kind: str = "ecole_elementaire", insee: str = "93066", city: str = "Saint-Denis",
             network: str | None = None) -> int:
        with app.app_context():
            if db.session.get(City, insee) is None:
                db.session.add(City(insee=insee, name=city, departement=insee[:2]))
            structure = Structure(name=name, kind=kind, city_insee=insee, latitude=48.93, longitude=2.35)
            if network:
                found = db.session.query(Network).filter_by(short_name=network).one_or_none()
                structure.networks = [found or Network(slug=network.lower(), name=network, short_name=network)]
            db.session.add(structure)
            db.session.commit()
            return structure.id

    return make
