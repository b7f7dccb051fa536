"""What the programme produced, for anyone landing on the site: key figures, the latest published sheets,
toolkits and meeting restitutions, and a page per city. Only published data is read (public structures, validated
links, published sheets, toolkits and restitutions), so nothing waiting for a network's consent shows here."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from workshop.errors import NotFound
from workshop.frameworks import service as frameworks_service
from workshop.mapping.models import City, Link, Structure
from workshop.meetings.models import Meeting
from workshop.practices.models import Practice, PracticeFacet
from workshop.toolkits.models import Toolkit
from workshop.trials import public as trials

LATEST = 6


def slugify(name: str) -> str:
    """"Saint-Denis" -> "saint-denis", "Évry-Courcouronnes" -> "evry-courcouronnes"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def _published_structures():
    return (Structure.public.is_(True), Structure.validated.is_(True))


def _public_links():
    """Validated links whose two ends are published (what the map shows)."""
    source, target = aliased(Structure), aliased(Structure)
    return (select(Link).join(source, Link.source_id == source.id).join(target, Link.target_id == target.id)
            .where(Link.status == "validated", source.public.is_(True), source.validated.is_(True),
                   target.public.is_(True), target.validated.is_(True)))


def figures(session: Session) -> dict[str, int]:
    """The key figures of the home page, counted in SQL (the demo holds thousands of structures)."""
    return {
        "cities": session.scalar(select(func.count(func.distinct(Structure.city_insee)))
                                 .where(*_published_structures(), Structure.city_insee.is_not(None))) or 0,
        "structures": session.scalar(select(func.count()).select_from(Structure)
                                     .where(*_published_structures())) or 0,
        "links": session.scalar(select(func.count()).select_from(_public_links().subquery())) or 0,
        "sheets": session.scalar(select(func.count()).select_from(Practice)
                                 .where(Practice.status == "published")) or 0,
        "tried": trials.practices_tried(session),
    }


def latest_sheets(session: Session, limit: int = LATEST) -> list[Practice]:
    return list(session.scalars(select(Practice).where(Practice.status == "published")
                                .order_by(Practice.published_at.desc(), Practice.id.desc()).limit(limit)))


def latest_toolkits(session: Session, limit: int = 3) -> list[Toolkit]:
    return list(session.scalars(select(Toolkit).where(Toolkit.status == "published")
                                .order_by(Toolkit.published_at.desc(), Toolkit.id.desc()).limit(limit)))


def latest_restitutions(session: Session, limit: int = 3) -> list[Meeting]:
    """Public meetings whose restitution is published, the most recent first."""
    return list(session.scalars(select(Meeting).where(Meeting.public.is_(True), Meeting.published.is_(True))
                                .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit)))


def home(session: Session) -> dict[str, Any]:
    return {"figures": figures(session), "sheets": latest_sheets(session), "toolkits": latest_toolkits(session),
            "restitutions": latest_restitutions(session), "cities": top_cities(session)}


def top_cities(session: Session, limit: int = 12) -> list[dict[str, Any]]:
    """The cities with the most published structures, for the home page's list of city pages."""
    rows = session.execute(select(City.name, func.count(Structure.id)).join(Structure, Structure.city_insee ==
                                                                            City.insee)
                           .where(*_published_structures()).group_by(City.insee, City.name)
                           .order_by(func.count(Structure.id).desc(), City.name).limit(limit)).all()
    return [{"name": name, "slug": slugify(name), "structures": count} for name, count in rows]


@dataclass
class CityPage:
    name: str
    slug: str
    structures: list[Structure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    sheets: list[Practice] = field(default_factory=list)
    frameworks: list[tuple[str, int]] = field(default_factory=list)
    trials: list[dict[str, Any]] = field(default_factory=list)  # sheets tried at the city's structures


def city_page(session: Session, slug: str) -> CityPage:
    """A city's published structures, the public links touching them, the published sheets of the city, the
    sheets tried at its structures, and the frameworks present (from links and sheets)."""
    if not re.fullmatch(r"[a-z0-9-]{1,120}", slug or ""):
        raise NotFound(_("Cette ville n'est pas (encore) dans le programme."))
    cities = [c for c in session.scalars(select(City).where(City.insee.in_(
        select(Structure.city_insee).where(*_published_structures())))) if slugify(c.name) == slug]
    sheets_named = _sheets_in(session, slug)
    if not cities and not sheets_named:
        raise NotFound(_("Cette ville n'est pas (encore) dans le programme."))
    page = CityPage(name=cities[0].name if cities else _city_name(sheets_named, slug), slug=slug)
    insee = [c.insee for c in cities]
    page.structures = list(session.scalars(select(Structure).where(
        Structure.city_insee.in_(insee), *_published_structures()).order_by(Structure.kind, Structure.name)))
    ids = [s.id for s in page.structures]
    page.links = list(session.scalars(_public_links().where(or_(Link.source_id.in_(ids), Link.target_id.in_(ids)))
                                      .order_by(Link.id))) if ids else []
    page.sheets = sheets_named
    page.trials = trials.in_structures(session, ids)
    labels = frameworks_service.labels(session)
    counts = Counter(k for link in page.links for k in link.frameworks or [])
    counts.update(k for p in page.sheets for k in p.frameworks or [])
    page.frameworks = [(labels.get(k, k), n) for k, n in counts.most_common()]
    return page


def _sheets_in(session: Session, slug: str) -> list[Practice]:
    """Published sheets whose cities include this one (through the facet table: no scan of every sheet)."""
    names = [v for v in session.scalars(select(PracticeFacet.value).where(PracticeFacet.facet == "city").distinct())
             if slugify(v) == slug]
    if not names:
        return []
    return list(session.scalars(select(Practice).where(Practice.status == "published", Practice.id.in_(
        select(PracticeFacet.practice_id).where(PracticeFacet.facet == "city", PracticeFacet.value.in_(names))))
        .order_by(Practice.published_at.desc(), Practice.id.desc())))


def _city_name(sheets: list[Practice], slug: str) -> str:
    return next(c for p in sheets for c in p.cities if slugify(c) == slug)
