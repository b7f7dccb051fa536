"""Fixtures of the trial tests: two networks with a coordinator each, a member, structures of each network in
two communes (and one hidden from the map), a published sheet and a draft."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.mapping.models import City, Structure, structure_network
from workshop.networks import service as networks
from workshop.practices import reviews, sheets


@dataclass
class World:
    admin: User
    coord_cs: User  # coordinates the social centres' network
    coord_ef: User  # coordinates the school-families network
    member: User
    other: User
    centre: int  # social centre, Saint-Denis (network cs)
    centre2: int  # social centre, Saint-Denis (network cs)
    school: int  # school, Aubervilliers (network ef)
    hidden: int  # not on the public map
    sheet: int  # published
    draft: int


def _structure(name: str, insee: str, city: str, network_id: int, *, public: bool = True) -> int:
    if db.session.get(City, insee) is None:
        db.session.add(City(insee=insee, name=city, departement=insee[:2]))
    structure = Structure(name=name, kind="centre_social", city_insee=insee, latitude=48.93, longitude=2.35,
                          public=public)
    db.session.add(structure)
    db.session.flush()
    db.session.execute(structure_network.insert().values(structure_id=structure.id, network_id=network_id))
    return structure.id


@pytest.fixture
def world(app, make_user) -> World:
    made = {name: make_user(role, email=f"{name}@exemple.fr", name=name.replace("_", " ").title())
            for name, role in (("admin", "admin"), ("coord_cs", "member"), ("coord_ef", "member"),
                               ("member", "member"), ("other", "member"))}
    with app.test_request_context():
        get = lambda name: db.session.get(User, made[name].id)  # noqa: E731
        cs = networks.ensure_network(db.session, *networks.DEMO_NETWORKS[0])
        ef = networks.ensure_network(db.session, *networks.DEMO_NETWORKS[1])
        networks.add_member(db.session, cs, get("coord_cs"), coordinator=True)
        networks.add_member(db.session, ef, get("coord_ef"), coordinator=True)
        networks.add_member(db.session, cs, get("member"))
        ids = {
            "centre": _structure("Centre social des Tilleuls", "93066", "Saint-Denis", cs.id),
            "centre2": _structure("Centre social Floréal", "93066", "Saint-Denis", cs.id),
            "school": _structure("École élémentaire Jules-Ferry", "93001", "Aubervilliers", ef.id),
            "hidden": _structure("Association discrète", "93001", "Aubervilliers", cs.id, public=False),
        }
        admin = get("admin")
        made_sheets = []
        for title, publish in (("Café des parents du vendredi", True), ("Brouillon de fiche", False)):
            practice = sheets.create_practice(db.session, admin, {
                "title": title, "summary": "Un café mensuel.", "kind": "practice", "cities": ["Saint-Denis"],
                "themes": ["Parents"], "audiences": ["parents"], "networks": [cs.id],
                "context": "<p>Les parents entrent peu.</p>", "obstacles": "<p>Horaires.</p>",
                "levers": "<p>Un lieu neutre.</p>", "transferability": "<p>Partout.</p>"})
            if publish:
                reviews.transition(db.session, admin, practice.id, "submit")
                reviews.transition(db.session, admin, practice.id, "publish")
            made_sheets.append(practice.id)
        db.session.commit()
    return World(**made, **ids, sheet=made_sheets[0], draft=made_sheets[1])


def trial_data(structure_id: int, **extra) -> dict:
    data = {"structure_id": structure_id, "tried_on": "2026-10-02", "with_whom": "Deux enseignantes de CP",
            "changes": "Des parents qui n'entraient jamais sont venus.", "adaptations": "Le soir plutôt que le matin.",
            "recommend": "yes"}
    data.update(extra)
    return data
