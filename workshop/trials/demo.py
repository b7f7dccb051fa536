"""Demo trials: a few believable approved ones (so the sheet, the structure page, the map layer, the search sort
and the next toolkit show them) and one pending for the coordinator's queue. Idempotent: added once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.mapping.models import Structure, structure_network
from workshop.practices.models import Practice
from workshop.trials import service
from workshop.trials.models import Trial

AUTHOR = "animatrice@passerelles.demo"
COORDINATOR = "coordination@passerelles.demo"
# (sheet, structure, days ago, with whom, what changed, what was adapted, recommend, approved)
TRIALS = (
    (0, 0, 40, "Deux enseignantes de CP, l'animatrice CLAS, une dizaine de familles",
     "Des mamans qui n'entraient jamais dans l'école sont venues trois vendredis de suite ; les enfants "
     "montraient fièrement leur classe.", "Nous l'avons fait à 16 h 30, à la sortie, plutôt que le matin.",
     "yes", True),
    (0, 3, 75, "La directrice, la référente familles du centre social",
     "Les parents osent poser des questions sur les devoirs ; la maîtresse dit mieux connaître les familles.",
     "Un interprète bénévole en turc les deux premières fois.", "conditions", True),
    (1, 1, 20, "L'équipe CLAS et les professeurs principaux de 6e",
     "Les animateurs savent enfin sur quoi l'élève bloque ; les parents signent la fiche et la lisent.",
     "", "yes", True),
    (2, 2, 120, "Quatre parents délégués, la coordonnatrice REP+",
     "Une première réunion où les parents ont parlé plus que l'école.",
     "Nous avons réduit à trois questions, sinon tout le monde décrochait.", "conditions", True),
    (1, 4, 8, "Le centre social et l'école Jules-Ferry",
     "Plus d'enfants inscrits à l'accompagnement scolaire dès la rentrée.", "", "yes", False),
)


def seed_trials(session: Session) -> int:
    """Add the demo trials once; returns how many were added."""
    if session.scalar(select(func.count()).select_from(Trial)):
        return 0
    author, coordinator = accounts.get_by_email(session, AUTHOR), accounts.get_by_email(session, COORDINATOR)
    sheets = list(session.scalars(select(Practice.id).where(Practice.status == "published")
                                  .order_by(Practice.id).limit(3)))
    places = list(session.scalars(select(Structure.id).where(
        Structure.public.is_(True), Structure.validated.is_(True), Structure.latitude.is_not(None),
        Structure.id.in_(select(structure_network.c.structure_id)), Structure.city_insee.is_not(None))
        .order_by(Structure.id).limit(5)))
    if author is None or coordinator is None or len(sheets) < 3 or len(places) < 5:
        return 0
    for sheet, place, days, with_whom, changes, adaptations, recommend, approved in TRIALS:
        trial = service.record(session, author, sheets[sheet], {
            "structure_id": places[place], "tried_on": date.today() - timedelta(days=days), "with_whom": with_whom,
            "changes": changes, "adaptations": adaptations, "recommend": recommend})
        if approved:
            service.decide(session, coordinator, trial.id, True)
    return len(TRIALS)
