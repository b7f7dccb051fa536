"""The department view: each network's figures side by side, and what joins them.

Everything is counted from the data. Public figures follow the public map's rule (`mapping.public`): structures
marked public and validated, validated links between two of them; a link joining two networks is validated only
once each network confirmed it (`networks.consent`), so one still waiting is counted apart, as a number, never
listed. Private things (hidden structures, links not validated, private meetings, people) appear only as counts.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, case, distinct, event, extract, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from workshop.mapping.cache import WATCHED_TABLES, Kept, data_fingerprint
from workshop.mapping.models import Link, Structure, structure_network, workshop_structure
from workshop.mapping.public import joins_networks, networks_by_structure
from workshop.meetings.models import Meeting, meeting_network
from workshop.networks.models import LinkConsent, Network, network_member
from workshop.practices.models import Practice, PracticeVersion, practice_network

log = logging.getLogger(__name__)
LISTED_LINKS = 50  # a long list helps nobody: the map shows them all


@dataclass
class NetworkFigures:
    id: int
    name: str
    short_name: str
    structures: int = 0
    private_structures: int = 0
    people: int = 0
    coordinators: int = 0
    links: int = 0
    internal_links: int = 0
    waiting_links: int = 0
    workshops: int = 0
    meetings: int = 0
    private_meetings: int = 0
    contributors: int = 0
    sheets: int = 0


@dataclass
class Sides:
    networks: list[NetworkFigures]
    cross_links: list[dict[str, Any]] = field(default_factory=list)  # the first LISTED_LINKS, public only
    cross_count: int = 0
    cross_waiting: int = 0
    by_year: list[dict[str, int]] = field(default_factory=list)  # year, added, total
    co_published: list[dict[str, Any]] = field(default_factory=list)


def _count_by_network(session: Session, query) -> Counter:
    return Counter(dict(session.execute(query).all()))


def _structures(session: Session, figures: dict[int, NetworkFigures]) -> set[int]:
    """Fill the structure counts; return the published structures (the ends a public link needs)."""
    c = Structure.__table__.c
    published = set(session.connection().execute(select(c.id).where(c.public.is_(True), c.validated.is_(True)))
                    .scalars())
    for network_id, structure_id in session.connection().execute(select(structure_network.c.network_id,
                                                           structure_network.c.structure_id)):
        if network_id in figures:
            if structure_id in published:
                figures[network_id].structures += 1
            else:
                figures[network_id].private_structures += 1
    return published


def _links(session: Session, figures: dict[int, NetworkFigures], sides: Sides, published: set[int]) -> None:
    networks = networks_by_structure(session)
    c = Link.__table__.c
    years: Counter = Counter()
    cross: list[int] = []
    year = func.coalesce(c.since, extract("year", c.created_at))  # in SQL: no datetime decoding per row
    for link_id, source, target, status, when in session.connection().execute(
            select(c.id, c.source_id, c.target_id, c.status, year).order_by(c.id)).all():
        touched = networks.get(source, frozenset()) | networks.get(target, frozenset())
        if not touched:
            continue
        joins = joins_networks(networks, source, target)
        public = status == "validated" and source in published and target in published
        for network_id in touched & figures.keys():
            if public:
                figures[network_id].links += 1
                figures[network_id].internal_links += not joins
            elif status != "validated":
                figures[network_id].waiting_links += 1
        if joins and public:
            cross.append(link_id)
            years[int(when)] += 1
        elif joins and status != "validated":
            sides.cross_waiting += 1
    sides.cross_count = len(cross)
    total = 0
    for year in sorted(years):
        total += years[year]
        sides.by_year.append({"year": year, "added": years[year], "total": total})
    sides.cross_links = _describe(session, cross[:LISTED_LINKS])


def _describe(session: Session, link_ids: list[int]) -> list[dict[str, Any]]:
    if not link_ids:
        return []
    source, target = Structure.__table__.alias("source"), Structure.__table__.alias("target")
    c = Link.__table__.c
    rows = session.execute(select(c.id, source.c.name, target.c.name, c.level, c.since)
                           .join(source, source.c.id == c.source_id).join(target, target.c.id == c.target_id)
                           .where(c.id.in_(link_ids)).order_by(c.id))
    return [{"id": i, "source": a, "target": b, "level": level, "since": since} for i, a, b, level, since in rows]


def _workshops(session: Session, figures: dict[int, NetworkFigures]) -> None:
    counts = _count_by_network(session, select(
        structure_network.c.network_id, func.count(distinct(workshop_structure.c.workshop_id)))
        .join(workshop_structure, workshop_structure.c.structure_id == structure_network.c.structure_id)
        .group_by(structure_network.c.network_id))
    for network_id, value in counts.items():
        if network_id in figures:
            figures[network_id].workshops = value


def _meetings(session: Session, figures: dict[int, NetworkFigures]) -> None:
    rows = session.execute(select(meeting_network.c.network_id, Meeting.public, func.count())
                           .join(Meeting, Meeting.id == meeting_network.c.meeting_id)
                           .group_by(meeting_network.c.network_id, Meeting.public))
    for network_id, public, value in rows:
        if network_id in figures:
            if public:
                figures[network_id].meetings += value
            else:
                figures[network_id].private_meetings += value


def _people(session: Session, figures: dict[int, NetworkFigures]) -> None:
    m = network_member.c
    for network_id, coordinator, value in session.execute(
            select(m.network_id, m.coordinator, func.count()).group_by(m.network_id, m.coordinator)):
        if network_id in figures:
            figures[network_id].people += value
            figures[network_id].coordinators += value if coordinator else 0


def _sheets(session: Session, figures: dict[int, NetworkFigures], sides: Sides) -> None:
    p = practice_network.c
    published = select(Practice.id).where(Practice.status == "published")
    sheets = _count_by_network(session, select(p.network_id, func.count()).where(p.practice_id.in_(published))
                               .group_by(p.network_id))
    # Contributors: the people who wrote a version of a published sheet (counted, never named).
    authors = _count_by_network(session, select(p.network_id, func.count(distinct(PracticeVersion.author_id)))
                                .join(PracticeVersion, PracticeVersion.practice_id == p.practice_id)
                                .where(p.practice_id.in_(published), PracticeVersion.author_id.is_not(None))
                                .group_by(p.network_id))
    for network_id, item in figures.items():
        item.sheets, item.contributors = sheets.get(network_id, 0), authors.get(network_id, 0)
    wanted = list(figures)
    shared = (select(p.practice_id).where(p.network_id.in_(wanted)).group_by(p.practice_id)
              .having(func.count(distinct(p.network_id)) >= min(2, len(wanted))))
    if len(wanted) >= 2:
        rows = session.execute(select(Practice.id, Practice.title).where(Practice.status == "published",
                                                                         Practice.id.in_(shared))
                               .order_by(Practice.title))
        sides.co_published = [{"id": i, "title": title} for i, title in rows]


def department_view(session: Session) -> Sides:
    """Each network's figures and what joins them, computed from the data (see the module's rules)."""
    networks = session.scalars(select(Network).order_by(Network.id)).all()
    figures = {n.id: NetworkFigures(n.id, n.name, n.short_name) for n in networks}
    sides = Sides(networks=list(figures.values()))
    published = _structures(session, figures)
    _links(session, figures, sides, published)
    _people(session, figures)
    _workshops(session, figures)
    _meetings(session, figures)
    _sheets(session, figures, sides)
    return sides


# The view costs ~100 ms of CPU at 5,000 structures and 10,000 links (each link's networks, in Python); the page
# reuses it while the data it reads is unchanged, as the graph's metrics are reused per graph (mapping.metrics).
_views = Kept(4)


def _checksum(table, *columns) -> Any:
    """count and a sum over the rows of `table`: moves when a row is added, removed or one of `columns` changes."""
    weighted = sum((column * (7919 ** index) for index, column in enumerate(columns)), start=0)
    return select(func.count(), func.coalesce(func.sum(weighted), 0)).select_from(table)


def _watches() -> dict[Table, Any]:
    """What the fingerprint reads of each table the view reads, beyond the map's (`data_fingerprint`): a few
    aggregate queries, in SQL, whatever the size of the map. A table the view reads and this misses is found
    when the view is computed (see `cached_department_view`)."""
    m, w, mn, pn = network_member.c, workshop_structure.c, meeting_network.c, practice_network.c
    meeting, practice = Meeting.__table__.c, Practice.__table__.c
    return {
        Network.__table__: select(Network.id, Network.name, Network.short_name).order_by(Network.id),
        network_member: _checksum(network_member, m.user_id, m.network_id,
                                  case((m.coordinator.is_(True), 1), else_=0)),
        workshop_structure: _checksum(workshop_structure, w.workshop_id, w.structure_id),
        Meeting.__table__: _checksum(Meeting.__table__, meeting.id, case((meeting.public.is_(True), 1), else_=0)),
        meeting_network: _checksum(meeting_network, mn.meeting_id, mn.network_id),
        Practice.__table__: select(func.count(), func.max(practice.updated_at),
                                   func.sum(case((practice.status == "published", practice.id), else_=0)))
        .select_from(Practice),
        practice_network: _checksum(practice_network, pn.practice_id, pn.network_id),
        PracticeVersion.__table__: select(func.count(), func.max(PracticeVersion.id)).select_from(PracticeVersion),
        LinkConsent.__table__: select(func.count()).select_from(LinkConsent),
    }


def watched_tables() -> frozenset[Table]:
    return WATCHED_TABLES | frozenset(_watches())


def fingerprint(session: Session) -> str:
    """Changes whenever the view may change: the map's tables (`mapping.cache.data_fingerprint`, which sees every
    structure's or link's update by its `updated_at`), and the other tables it reads (`_watches`)."""
    parts: list[Any] = [data_fingerprint(session)]
    parts += [session.execute(query).all() for query in _watches().values()]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def tables_read(session: Session, run: Callable[[], Any]) -> tuple[Any, set[Table]]:
    """`run()`'s result and the tables its queries read."""
    read: set[Table] = set()

    def record(_conn, statement, *_args) -> None:
        read.update(getattr(t, "element", t) for t in find_tables(statement, include_aliases=True,
                                                                   include_joins=True))

    connection = session.connection()
    event.listen(connection, "before_execute", record)
    try:
        return run(), read
    finally:
        event.remove(connection, "before_execute", record)


def cached_department_view(session: Session) -> Sides:
    """department_view(), computed once per state of the data it reads (see fingerprint). A view that read a
    table the fingerprint does not watch is not kept (a change there would not be seen): it is computed afresh
    each time, with a warning, never served stale."""
    key = fingerprint(session)
    view = _views.find(key)
    if view is None:
        view, read = tables_read(session, lambda: department_view(session))
        unwatched = sorted(t.name for t in read - watched_tables())
        if unwatched:
            log.warning("department view not cached: its fingerprint does not watch %s", ", ".join(unwatched))
        else:
            _views.put(key, view)
    return view
