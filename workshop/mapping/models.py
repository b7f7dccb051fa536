"""Cartography models: structures, the links between them (with their history), cities and QPV.

Keys of the controlled lists live in `workshop.mapping.vocabulary`; the database stores keys, never labels.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User
    from workshop.networks.models import Network

# Which networks a structure belongs to.
structure_network = Table(
    "structure_network",
    db.metadata,
    Column("structure_id", ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)

# Which structures were represented at a workshop (set by its facilitator): the structure page lists them.
workshop_structure = Table(
    "workshop_structure",
    db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("structure_id", ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True, index=True),
)




def changed_now() -> datetime:
    """When a row last changed, to the microsecond: the map's data fingerprint (`cache.data_fingerprint`)
    reads the latest one. Set by SQLAlchemy on every UPDATE of the row (ORM or bulk), so no writer can forget
    it; the database's own clock would give whole seconds, and two edits in one second would look alike."""
    return datetime.now(UTC).replace(tzinfo=None)

class City(db.Model):
    """A commune (reference data), keyed by its INSEE code."""

    __tablename__ = "city"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    departement: Mapped[str] = mapped_column(String(3), index=True)


class Qpv(db.Model):
    """A quartier prioritaire (reference data from the ANCT): its communes and, once imported, its outline.

    `outline` is the full GeoJSON geometry used for point-in-polygon; `outline_simple` a lighter one for the map.
    """

    __tablename__ = "qpv"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    departement: Mapped[str] = mapped_column(String(3), default="", index=True)
    cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    outline: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outline_simple: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime | None] = mapped_column(default=changed_now, onupdate=changed_now)


class Structure(db.Model):
    """A school, a social centre, an association or a city service.

    `qpv_manual` marks a QPV set by hand: point-in-polygon marking never overrides it. `public` hides a structure
    from the public map; `validated` is false for structures proposed by members until a coordinator checks them.
    """

    __tablename__ = "structure"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
        Index("ix_structure_city_kind", "city_insee", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    uai: Mapped[str | None] = mapped_column(String(8), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    city_insee: Mapped[str | None] = mapped_column(ForeignKey("city.insee"), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    priority: Mapped[str | None] = mapped_column(String(4))  # REP | REP+ | NULL
    qpv_code: Mapped[str | None] = mapped_column(String(12), index=True)
    qpv_manual: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool] = mapped_column(default=True)
    validated: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # annuaire | structures | manual | demo
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=changed_now, index=True)

    city: Mapped[City | None] = relationship(lazy="joined")
    networks: Mapped[list[Network]] = relationship(secondary=structure_network, order_by="Network.name")
    contacts: Mapped[list[StructureContact]] = relationship(back_populates="structure", cascade="all, delete-orphan",
                                                            order_by="StructureContact.id")


class StructureContact(db.Model):
    """A role to contact in a structure: no personal data beyond the role and an optional work email."""

    __tablename__ = "structure_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))

    structure: Mapped[Structure] = relationship(back_populates="contacts")


class Link(db.Model):
    """A characterised relation between two structures (one per pair, whatever the direction).

    `source` is the structure that declared it; `status` is `declared` until a coordinator validates it, and
    only validated links are public.
    """

    __tablename__ = "structure_link"
    __table_args__ = (
        UniqueConstraint("pair_low", "pair_high"),
        CheckConstraint("source_id <> target_id", name="distinct_ends"),
        Index("ix_structure_link_status_level", "status", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    pair_low: Mapped[int]  # min(source_id, target_id): one link per pair of structures
    pair_high: Mapped[int]
    level: Mapped[str] = mapped_column(String(30), default="unknown")
    formalisation: Mapped[str] = mapped_column(String(20), default="informal")
    frameworks: Mapped[list[str]] = mapped_column(JSON, default=list)
    shared: Mapped[list[str]] = mapped_column(JSON, default=list)
    parents_place: Mapped[str | None] = mapped_column(String(20))
    since: Mapped[int | None]  # year
    frequency: Mapped[str | None] = mapped_column(String(20))
    initiative: Mapped[str] = mapped_column(String(20), default="unknown")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="declared")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    validated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=changed_now, index=True)

    source: Mapped[Structure] = relationship(foreign_keys=[source_id])
    target: Mapped[Structure] = relationship(foreign_keys=[target_id])
    changes: Mapped[list[LinkChange]] = relationship(back_populates="link", cascade="all, delete-orphan",
                                                     order_by="LinkChange.id")


class LinkChange(db.Model):
    """One change of a link: who, when, what (`changes` maps field -> [before, after])."""

    __tablename__ = "structure_link_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("structure_link.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(20))  # declared | edited | validated | unvalidated
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(server_default=func.now())

    link: Mapped[Link] = relationship(back_populates="changes")


class StructureMember(db.Model):
    """Someone who works in a structure: added by a coordinator, or claimed by the person (`claimed`) until a
    coordinator validates it (`member`). Only members may declare the links of their structure."""

    __tablename__ = "structure_member"
    __table_args__ = (CheckConstraint("status IN ('claimed', 'member')", name="member_status"),)

    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
