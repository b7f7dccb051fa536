"""Peer group rules: creating a group, its members, and the next session with the steps still open.

Facilitators and coordinators create groups; a group's facilitators (and coordinators) start its sessions.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.accounts.service import active_by_email
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.facilitation.models import NextStep
from workshop.formats.builtin import DEFAULT_FORMAT
from workshop.formats.service import setup_for
from workshop.mapping.models import City
from workshop.networks.models import Network
from workshop.peergroups import review
from workshop.peergroups.models import CarriedStep, PeerGroup, PeerGroupMember, PeerGroupSession
from workshop.validation import clean_name, clean_text

ROLES = ("member", "facilitator")
MEMBERS_MAX = 200


def get_group(session: Session, group_id: int) -> PeerGroup:
    group = session.get(PeerGroup, group_id)
    if group is None:
        raise NotFound(_("Ce groupe de pairs n'existe pas."))
    return group


def role_in(group: PeerGroup, user: User | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return next((m.role for m in group.members if m.user_id == user.id), None)


def can_run(user: User | None, group: PeerGroup) -> bool:
    """Coordinators, and the group's own facilitators (with a facilitator account), start its sessions."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or (user.can_facilitate and role_in(group, user) == "facilitator")


def can_see(user: User | None, group: PeerGroup) -> bool:
    return bool(user and user.is_authenticated and (user.can_facilitate or role_in(group, user)))


def sees_profiles(user: User | None, group: PeerGroup) -> bool:
    """Who came by profile ("je viens de…") is for those who run the group's sessions, as a board's balance is for
    its facilitator: in a small session a member could tell who said what."""
    return can_run(user, group)


def require_view(session: Session, user: User | None, group_id: int) -> PeerGroup:
    """The group, for facilitators, coordinators and its members; anyone else is refused."""
    group = get_group(session, group_id)
    if not can_see(user, group):
        raise Forbidden(_("Ce groupe de pairs est réservé à ses membres."))
    return group


def groups_for(session: Session, user: User) -> list[PeerGroup]:
    """Every group for facilitators and coordinators; the groups they belong to for members."""
    query = select(PeerGroup).order_by(PeerGroup.name)
    if not user.can_facilitate:
        query = query.join(PeerGroupMember).where(PeerGroupMember.user_id == user.id)
    return list(session.scalars(query))


def create_group(session: Session, creator: User, name: str, *, purpose: str = "", format_key: str = "",
                 place: str = "", network_ids: list[int] = (), city_insees: list[str] = ()) -> PeerGroup:
    """A new group, its creator as first facilitator."""
    if not creator.can_facilitate:
        raise Forbidden(_("Seuls les animateur·rices et coordinateur·rices créent des groupes de pairs."))
    group = PeerGroup(name=clean_name(name, "name", max_len=120, label=_("Nom du groupe")),
                      purpose=clean_text(purpose or "", "purpose", min_len=0, max_len=2000, label=_("Objet")),
                      format_key=setup_for(session, creator, format_key or DEFAULT_FORMAT).format_key,
                      place=clean_text(place or "", "place", min_len=0, max_len=200, label=_("Lieu habituel")),
                      created_by_id=creator.id)
    group.networks = list(session.scalars(select(Network).where(Network.id.in_(list(network_ids)))))
    group.cities = list(session.scalars(select(City).where(City.insee.in_(list(city_insees)))))
    if len(group.networks) != len(set(network_ids)) or len(group.cities) != len(set(city_insees)):
        raise ValidationError(_("Réseau ou commune inconnu."), field="networks")
    group.members = [PeerGroupMember(user_id=creator.id, role="facilitator")]
    session.add(group)
    session.flush()
    return group


def add_member(session: Session, actor: User, group: PeerGroup, email: str, role: str = "member"
               ) -> PeerGroupMember:
    """Add an account (by its e-mail) to the group, or change its role there."""
    if not can_run(actor, group):
        raise Forbidden(_("Seul·es les animateur·rices du groupe ajoutent des membres."))
    if role not in ROLES:
        raise ValidationError(_("Rôle inconnu."), field="role")
    user = active_by_email(session, clean_text(email, "email", max_len=254, label=_("E-mail")))
    if user is None:
        raise ValidationError(_("Aucun compte ne porte cette adresse."), field="email")
    if role == "facilitator" and not user.can_facilitate:
        raise ValidationError(_("Ce compte n'est pas animateur·rice : ajoutez-le comme membre."), field="role")
    member = next((m for m in group.members if m.user_id == user.id), None)
    if member is None:
        if len(group.members) >= MEMBERS_MAX:
            raise ValidationError(_("Ce groupe a déjà %(n)d membres.", n=MEMBERS_MAX), field="email")
        member = PeerGroupMember(user_id=user.id, role=role)
        group.members.append(member)
    member.role = role
    session.flush()
    return member


def next_session(session: Session, user: User, group: PeerGroup, held_on: date | None = None) -> Workshop:
    """Create the group's next workshop in its usual format; the steps still open come with it, reviewed in a
    first "Où en est-on ?" phase."""
    if not can_run(user, group):
        raise Forbidden(_("Seul·es les animateur·rices du groupe et les coordinateur·rices lancent une séance."))
    number = (session.scalar(select(func.max(PeerGroupSession.number))
                             .where(PeerGroupSession.group_id == group.id)) or 0) + 1
    steps = open_steps(session, group)
    workshop = boards.create_workshop(session, user, _("%(name)s — séance %(n)d", name=group.name, n=number)[:200],
                                      place=group.place, held_on=held_on or date.today(),
                                      format_key=group.format_key)
    session.add(PeerGroupSession(workshop_id=workshop.id, group_id=group.id, number=number))
    session.add_all(CarriedStep(workshop_id=workshop.id, step_id=step.id, position=i)
                    for i, (step, _number) in enumerate(steps))
    if steps:
        review.open_with_review(workshop)
    session.flush()
    return workshop


def open_steps(session: Session, group: PeerGroup) -> list[tuple[NextStep, int]]:
    """The next steps of the group's sessions neither done nor dropped, with the number of their session."""
    rows = session.execute(select(NextStep, PeerGroupSession.number)
                           .join(PeerGroupSession, PeerGroupSession.workshop_id == NextStep.workshop_id)
                           .where(PeerGroupSession.group_id == group.id, NextStep.done.is_(False))
                           .order_by(PeerGroupSession.number, NextStep.position, NextStep.id)).all()
    dropped = review.dropped_steps(session, [step.id for step, _n in rows])
    return [(step, number) for step, number in rows if step.id not in dropped]
