"""Demo data of the peer groups: a group of the first demo cities that met three times, its next steps carried
over, and participants who said where they come from (the balance, the report and "who is missing" show it)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.facilitation import next_steps
from workshop.live.kernel import current_kernel
from workshop.mapping.models import City, Structure
from workshop.mapping.vocabulary import CENTRE_KINDS, SCHOOL_KINDS
from workshop.networks.models import Network
from workshop.peergroups import review, service
from workshop.peergroups.models import CarriedStep, PeerGroup

GROUP_NAME = "Groupe de pairs école / centre social — Saint-Denis"
SESSIONS = (
    # (days ago, people (name, profile kind, structure kind), cards, next steps, review marks of carried steps)
    (62, (("Nadia", "school", "school"), ("Karim", "parent", None), ("Leïla", "social_centre", "centre"),
          ("Thomas", "school", "school")),
     (("obstacle", "Les familles ne connaissent pas le CLAS."), ("lever", "Le café des parents du vendredi.")),
     (("Inviter la principale du collège à la prochaine séance", "Samia"),
      ("Préparer une plaquette commune école / centre social", "Leïla"),
      ("Recenser les créneaux libres de la salle polyvalente", "Thomas")), ()),
    (31, (("Nadia", "school", "school"), ("Leïla", "social_centre", "centre"), ("Fatou", "parent", None),
          ("Marc", "institution", None)),
     (("method", "Une permanence commune à la sortie de l'école."),),
     (("Organiser une visite du centre social pour les enseignants", "Nadia"),),
     ("done", "ongoing", "dropped")),
    (0, (("Nadia", "school", "school"), ("Karim", "parent", None), ("Leïla", "social_centre", "centre")),
     (), (), ()),
)


def seed_peer_group(session: Session) -> PeerGroup | None:
    """The demo group and its three sessions (once); needs the demo accounts and structures."""
    found = session.scalar(select(PeerGroup).where(PeerGroup.name == GROUP_NAME))
    facilitator = session.scalar(select(User).where(User.email == "animatrice@passerelles.demo"))
    coordinator = session.scalar(select(User).where(User.email == "coordination@passerelles.demo"))
    with_schools = select(Structure.city_insee).where(Structure.kind.in_(SCHOOL_KINDS))
    city = session.scalar(select(City).join(Structure, Structure.city_insee == City.insee)  # schools and centres
                          .where(Structure.kind == "centre_social", City.insee.in_(with_schools))
                          .order_by(City.name).limit(1)) or session.scalar(
        select(City).join(Structure, Structure.city_insee == City.insee).order_by(City.name).limit(1))
    if found is not None or facilitator is None or city is None:
        return found
    group = service.create_group(session, facilitator, GROUP_NAME, place="Centre social des Tilleuls",
                                 purpose="Se retrouver chaque mois entre écoles, centres sociaux et parents pour "
                                         "lever les freins à la coopération.",
                                 network_ids=list(session.scalars(select(Network.id))), city_insees=[city.insee])
    if coordinator is not None:
        service.add_member(session, facilitator, group, coordinator.email, "facilitator")
    structures = {"school": _structures(session, city.insee, SCHOOL_KINDS),
                  "centre": _structures(session, city.insee, CENTRE_KINDS)}
    for days, people, cards, steps, marks in SESSIONS:
        workshop = service.next_session(session, facilitator, group, date.today() - timedelta(days=days))
        for item, status in zip(session.scalars(select(CarriedStep.id).where(CarriedStep.workshop_id == workshop.id)
                                                .order_by(CarriedStep.position)), marks, strict=False):
            review.set_status(session, workshop.id, item, status)
        seats = {}
        for name, kind, structure_kind in people:
            pool = structures.get(structure_kind) or []
            used = sum(1 for _n, _k, sk in people[:len(seats)] if sk == structure_kind)
            profile = {"kind": kind, **({"structure_id": pool[used % len(pool)]} if pool else {})}
            seats[name] = boards.join(session, {"code": workshop.code, "name": name, "profile": profile}).participant
        author = next(iter(seats.values()))
        for column, text in cards:
            current_kernel().perform(session, author.id, "card.add", {"client_id": uuid.uuid4().hex, "column": column,
                                                                      "text": text},
                                     workshop_id=author.workshop_id, rate_limited=False)
        for text, owner in steps:
            next_steps.add_step(session, workshop, text, owner)
    session.flush()
    return group


def _structures(session: Session, insee: str, kinds) -> list[int]:
    return list(session.scalars(select(Structure.id).where(Structure.city_insee == insee, Structure.kind.in_(kinds))
                                .order_by(Structure.id).limit(3)))
