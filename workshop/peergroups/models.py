"""A peer group, its members, its sessions (workshops) and the next steps each session reviews."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User
    from workshop.boards.models import Workshop
    from workshop.mapping.models import City
    from workshop.networks.models import Network

peer_group_network = Table(
    "peer_group_network",
    db.metadata,
    Column("group_id", ForeignKey("peer_group.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)

# The group's territory: the cities it gathers people from.
peer_group_city = Table(
    "peer_group_city",
    db.metadata,
    Column("group_id", ForeignKey("peer_group.id", ondelete="CASCADE"), primary_key=True),
    Column("city_insee", ForeignKey("city.insee", ondelete="CASCADE"), primary_key=True),
)


class PeerGroup(db.Model):
    """A standing group: who it gathers, why, and the format its sessions usually take."""

    __tablename__ = "peer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text, default="")
    format_key: Mapped[str] = mapped_column(String(40), default="freins-leviers")
    place: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    networks: Mapped[list[Network]] = relationship(secondary=peer_group_network, order_by="Network.name")
    cities: Mapped[list[City]] = relationship(secondary=peer_group_city, order_by="City.name")
    members: Mapped[list[PeerGroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")
    sessions: Mapped[list[PeerGroupSession]] = relationship(back_populates="group", cascade="all, delete-orphan",
                                                            order_by="PeerGroupSession.number")


class PeerGroupMember(db.Model):
    """An account in a group, as a member or one of its facilitators."""

    __tablename__ = "peer_group_member"

    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # member | facilitator

    group: Mapped[PeerGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class PeerGroupSession(db.Model):
    """One sitting of a group: a workshop, numbered in the group's series."""

    __tablename__ = "peer_group_session"
    __table_args__ = (UniqueConstraint("group_id", "number"),)

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # The hours the invitations give (the workshop holds the day): optional, set when inviting.
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]

    group: Mapped[PeerGroup] = relationship(back_populates="sessions")
    workshop: Mapped[Workshop] = relationship(lazy="joined")


class CarriedStep(db.Model):
    """A next step of an earlier session brought to this session's "Où en est-on ?": open until the group marks
    it done, ongoing (carried again next time) or dropped."""

    __tablename__ = "carried_step"
    __table_args__ = (UniqueConstraint("workshop_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("next_step.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done | ongoing | dropped
    position: Mapped[int] = mapped_column(default=0)


class GroupInvitation(db.Model):
    """A person invited by e-mail to a group by its facilitator. Only what the invitation needs is kept: the
    address (to write, and to tell the facilitator who answered), the answer and its date; the link's token is
    kept as a hash. Erased with the person's data; the address is asked for this invitation and nothing else."""

    __tablename__ = "peer_group_invitation"
    __table_args__ = (UniqueConstraint("group_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | accepted | declined
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(server_default=func.now())
    answered_at: Mapped[datetime | None]

    group: Mapped[PeerGroup] = relationship()


class InvitationOptOut(db.Model):
    """Someone who asked never to be invited again: only the SHA-256 of the address is kept, enough to refuse a
    new invitation, not to write to (or name) the person."""

    __tablename__ = "invitation_opt_out"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
