"""Programme models: the plan (time per network and kind of work, meetings, budget lines) and time recorded.

Amounts and hours are `Numeric` read as `Decimal`: budgets add up to the cent, never through floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db

if TYPE_CHECKING:
    from workshop.accounts.models import User
    from workshop.networks.models import Network

# Who coordinates a programme: they (and admins) see and edit its budget and plan.
programme_coordinator = Table(
    "programme_coordinator",
    db.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Programme(db.Model):
    """A plan over a period: aims, the cities it covers (INSEE codes), the collective meetings it plans."""

    __tablename__ = "programme"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    aims: Mapped[str] = mapped_column(Text, default="")
    cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    planned_meetings: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    coordinators: Mapped[list[User]] = relationship(secondary=programme_coordinator, order_by="User.name")
    time_plans: Mapped[list[TimePlan]] = relationship(cascade="all, delete-orphan", order_by="TimePlan.id",
                                                      back_populates="programme")
    budget_lines: Mapped[list[BudgetLine]] = relationship(cascade="all, delete-orphan", order_by="BudgetLine.id",
                                                          back_populates="programme")


class TimePlan(db.Model):
    """Hours planned for one network and one kind of work."""

    __tablename__ = "programme_time_plan"
    __table_args__ = (UniqueConstraint("programme_id", "network_id", "kind"),
                      CheckConstraint("hours >= 0", name="hours_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    hours: Mapped[Decimal] = mapped_column(Numeric(9, 2))

    programme: Mapped[Programme] = relationship(back_populates="time_plans")
    network: Mapped[Network] = relationship()


class TimeEntry(db.Model):
    """Hours worked on a day for a network and a kind of work; `person` is who did it (a name, as typed)."""

    __tablename__ = "programme_time_entry"
    __table_args__ = (CheckConstraint("hours > 0", name="hours_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    worked_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    person: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    network: Mapped[Network] = relationship()


class BudgetLine(db.Model):
    """A budget line: category, network (none: shared), amounts planned, committed and spent, in euros."""

    __tablename__ = "programme_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200), default="")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="SET NULL"))
    planned: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    committed: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    spent: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))

    programme: Mapped[Programme] = relationship(back_populates="budget_lines")
    network: Mapped[Network | None] = relationship()
