"""What anyone may see of trials: approved trials of published sheets at public structures of the map, and
nothing else (pages, API, map layer, search order, PDF)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from workshop.mapping.models import City, Structure
from workshop.practices.models import Practice
from workshop.trials.models import Trial
from workshop.trials.vocabulary import RECOMMEND_LABELS

QUOTES = 5
MAP_TITLES = 5


def _public(query: Select) -> Select:
    return (query.join(Practice, Practice.id == Trial.practice_id).join(Structure, Structure.id == Trial.structure_id)
            .where(Trial.status == "approved", Practice.status == "published", Structure.public.is_(True),
                   Structure.validated.is_(True)))


def tried_line_fr(structures: int, cities: int) -> str:
    """ "Essayée par N structures dans M communes" for print, which is in French whatever the page language."""
    return (f"Essayée par {structures} structure{'s' if structures > 1 else ''} "
            f"dans {cities} commune{'s' if cities > 1 else ''}")


def counts(session: Session, practice_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """practice id -> (structures, communes) where it was tried; sheets never tried are absent."""
    query = _public(select(Trial.practice_id, func.count(Trial.structure_id.distinct()),
                           func.count(Structure.city_insee.distinct()))).group_by(Trial.practice_id)
    if practice_ids is not None:
        if not practice_ids:
            return {}
        query = query.where(Trial.practice_id.in_(practice_ids))
    return {pid: (structures, cities) for pid, structures, cities in session.execute(query)}


def tried_in(session: Session, cities: list[str], starts_on: Any, ends_on: Any) -> dict[str, int]:
    """The programme's indicator: approved trials in the period at structures of these communes (every commune when
    none is named): how many, of how many sheets, at how many structures, in how many communes. One query."""
    query = _public(select(func.count(Trial.id), func.count(Trial.practice_id.distinct()),
                           func.count(Trial.structure_id.distinct()), func.count(Structure.city_insee.distinct())))
    query = query.where(Trial.tried_on >= starts_on, Trial.tried_on <= ends_on)
    if cities:
        query = query.where(Structure.city_insee.in_(cities))
    trials, sheets, structures, communes = session.execute(query).one()
    return {"trials": trials, "sheets": sheets, "structures": structures, "cities": communes}


def quotes(session: Session, practice_id: int, limit: int = QUOTES) -> list[dict[str, Any]]:
    """The latest approved trials of a sheet, with what changed (plain text: templates escape it)."""
    rows = session.execute(_public(select(Trial, Structure.name, City.name)).outerjoin(
        City, City.insee == Structure.city_insee).where(Trial.practice_id == practice_id, Trial.changes != "")
        .order_by(Trial.tried_on.desc(), Trial.id.desc()).limit(limit)).all()
    return [{"structure": name, "city": city or "", "tried_on": trial.tried_on, "with_whom": trial.with_whom,
             "changes": trial.changes, "adaptations": trial.adaptations, "recommend": trial.recommend,
             "recommend_label": str(RECOMMEND_LABELS[trial.recommend])} for trial, name, city in rows]


def at_structure(session: Session, structure_id: int) -> list[dict[str, Any]]:
    """The published sheets tried at a structure (approved trials), latest first."""
    rows = session.execute(_public(select(Trial.practice_id, Practice.title, Trial.tried_on, Trial.recommend))
                           .where(Trial.structure_id == structure_id)
                           .order_by(Trial.tried_on.desc(), Trial.id.desc())).all()
    return [{"practice_id": pid, "title": title, "tried_on": day, "recommend_label": str(RECOMMEND_LABELS[rec])}
            for pid, title, day, rec in rows]


def practices_tried(session: Session) -> int:
    """How many published sheets were tried at some public structure of the map (the home page's figure)."""
    return session.scalar(_public(select(func.count(Trial.practice_id.distinct())))) or 0


def in_structures(session: Session, structure_ids: list[int]) -> list[dict[str, Any]]:
    """The approved trials at these structures (a city's page), latest first: the sheet, where and when."""
    if not structure_ids:
        return []
    rows = session.execute(_public(select(Trial.practice_id, Practice.title, Structure.name, Trial.tried_on))
                           .where(Trial.structure_id.in_(structure_ids))
                           .order_by(Trial.tried_on.desc(), Trial.id.desc())).all()
    return [{"practice_id": pid, "title": title, "structure": name, "tried_on": day}
            for pid, title, name, day in rows]


def map_geojson(session: Session) -> dict[str, Any]:
    """The map layer "Pratiques essayées": one point per structure where approved trials happened."""
    rows = session.execute(_public(select(Structure.id, Structure.name, Structure.longitude, Structure.latitude,
                                          Trial.practice_id, Practice.title))
                           .where(Structure.latitude.is_not(None), Structure.longitude.is_not(None))
                           .order_by(Structure.id, Trial.tried_on.desc())).all()
    places: dict[int, dict[str, Any]] = {}
    titles: dict[int, dict[int, str]] = defaultdict(dict)
    for sid, name, lon, lat, pid, title in rows:
        places.setdefault(sid, {"name": name, "coordinates": [lon, lat]})
        titles[sid].setdefault(pid, title)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"t{sid}", "geometry": {"type": "Point", "coordinates": place["coordinates"]},
         "properties": {"type": "trial", "id": sid, "name": place["name"], "count": len(titles[sid]),
                        "practices": [{"id": pid, "title": t} for pid, t in list(titles[sid].items())[:MAP_TITLES]]}}
        for sid, place in places.items()]}
