"""Who hears of what other domains do. Called by those domains' VIEWS, before they commit (never from inside
their services): practices and mapping stay unaware of e-mail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.mapping.models import Link, Structure, structure_network
from workshop.networks.service import coordinators_of
from workshop.notifications.service import notify_all
from workshop.practices.models import Practice
from workshop.trials.models import Trial


def _structure_networks(session: Session, structure_ids: list[int]) -> set[int]:
    return set(session.scalars(select(structure_network.c.network_id)
                               .where(structure_network.c.structure_id.in_(structure_ids))))


def practice_status_changed(session: Session, actor: User, practice: Practice, action: str) -> int:
    """A sheet submitted: its reviewers hear of it; published or sent back: its authors and editors do."""
    context = {"title": practice.title, "url": f"/fiches/{practice.id}"}
    if action == "submit" and practice.status == "submitted":
        reviewers = coordinators_of(session, {n.id for n in practice.networks})
        return notify_all(session, reviewers, "review_requested", context, ref=f"practice:{practice.id}",
                          skip=actor)
    if action in ("publish", "return") and practice.status in ("published", "draft"):
        people = [p for p in [session.get(User, practice.created_by_id), *practice.editors] if p is not None]
        return notify_all(session, people, "review_decided", {**context, "outcome": practice.status},
                          ref=f"practice:{practice.id}", skip=actor)
    return 0


def link_declared(session: Session, actor: User, link: Link) -> int:
    """A declared link waits for the coordinators of the two structures' networks."""
    source, target = session.get(Structure, link.source_id), session.get(Structure, link.target_id)
    context = {"title": f"{source.name} — {target.name}", "url": "/carte/a-valider"}
    people = coordinators_of(session, _structure_networks(session, [link.source_id, link.target_id]))
    return notify_all(session, people, "link_to_validate", context, ref=f"link:{link.id}", skip=actor)


def membership_claimed(session: Session, actor: User, structure_id: int) -> int:
    """"I work here" waits for the coordinators of the structure's networks."""
    structure = session.get(Structure, structure_id)
    context = {"title": f"{actor.name} — {structure.name}", "url": f"/structures/{structure_id}"}
    people = coordinators_of(session, _structure_networks(session, [structure_id]))
    return notify_all(session, people, "membership_claim", context, ref=f"claim:{structure_id}:{actor.id}",
                      skip=actor)


def trial_submitted(session: Session, actor: User, trial: Trial) -> int:
    """A trial waits for whoever its queue shows it to (trials.service.can_moderate): admins and the coordinators
    of the structure's networks. The message names the sheet and the structure, never the trial's free text."""
    structure = session.get(Structure, trial.structure_id)
    context = {"title": f"{trial.practice.title} — {structure.name}", "url": "/essais/a-valider"}
    people = coordinators_of(session, _structure_networks(session, [trial.structure_id]))
    return notify_all(session, people, "trial_to_validate", context, ref=f"trial:{trial.id}", skip=actor)


def trial_decided(session: Session, actor: User, trial: Trial) -> int:
    """The author hears whether their trial is shown (approved) or not, and then why (the refusal's reason)."""
    author = session.get(User, trial.author_id) if trial.author_id is not None else None
    if author is None or trial.status not in ("approved", "refused"):
        return 0
    context = {"title": trial.practice.title, "url": f"/fiches/{trial.practice_id}#essais",
               "outcome": trial.status, "reason": trial.refusal if trial.status == "refused" else ""}
    return notify_all(session, [author], "trial_decided", context, ref=f"trial:{trial.id}", skip=actor)
