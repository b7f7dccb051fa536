"""Where a programme stands: time, meetings and budget against the plan, and indicators computed from the data
(never typed in). Aggregates run in SQL so the page stays fast on thousands of structures and links."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, distinct, extract, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from workshop.boards.models import Participant, Workshop
from workshop.boards.profiles import PROFILE_KINDS
from workshop.mapping import vocabulary as map_vocabulary
from workshop.mapping.models import Link, Structure, workshop_structure
from workshop.meetings.models import Meeting, MeetingWorkshop
from workshop.networks.models import Network
from workshop.practices.models import Practice
from workshop.programme.models import BudgetLine, Programme, TimeEntry, TimePlan
from workshop.programme.vocabulary import BUDGET_CATEGORIES, WORK_KINDS
from workshop.trials import public as trials

SOCIAL_CENTRE_KINDS = ("centre_social", "espace_vie_sociale")
ZERO = Decimal("0.00")
YEARS_SHOWN = 6


def _held_until(programme: Programme) -> date:
    """The last day whose sittings count as held: the end of the period, or today while it runs."""
    return min(programme.ends_on, date.today())


def _workshops_in(programme: Programme) -> Select:
    """Workshops held during the period, up to today (the day they were held, else the day they were created):
    one planned for next month is not held yet, and the structures named for it do not take part yet."""
    day = func.coalesce(Workshop.held_on, func.date(Workshop.created_at))
    return select(Workshop.id).where(day >= programme.starts_on, day <= _held_until(programme))


def meetings_held(session: Session, programme: Programme) -> int:
    """Collective meetings held in the period: the one count every page, CSV and PDF reads. A departmental
    meeting (rencontre) counts once, however many parallel workshops it held; a workshop outside any meeting
    (a peer group's session, a local workshop) counts as one meeting."""
    standalone = _workshops_in(programme).where(Workshop.id.not_in(select(MeetingWorkshop.workshop_id)))
    day = func.date(Meeting.starts_at)
    departmental = select(Meeting.id).where(day >= programme.starts_on, day <= _held_until(programme))
    return sum(session.scalar(select(func.count()).select_from(query.subquery())) or 0
               for query in (standalone, departmental))


def time_summary(session: Session, programme: Programme) -> dict[str, Any]:
    """Hours planned and recorded per network and kind of work, with totals per network and overall."""
    done = dict(((n, k), h) for n, k, h in session.execute(
        select(TimeEntry.network_id, TimeEntry.kind, func.sum(TimeEntry.hours))
        .where(TimeEntry.programme_id == programme.id).group_by(TimeEntry.network_id, TimeEntry.kind)))
    planned = {(p.network_id, p.kind): p.hours for p in session.scalars(
        select(TimePlan).where(TimePlan.programme_id == programme.id))}
    names = dict(session.execute(select(Network.id, Network.short_name)).all())
    rows: dict[int, dict[str, Any]] = {}
    for network_id, kind in sorted(set(done) | set(planned), key=lambda nk: (names.get(nk[0], ""), nk[1])):
        network = rows.setdefault(network_id, {"network": names.get(network_id, "?"), "kinds": [],
                                               "planned": ZERO, "done": ZERO})
        plan, spent = planned.get((network_id, kind), ZERO), _hours(done.get((network_id, kind)))
        network["kinds"].append({"kind": kind, "label": str(WORK_KINDS.get(kind, kind)), "planned": plan,
                                 "done": spent, "share": _share(spent, plan)})
        network["planned"] += plan
        network["done"] += spent
    for network in rows.values():
        network["share"] = _share(network["done"], network["planned"])
    total_planned = sum((n["planned"] for n in rows.values()), ZERO)
    total_done = sum((n["done"] for n in rows.values()), ZERO)
    return {"networks": list(rows.values()), "planned": total_planned, "done": total_done,
            "share": _share(total_done, total_planned)}


def _hours(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def _share(done: Decimal | int, planned: Decimal | int) -> int:
    """Percent of the plan reached (0 when nothing was planned)."""
    return int(round(100 * Decimal(done) / Decimal(planned))) if planned else 0


def budget_summary(session: Session, programme: Programme) -> dict[str, Any]:
    """Budget lines with totals per category and overall, summed as Decimal (exact to the cent)."""
    lines = list(session.scalars(select(BudgetLine).where(BudgetLine.programme_id == programme.id)
                                 .order_by(BudgetLine.category, BudgetLine.id)))
    fields = ("planned", "committed", "spent")
    by_category: dict[str, dict[str, Any]] = {}
    for line in lines:
        cat = by_category.setdefault(line.category, {"category": line.category, "label": str(
            BUDGET_CATEGORIES.get(line.category, line.category)), **{f: ZERO for f in fields}})
        for f in fields:
            cat[f] += getattr(line, f)
    totals = {f: sum((getattr(line, f) for line in lines), ZERO) for f in fields}
    return {"lines": lines, "categories": list(by_category.values()), "totals": totals,
            "spent_share": _share(totals["spent"], totals["planned"]),
            "committed_share": _share(totals["committed"], totals["planned"])}


def _in_scope(structure: Any, programme: Programme) -> Any:
    """A published structure of the programme's cities (of every city when it names none)."""
    condition = and_(structure.public.is_(True), structure.validated.is_(True))
    return and_(condition, structure.city_insee.in_(programme.cities)) if programme.cities else condition


def _taking_part(programme: Programme) -> Any:
    """Structures with a validated link or present at a workshop of the period (computed once by the database)."""
    return union(
        select(Link.source_id).where(Link.status == "validated"),
        select(Link.target_id).where(Link.status == "validated"),
        select(workshop_structure.c.structure_id).where(workshop_structure.c.workshop_id.in_(
            _workshops_in(programme)))).subquery()


def participants(session: Session, programme: Programme) -> dict[str, Any]:
    """People who took part in the period's workshops, and how many said they came from each profile (by its
    label, in the list's order; those who said nothing count as "other")."""
    where = (Participant.role == "participant", Participant.workshop_id.in_(_workshops_in(programme)))
    counts: Counter[str] = Counter()
    for kind, n in session.execute(select(Participant.profile, func.count()).where(*where)
                                   .group_by(Participant.profile)):
        counts[kind if kind in PROFILE_KINDS else "other"] += n
    return {"total": counts.total(),
            "by_profile": {str(label): counts[kind] for kind, label in PROFILE_KINDS.items() if counts[kind]}}


def links_over_time(session: Session, programme: Programme) -> dict[str, Any]:
    """Validated links with an end in the scope, counted by level at the end of each year (cumulative)."""
    source, target = aliased(Structure), aliased(Structure)
    year = func.coalesce(Link.since, extract("year", Link.created_at))
    rows = session.execute(
        select(year, Link.level, func.count()).join(source, Link.source_id == source.id)
        .join(target, Link.target_id == target.id)
        .where(Link.status == "validated", or_(_in_scope(source, programme), _in_scope(target, programme)))
        .group_by(year, Link.level)).all()
    last = programme.ends_on.year
    years = list(range(last - YEARS_SHOWN + 1, last + 1))
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(years))
    for y, level, n in rows:
        for i, shown in enumerate(years):
            if y is not None and int(y) <= shown:
                counts[level][i] += n
    levels = [{"level": k, "label": str(label), "counts": counts[k]} for k, label in map_vocabulary.LEVELS.items()
              if k in counts]
    return {"years": years, "levels": levels, "totals": [sum(lv["counts"][i] for lv in levels)
                                                         for i in range(len(years))]}


def indicators(session: Session, programme: Programme) -> dict[str, Any]:
    """The figures funders ask for, each computed from the data of the map, the workshops and the repository."""
    total, in_qpv = session.execute(select(func.count(), func.count(Structure.qpv_code))
                                    .where(_in_scope(Structure, programme))).one()
    part = _taking_part(programme)
    rows = session.execute(select(Structure.kind, Structure.city_insee, func.count())
                           .where(_in_scope(Structure, programme), Structure.id.in_(select(part.c[0])))
                           .group_by(Structure.kind, Structure.city_insee)).all()
    kinds = Counter()
    for kind, _city, n in rows:
        kinds[kind] += n
    covered = {city for _kind, city, _n in rows}
    cities = programme.cities or sorted(c for c in session.scalars(
        select(distinct(Structure.city_insee)).where(_in_scope(Structure, programme))) if c)
    published = session.scalar(select(func.count(Practice.id)).where(Practice.status == "published")) or 0
    published_in = session.scalar(select(func.count(Practice.id)).where(
        Practice.status == "published", func.date(Practice.published_at) >= programme.starts_on,
        func.date(Practice.published_at) <= programme.ends_on)) or 0
    return {
        "cities_total": len(cities), "cities_covered": len(covered & set(cities)),
        "structures": total, "in_qpv": in_qpv, "qpv_share": _share(in_qpv, total),
        "schools": sum(n for k, n in kinds.items() if k in map_vocabulary.SCHOOL_KINDS),
        "social_centres": sum(n for k, n in kinds.items() if k in SOCIAL_CENTRE_KINDS),
        "taking_part": sum(kinds.values()),
        "participants": participants(session, programme),
        "links": links_over_time(session, programme),
        "sheets_published": published, "sheets_published_in_period": published_in,
        "tried": trials.tried_in(session, programme.cities or [], programme.starts_on, programme.ends_on),
    }


def overview(session: Session, programme: Programme, *, with_budget: bool) -> dict[str, Any]:
    """Everything the programme page, its CSV and its bilan show; the budget only when asked (coordinators)."""
    held = meetings_held(session, programme)
    return {
        "programme": programme, "today": date.today(),
        "time": time_summary(session, programme),
        "meetings": {"planned": programme.planned_meetings, "held": held,
                     "share": _share(held, programme.planned_meetings)},
        "budget": budget_summary(session, programme) if with_budget else None,
        "indicators": indicators(session, programme),
    }
