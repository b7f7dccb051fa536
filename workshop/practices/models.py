"""The practice repository: practice sheets (fiches pratiques), their versions, review log and search facets.

The full-text index is not a model: it is a SQLite FTS5 table or a PostgreSQL tsvector table created by
`workshop.practices.index.ensure_schema` (the database-specific DDL that `create_all` cannot express).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User
    from workshop.networks.models import Network

KINDS = ("experience", "practice", "tool")
STATUSES = ("draft", "submitted", "published", "archived")

# The long sections of a sheet (DESIGN.md §5), in the order they are shown; each holds sanitised HTML.
SECTIONS = (
    "context", "objectives", "public", "actors", "steps", "means", "obstacles", "levers", "vigilance",
    "evaluation", "transferability", "contacts",
)

# Which practices belong to which networks (the networks that review and publish them).
practice_network = Table(
    "practice_network",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)

# People invited to co-edit a sheet besides its author and the reviewers.
practice_editor = Table(
    "practice_editor",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Practice(db.Model):
    """A practice sheet. Fields (stable: the toolkits domain builds on them):

    - identity: `id`, `uuid` (stable across exports/imports), `title`, `summary` (plain text), `kind`
      (experience | practice | tool), `status` (draft | submitted | published | archived)
    - identification lists (JSON): `cities` [str], `qpv` [str], `structures` [{"id": int|None, "name": str}],
      `frameworks` [workshop.frameworks Framework.key], `themes` [str], `audiences` [AUDIENCES key]
    - sections (sanitised HTML, see SECTIONS): `context`, `objectives`, `public`, `actors`, `steps`, `means`,
      `obstacles`, `levers`, `vigilance`, `evaluation`, `transferability`, `contacts`
    - `networks` (practice_network), `editors` (practice_editor)
    - `version`: number of the current content version (optimistic concurrency, see PracticeVersion)
    - `provenance` (JSON, denormalised so it survives the workshop): {"workshop_id", "workshop_title",
      "workshop_held_on", "cards": [{"id", "column", "text", "author"}], "groups": [...], "at"};
      `source_workshop_id` (NULL once the workshop is deleted)
    - `toolkit_uses`: how many toolkits include it (kept up to date by the toolkits domain)
    - who/when: `created_by_id`, `updated_by_id`, `created_at`, `updated_at`, `submitted_at`, `published_at`
    """

    __tablename__ = "practice"
    __table_args__ = (Index("ix_practice_status_updated", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    kind: Mapped[str] = mapped_column(String(20), default="practice")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)

    cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    qpv: Mapped[list[str]] = mapped_column(JSON, default=list)
    structures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    frameworks: Mapped[list[str]] = mapped_column(JSON, default=list)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)

    context: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[str] = mapped_column(Text, default="")
    actors: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    means: Mapped[str] = mapped_column(Text, default="")
    obstacles: Mapped[str] = mapped_column(Text, default="")
    levers: Mapped[str] = mapped_column(Text, default="")
    vigilance: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    transferability: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[int] = mapped_column(default=1)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop.id", ondelete="SET NULL"), index=True)
    toolkit_uses: Mapped[int] = mapped_column(default=0)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    networks: Mapped[list[Network]] = relationship(secondary=practice_network, order_by="Network.name")
    editors: Mapped[list[User]] = relationship(secondary=practice_editor)


class PracticeVersion(db.Model):
    """One saved state of a sheet's content: every save makes one, so history, diff and restore work."""

    __tablename__ = "practice_version"
    __table_args__ = (UniqueConstraint("practice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class PracticeComment(db.Model):
    """A review comment; a status change is a comment with `status_from` and `status_to`."""

    __tablename__ = "practice_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class PracticeApproval(db.Model):
    """One network's approval of a submitted sheet (used when both networks must approve)."""

    __tablename__ = "practice_approval"
    __table_args__ = (UniqueConstraint("practice_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class PracticeFacet(db.Model):
    """One facet value of a sheet (theme, framework, audience, city, qpv, network): filters and counts in SQL.

    Derived from the practice on every save, like the full-text index.
    """

    __tablename__ = "practice_facet"
    __table_args__ = (Index("ix_practice_facet_lookup", "facet", "value", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    facet: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(120))


class PracticePin(db.Model):
    """A practice the facilitator pinned onto a board ("ailleurs, ceci a aidé"), next to a card or not."""

    __tablename__ = "practice_pin"
    __table_args__ = (UniqueConstraint("workshop_id", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("card.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
