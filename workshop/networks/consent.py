"""Consent of both networks: what names a network's structures is public only with that network's agreement.

A practice sheet needs the approval of every network whose structure it names or whose structures took part in
the workshop it comes from; a link between structures of two networks is public once each network confirmed it.
These rules only compute who must agree and record agreements; the practices and mapping domains apply them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.mapping.models import Link, structure_network, workshop_structure
from workshop.networks.models import LinkConsent, Network
from workshop.networks.service import coordinated_network_ids


def networks_of_structures(session: Session, structure_ids: list[int]) -> set[int]:
    if not structure_ids:
        return set()
    return set(session.scalars(select(structure_network.c.network_id).where(
        structure_network.c.structure_id.in_(structure_ids))))


def sheet_networks(session: Session, named_structures: list[dict[str, Any]], workshop_id: int | None) -> set[int]:
    """Networks that must agree before a sheet is public: those of the structures it names (by id) and of the
    structures that took part in the workshop it comes from."""
    ids = [s["id"] for s in named_structures or [] if isinstance(s, dict) and isinstance(s.get("id"), int)]
    if workshop_id is not None:
        ids += list(session.scalars(select(workshop_structure.c.structure_id).where(
            workshop_structure.c.workshop_id == workshop_id)))
    return networks_of_structures(session, ids)


def link_networks(session: Session, link: Link) -> set[int]:
    """Networks that must each confirm a link: every network of its two structures when there are several (a link
    inside one network keeps the single validation)."""
    found = networks_of_structures(session, [link.source_id, link.target_id])
    return found if len(found) > 1 else set()


def link_confirmed_by(session: Session, link_id: int) -> set[int]:
    return set(session.scalars(select(LinkConsent.network_id).where(LinkConsent.link_id == link_id)))


def confirm_link(session: Session, actor: User, link: Link) -> bool:
    """Record the confirmation of the actor's networks (admins: all); True once every network confirmed."""
    required = link_networks(session, link)
    mine = required if actor.is_admin else required & coordinated_network_ids(session, actor)
    for network_id in mine - link_confirmed_by(session, link.id):
        session.add(LinkConsent(link_id=link.id, network_id=network_id, user_id=actor.id, user_name=actor.name))
    session.flush()
    return required <= link_confirmed_by(session, link.id)


def withdraw_link(session: Session, link_id: int) -> None:
    session.execute(delete(LinkConsent).where(LinkConsent.link_id == link_id))


def missing_link_networks(session: Session, link: Link) -> list[Network]:
    missing = link_networks(session, link) - link_confirmed_by(session, link.id)
    return list(session.scalars(select(Network).where(Network.id.in_(missing)).order_by(Network.name)))


def waiting_links(session: Session, network_ids: set[int]) -> dict[int, list[Link]]:
    """Declared links still waiting for the confirmation of each of these networks."""
    found: dict[int, list[Link]] = {n: [] for n in network_ids}
    for link in session.scalars(select(Link).where(Link.status == "declared").order_by(Link.id)):
        for network_id in (link_networks(session, link) - link_confirmed_by(session, link.id)) & network_ids:
            found[network_id].append(link)
    return found
