"""Demo data of the showcase: one coordinator per network, two sheets naming the other network's school (one
approved by both networks, one still waiting for the schools' network), a link between that school and a social
centre of the other network (confirmed by the centres' network, waiting for the schools'), a published toolkit to
present, and a report waiting in the moderation queue. Idempotent: keyed on the sheets' titles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards.models import Card, Participant, Workshop
from workshop.mapping import links
from workshop.mapping.models import City, Link, Structure, structure_network
from workshop.moderation import service as moderation
from workshop.networks import service as networks
from workshop.practices import reviews, sheets
from workshop.practices.models import Practice
from workshop.toolkits import service as toolkits

COORDINATORS = (
    ("fatima.centres-sociaux@passerelles.demo", "Fatima Benali", 0),
    ("julien.ecole-familles@passerelles.demo", "Julien Marchand", 1),
)
TOOLKIT = "Ouvrir l'école aux familles : ce qui a marché"
CENTRE = "Centre social des Tilleuls"
SHEETS = (
    ("Le café des parents du vendredi, entre école et centre social", True),
    ("Une fiche de liaison pour l'accompagnement scolaire (CLAS)", False),
)


def _coordinator(session: Session, email: str, name: str, network_index: int, password: str) -> User:
    user = accounts.get_by_email(session, email) or accounts.create_user(session, email, name, "member", password)
    network = networks.ensure_network(session, *networks.DEMO_NETWORKS[network_index])
    networks.add_member(session, network, user, coordinator=True)
    return user


def _school_of(session: Session, network_index: int) -> Structure:
    """A published school of one network (from the map's demo data, else one made for the demo), to be named."""
    network = networks.ensure_network(session, *networks.DEMO_NETWORKS[network_index])
    school = session.scalar(select(Structure).join(structure_network).where(
        structure_network.c.network_id == network.id, Structure.kind.like("ecole%"),
        Structure.public.is_(True), Structure.validated.is_(True)).order_by(Structure.id).limit(1))
    if school is None:
        city = session.scalar(select(City).order_by(City.insee).limit(1))
        school = Structure(name="École élémentaire Louise-Michel", kind="ecole_elementaire", source="demo",
                           city_insee=city.insee if city else None, public=True, validated=True)
        session.add(school)
        session.flush()
        session.execute(structure_network.insert().values(structure_id=school.id, network_id=network.id))
    return school


def _sheet(title: str, school: Structure, city: str) -> dict:
    named = [{"id": school.id, "name": school.name}]
    return {
        "title": title, "kind": "practice", "cities": [city], "frameworks": ["clas", "reaap"],
        "summary": "Un rendez-vous régulier, préparé ensemble par l'école et le centre social, où les familles "
                   "entrent dans l'école sans enjeu.",
        "structures": [*named, {"id": None, "name": CENTRE}],
        "context": "Les familles du quartier franchissaient peu la grille de l'école ; les équipes de l'école et "
                   "du centre social se connaissaient mal.",
        "levers": "- La coordonnatrice REP+ fait le lien\n- Un lieu neutre et convivial\n- Des horaires choisis "
                  "avec les parents",
        "steps": "- Réunion de rentrée commune\n- Affiche bilingue à l'entrée\n- Premier café en octobre",
        "transferability": "Transposable dans toute école qui dispose d'une salle libre et d'un centre social "
                           "voisin prêt à co-animer.",
    }


def seed_showcase(session: Session, password: str) -> None:
    """Consent done and waiting, a toolkit to present, a report in the queue (once)."""
    fatima, julien = (_coordinator(session, email, name, index, password) for email, name, index in COORDINATORS)
    if session.scalar(select(Practice.id).where(Practice.title == SHEETS[0][0])) is not None:
        return
    school = _school_of(session, 1)
    city = school.city.name if school.city is not None else "Saint-Denis"
    cs_network = networks.ensure_network(session, *networks.DEMO_NETWORKS[0])
    made = []
    for title, both in SHEETS:
        practice = sheets.create_practice(session, fatima, {**_sheet(title, school, city),
                                                            "networks": [cs_network.id]})
        reviews.transition(session, fatima, practice.id, "submit")
        reviews.transition(session, fatima, practice.id, "publish", "Relue pour les centres sociaux.")
        if both:
            reviews.transition(session, julien, practice.id, "publish", "D'accord pour l'école.")
        made.append(practice)
    admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    toolkit = toolkits.create_toolkit(session, admin, TOOLKIT)
    published = [made[0].id, *session.scalars(select(Practice.id).where(
        Practice.status == "published", Practice.id != made[0].id).order_by(Practice.id).limit(4))]
    toolkits.save_toolkit(session, admin, toolkit.id, {
        "title": TOOLKIT, "subtitle": "Pratiques repérées dans les groupes de pairs",
        "sections": [{"title": "Accueillir les familles", "entries": published[:3]},
                     {"title": "Travailler ensemble", "entries": published[3:]}]}, toolkit.revision)
    toolkits.publish(session, admin, toolkit.id)
    _link_waiting_for_consent(session, fatima, school)
    _report_a_card(session)


def _link_waiting_for_consent(session: Session, coordinator: User, school: Structure) -> None:
    """The centres' coordinator declares and confirms the link of a centre of hers with the other network's
    school: it stays unpublished, listed on /reseaux/en-attente for the schools' network."""
    network = networks.ensure_network(session, *networks.DEMO_NETWORKS[0])
    centre = session.scalar(select(Structure).where(Structure.name == CENTRE, Structure.source == "demo"))
    if centre is None:
        centre = Structure(name=CENTRE, kind="centre_social", source="demo", city_insee=school.city_insee,
                           latitude=school.latitude + 0.004 if school.latitude is not None else None,
                           longitude=school.longitude, public=True, validated=True)
        session.add(centre)
        session.flush()
        session.execute(structure_network.insert().values(structure_id=centre.id, network_id=network.id))
    low, high = sorted((centre.id, school.id))
    if session.scalar(select(Link.id).where(Link.pair_low == low, Link.pair_high == high)) is not None:
        return
    link = links.declare_link(session, coordinator, centre.id, school.id, {
        "level": "cooperation", "formalisation": "informal", "frameworks": ["clas"], "since": 2024,
        "description": "Accompagnement scolaire (CLAS) tenu à l'école deux soirs par semaine."})
    links.set_link_status(session, coordinator, link.id, True)


def _report_a_card(session: Session) -> None:
    """Karim reports a card of the demo workshop that names a teacher: it waits in the moderation queue."""
    card = session.scalar(select(Card).join(Workshop).where(Card.deleted.is_(False)).order_by(Card.id).limit(1))
    reporter = session.scalar(select(Participant).where(Participant.name == "Karim").order_by(Participant.id))
    if card is None or reporter is None:
        return
    moderation.report(session, "card", card.id, {"reason": "personal_data",
                                                 "details": "On reconnaît l'enseignante dont il est question."},
                      participant=reporter)
