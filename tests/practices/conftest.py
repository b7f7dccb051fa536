"""Fixtures of the practice tests: two networks, their coordinators, members, and a sheet factory."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.networks import service as networks
from workshop.practices import reviews, sheets


@dataclass
class People:
    admin: User
    coord_cs: User  # coordinates the social centres' network
    coord_ef: User  # coordinates the school-families network
    member: User  # member of the social centres' network
    other: User  # another member, of no network
    net_cs: int
    net_ef: int


@pytest.fixture
def people(app, make_user) -> People:
    made = {name: make_user(role, email=f"{name}@exemple.fr", name=name.replace("_", " ").title())
            for name, role in (("admin", "admin"), ("coord_cs", "facilitator"), ("coord_ef", "member"),
                               ("member", "member"), ("other", "member"))}
    with app.test_request_context():
        cs = networks.ensure_network(db.session, *networks.DEMO_NETWORKS[0])
        ef = networks.ensure_network(db.session, *networks.DEMO_NETWORKS[1])
        get = lambda name: db.session.get(User, made[name].id)  # noqa: E731
        networks.add_member(db.session, cs, get("coord_cs"), coordinator=True)
        networks.add_member(db.session, ef, get("coord_ef"), coordinator=True)
        networks.add_member(db.session, cs, get("member"))
        db.session.commit()
        return People(**made, net_cs=cs.id, net_ef=ef.id)


def sheet(**overrides) -> dict:
    data = {
        "title": "Café des parents au collège",
        "summary": "Un café mensuel animé ensemble par le centre social et le collège.",
        "kind": "practice",
        "cities": ["Roubaix"],
        "qpv": ["Quartier de l'Alma"],
        "themes": ["Parents", "Accueil"],
        "frameworks": ["reaap"],
        "audiences": ["parents"],
        "structures": [{"id": None, "name": "Centre social de l'Alma"}],
        "context": "Les parents entrent peu dans le collège.",
        "obstacles": "- Horaires incompatibles\n- Peur de l'institution",
        "levers": "Un lieu neutre et convivial.",
        "transferability": "Reproductible partout où un collège et un centre social se parlent.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_practice(app, people):
    """make_practice(author, status="draft", **fields) -> practice id, in its own request context."""

    def make(author: User | None = None, status: str = "draft", **fields) -> int:
        with app.test_request_context():
            user = db.session.get(User, (author or people.member).id)
            data = sheet(networks=[people.net_cs], **fields)
            practice = sheets.create_practice(db.session, user, data)
            admin = db.session.get(User, people.admin.id)
            if status in ("submitted", "published", "archived"):
                reviews.transition(db.session, user, practice.id, "submit")
            if status in ("published", "archived"):
                reviews.transition(db.session, admin, practice.id, "publish")
            if status == "archived":
                reviews.transition(db.session, admin, practice.id, "archive")
            db.session.commit()
            return practice.id

    return make
