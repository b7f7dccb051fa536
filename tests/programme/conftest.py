"""A small world for the programme and the frameworks catalogue: two networks, two cities, a school and a social
centre linked through the CLAS, a neighbour school, a workshop, a published sheet, and a programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from workshop.extensions import db


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache"), "PDF_RENDER_INLINE": True}


@dataclass
class World:
    programme_id: int
    networks: list[int]
    admin: object
    coordinator: object  # coordinates the programme without being an admin
    member: object  # belongs to a network, not a coordinator
    outsider: object  # an account in no network
    school: int
    centre: int
    neighbour: int
    far: int


@pytest.fixture
def world(app, make_user) -> World:
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.mapping.models import City, Link, Structure, workshop_structure
    from workshop.networks import service as networks
    from workshop.practices import reviews, sheets
    from workshop.programme import plan

    admin = make_user("admin", name="Claire Coordination")
    coordinator = make_user("facilitator", name="Karim Coordinateur")
    member = make_user("member", name="Nadia Membre")
    outsider = make_user("member", name="Paul Dehors")
    with app.test_request_context():
        s = db.session
        made = [networks.ensure_network(s, *spec) for spec in networks.DEMO_NETWORKS]
        networks.add_member(s, made[0], s.get(User, member.id))
        s.add_all([City(insee="69259", name="Vénissieux", departement="69"),
                   City(insee="69266", name="Villeurbanne", departement="69"),
                   City(insee="69123", name="Lyon", departement="69")])
        school = Structure(kind="ecole_elementaire", name="École Jean-Moulin", city_insee="69259", qpv_code="QN06901M")
        centre = Structure(kind="centre_social", name="Centre social Eugénie-Cotton", city_insee="69259",
                           qpv_code="QN06901M")
        neighbour = Structure(kind="ecole_maternelle", name="École maternelle Pasteur", city_insee="69259")
        far = Structure(kind="college", name="Collège Louis-Jouvet", city_insee="69266")
        s.add_all([school, centre, neighbour, far])
        s.flush()
        s.add(Link(source_id=school.id, target_id=centre.id, pair_low=min(school.id, centre.id),
                   pair_high=max(school.id, centre.id), status="validated", level="cooperation", since=2024,
                   frameworks=["clas", "reaap"]))
        s.add(Link(source_id=neighbour.id, target_id=centre.id, pair_low=min(neighbour.id, centre.id),
                   pair_high=max(neighbour.id, centre.id), status="validated", level="information", since=2026,
                   frameworks=["clas", "oepre"]))
        user = s.get(User, admin.id)
        workshop = boards.create_workshop(s, user, "Groupe de pairs de Vénissieux")
        s.execute(workshop_structure.insert().values(workshop_id=workshop.id, structure_id=far.id))
        for name in ("Nadia", "Karim"):
            boards.join(s, {"code": workshop.code, "name": name})
        practice = sheets.create_practice(s, user, {
            "title": "Un café des parents au CLAS", "cities": ["Vénissieux"], "frameworks": ["devoirs_faits"],
            "networks": [made[0].id], "summary": "Un café chaque vendredi, animé par le CLAS.",
            "context": "Des familles éloignées de l'école.", "transferability": "Là où un CLAS existe."})
        reviews.transition(s, user, practice.id, "submit")
        reviews.transition(s, user, practice.id, "publish")
        today = date.today()
        programme = plan.save_programme(s, user, {
            "title": "Écoles et centres sociaux 2026-2027", "aims": "Relier les deux réseaux.",
            "cities": "69259, 69266, 69123", "starts_on": date(today.year - 1, 9, 1).isoformat(),
            "ends_on": date(today.year + 1, 7, 10).isoformat(), "planned_meetings": "4"})
        programme.coordinators.append(s.get(User, coordinator.id))
        s.commit()
        return World(programme.id, [n.id for n in made], admin, coordinator, member, outsider, school.id,
                     centre.id, neighbour.id, far.id)
