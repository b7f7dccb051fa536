"""Who is missing: schools and social centres of the programme's cities never represented in any workshop.

Represented = named by a participant's profile (their structure, said at join) or ticked by a facilitator among
the structures represented at a workshop. The programme's cities = those the current programme names
(`programme.plan.current_programme`, as its indicators); without a programme naming cities, where a network has a
structure and the territories of the peer groups. Public data only (published structures), as the rest of the
panorama.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from workshop.boards.models import Participant, Workshop
from workshop.mapping.models import City, Structure, structure_network, workshop_structure
from workshop.mapping.vocabulary import CENTRE_KINDS, KINDS, SCHOOL_KINDS
from workshop.peergroups.models import peer_group_city
from workshop.programme.plan import current_programme

WATCHED_KINDS = (*SCHOOL_KINDS, *CENTRE_KINDS)


def represented_ids():
    """Ids of every structure ever represented at a workshop (a SQL selectable)."""
    return union(select(Participant.structure_id).where(Participant.structure_id.is_not(None)),
                 select(workshop_structure.c.structure_id))


def programme_cities(session: Session) -> list[str]:
    """INSEE codes of the programme's cities: the current programme's; else where a network has a structure, and
    the peer groups' territories."""
    programme = current_programme(session)
    if programme is not None and programme.cities:
        return sorted(programme.cities)
    return sorted(session.scalars(union(
        select(Structure.city_insee).join(structure_network, structure_network.c.structure_id == Structure.id)
        .where(Structure.city_insee.is_not(None)),
        select(peer_group_city.c.city_insee))))


def _watched(columns, cities: list[str]):
    return columns.kind.in_(WATCHED_KINDS) & columns.city_insee.in_(cities)


def missing_condition(session: Session, columns):
    """The SQL condition, on Structure's (Core) columns, of a school or social centre that never came."""
    return _watched(columns, programme_cities(session)) & columns.id.not_in(represented_ids())


def fingerprint(session: Session) -> tuple:
    """Moves when a structure becomes represented or the programme's cities change (the map's cache of the "never
    came" filter reads it)."""
    represented = session.execute(select(func.count(), func.max(Participant.id))
                                  .where(Participant.structure_id.is_not(None))).one()
    ticked = session.scalar(select(func.count()).select_from(workshop_structure))
    return (*programme_cities(session), *represented, ticked)


def who_is_missing(session: Session) -> dict[str, Any]:
    """Published schools and social centres of the programme's cities that never came: list and counts."""
    c = Structure.__table__.c
    watched = _watched(c, programme_cities(session)) & c.public.is_(True) & c.validated.is_(True)
    rows = session.execute(select(c.id, c.name, c.kind, City.name, c.id.not_in(represented_ids()))
                           .outerjoin(City, City.insee == c.city_insee).where(watched)
                           .order_by(City.name, c.name)).all()
    missing = [{"id": i, "name": n, "kind": KINDS.get(k, k), "city": city, "school": k in SCHOOL_KINDS}
               for i, n, k, city, never in rows if never]
    schools = sum(1 for _i, _n, k, _c, _m in rows if k in SCHOOL_KINDS)
    missing_schools = sum(1 for s in missing if s["school"])
    return {"structures": missing, "count": len(missing), "schools": missing_schools,
            "centres": len(missing) - missing_schools, "schools_total": schools,
            "centres_total": len(rows) - schools, "by_month": by_month(session)}


def by_month(session: Session) -> list[dict[str, Any]]:
    """Per month of workshops: schools and social centres represented, and how many came for the first time."""
    day = func.coalesce(Workshop.held_on, func.date(Workshop.created_at))
    seen = union(
        select(day.label("day"), Participant.structure_id.label("sid"))
        .join(Participant, Participant.workshop_id == Workshop.id).where(Participant.structure_id.is_not(None)),
        select(day.label("day"), workshop_structure.c.structure_id.label("sid"))
        .join(workshop_structure, workshop_structure.c.workshop_id == Workshop.id)).subquery()
    rows = session.execute(select(seen.c.day, seen.c.sid, Structure.kind)
                           .join(Structure, Structure.id == seen.c.sid).order_by(seen.c.day)).all()
    months: dict[str, dict[str, set]] = defaultdict(lambda: {"schools": set(), "centres": set(), "new": set()})
    first: set[int] = set()
    for when, sid, kind in rows:
        month = months[str(when)[:7]]
        if kind in SCHOOL_KINDS:
            month["schools"].add(sid)
        elif kind in CENTRE_KINDS:
            month["centres"].add(sid)
        if sid not in first:
            first.add(sid)
            month["new"].add(sid)
    return [{"month": key, "schools": len(m["schools"]), "centres": len(m["centres"]), "new": len(m["new"])}
            for key, m in sorted(months.items())]
