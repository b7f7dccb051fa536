"""Network rules: membership and coordination."""

from __future__ import annotations

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.networks.models import Network, network_member

DEMO_NETWORKS = (
    ("centres-sociaux", "Fédération départementale des centres sociaux", "Centres sociaux"),
    ("ecole-familles", "Réseau départemental école-familles", "École-familles"),
)


def list_networks(session: Session) -> list[Network]:
    return list(session.scalars(select(Network).order_by(Network.name)))


def ensure_network(session: Session, slug: str, name: str, short_name: str) -> Network:
    network = session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        network = Network(slug=slug, name=name, short_name=short_name)
        session.add(network)
        session.flush()
    return network


def add_member(session: Session, network: Network, user: User, *, coordinator: bool = False) -> None:
    if not is_member(session, network.id, user.id):
        session.execute(insert(network_member).values(network_id=network.id, user_id=user.id,
                                                      coordinator=coordinator))


def is_member(session: Session, network_id: int, user_id: int) -> bool:
    return session.scalar(select(network_member.c.user_id).where(
        network_member.c.network_id == network_id, network_member.c.user_id == user_id)) is not None


def coordinated_network_ids(session: Session, user: User) -> set[int]:
    """Networks this person may review and publish for (admins: all)."""
    if user.is_admin:
        return set(session.scalars(select(Network.id)))
    return set(session.scalars(select(network_member.c.network_id).where(
        network_member.c.user_id == user.id, network_member.c.coordinator.is_(True))))


def coordinators_of(session: Session, network_ids: set[int]) -> list[User]:
    """The active accounts that coordinated_network_ids gives one of these networks to: admins and these
    networks' coordinators."""
    return list(session.scalars(select(User).where(User.active.is_(True), or_(
        User.role == "admin",
        User.id.in_(select(network_member.c.user_id).where(network_member.c.coordinator.is_(True),
                                                           network_member.c.network_id.in_(network_ids)))))
        .order_by(User.id)))


def networks_of(session: Session, user: User) -> list[Network]:
    return list(session.scalars(select(Network).join(network_member).where(network_member.c.user_id == user.id)))
