"""The demo programme ("Écoles et centres sociaux 2026-2027"): plan, time recorded and budget, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.mapping.models import Structure
from workshop.networks.models import Network
from workshop.programme.models import BudgetLine, Programme, TimeEntry, TimePlan

TITLE = "Écoles et centres sociaux 2026-2027"
AIMS = ("Relier le réseau des centres sociaux et le réseau école-familles à l'échelle du département.\n"
        "Aider les écoles à repérer les dispositifs qui les ouvrent aux parents et au quartier.\n"
        "Montrer les effets sur le terrain et rendre les pratiques transférables.")
PLAN = {"coordination": 180, "animation": 240, "preparation": 120, "accompagnement": 160, "capitalisation": 90,
        "communication": 40}
PEOPLE = ("Claire Coordination", "Samia Animatrice", "Julien Mercier", "Fatou Diallo")
BUDGET = (
    ("personnel", "Temps de coordination départementale", 0, "28000.00", "28000.00", "9333.33"),
    ("personnel", "Animation des groupes de pairs", 1, "12500.00", "12500.00", "4150.00"),
    ("deplacements", "Déplacements dans les 32 communes", None, "3200.00", "1200.00", "874.60"),
    ("salles", "Salles des rencontres départementales", None, "1800.00", "600.00", "600.00"),
    ("restauration", "Repas et pauses des rencontres", None, "2400.00", "800.00", "762.35"),
    ("impression", "Impression des boîtes à outils", 0, "1500.00", "0.00", "0.00"),
    ("prestations", "Interprétariat pour les parents", 1, "900.00", "300.00", "240.00"),
)


def seed_programme(session: Session, today: date | None = None) -> Programme:
    """One believable programme over the school year, with a plan, three months of time entries and a budget."""
    found = session.scalar(select(Programme).where(Programme.title == TITLE))
    if found is not None:
        return found
    today = today or date.today()
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    cities = [c for c in session.scalars(select(distinct(Structure.city_insee)).where(
        Structure.city_insee.is_not(None)).order_by(Structure.city_insee).limit(32)) if c]
    programme = Programme(title=TITLE, aims=AIMS, cities=cities, starts_on=start,
                          ends_on=date(start.year + 1, 7, 10), planned_meetings=12)
    coordinator = session.scalar(select(User).where(User.email == "coordination@passerelles.demo"))
    if coordinator is not None:
        programme.coordinators.append(coordinator)
    session.add(programme)
    networks = list(session.scalars(select(Network).order_by(Network.id)))
    for n, network in enumerate(networks):
        for kind, hours in PLAN.items():
            session.add(TimePlan(programme=programme, network_id=network.id, kind=kind,
                                 hours=Decimal(hours - 20 * n)))
    session.flush()
    kinds = [kind for kind, hours in PLAN.items() for _share in range(hours // 20)]  # in proportion to the plan
    day, i = start, 0
    while networks and day < min(today, programme.ends_on):
        for network in networks if day.weekday() < 5 else ():
            session.add(TimeEntry(programme_id=programme.id, network_id=network.id, kind=kinds[i * 7 % len(kinds)],
                                  worked_on=day, hours=Decimal("3.50") if i % 3 else Decimal("2.25"),
                                  person=PEOPLE[i % len(PEOPLE)],
                                  recorded_by_id=coordinator.id if coordinator else None))
            i += 1
        day += timedelta(days=1)
    for category, label, network, planned, committed, spent in BUDGET:
        session.add(BudgetLine(programme=programme, category=category, label=label,
                               network_id=networks[network].id if network is not None and networks else None,
                               planned=Decimal(planned), committed=Decimal(committed), spent=Decimal(spent)))
    session.flush()
    return programme
