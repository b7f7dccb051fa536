"""The review workflow of a sheet: draft → submitted → published → archived, approvals and comments."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Forbidden, ValidationError
from workshop.networks import consent
from workshop.networks.models import Network
from workshop.practices import quality
from workshop.practices.cleaning import COMMENT_MAX
from workshop.practices.models import Practice, PracticeApproval, PracticeComment
from workshop.practices.rights import get_practice, is_involved, is_reviewer, reviewer_networks
from workshop.practices.sheets import now, sync_status_facet
from workshop.practices.vocabulary import STATUS_LABELS
from workshop.validation import clean_text

ACTIONS = {
    # action: (from statuses, to status, who: "editor" | "reviewer", comment required)
    "submit": (("draft",), "submitted", "editor", False),
    "withdraw": (("submitted",), "draft", "editor", False),
    "publish": (("submitted",), "published", "reviewer", False),
    "return": (("submitted",), "draft", "reviewer", True),
    "archive": (("published",), "archived", "reviewer", False),
    "reopen": (("published", "archived"), "draft", "reviewer", False),
}
ACTION_LABELS = {
    "submit": _l("Soumettre à relecture"), "withdraw": _l("Retirer de la relecture"), "publish": _l("Publier"),
    "return": _l("Renvoyer en brouillon"), "archive": _l("Archiver"), "reopen": _l("Rouvrir en brouillon"),
}


def double_approval() -> bool:
    return bool(current_app.config["PRACTICES_DOUBLE_APPROVAL"])


def allowed_actions(session: Session, user: User | None, practice: Practice) -> list[str]:
    found = []
    for action, (sources, _target, who, _required) in ACTIONS.items():
        if practice.status not in sources:
            continue
        if who == "reviewer" and is_reviewer(session, user, practice):
            found.append(action)
        elif who == "editor" and is_involved(session, user, practice):
            found.append(action)
    return found


def consent_networks(session: Session, practice: Practice) -> set[int]:
    """Networks whose approval the sheet needs: those whose structures it names or whose structures took part in
    the workshop it comes from, and then all of its own (all of them too under double approval)."""
    needed = named_networks(session, practice)
    if (needed or double_approval()) and len(practice.networks) > 1:
        needed |= {n.id for n in practice.networks}  # a sheet between two networks: each of them agrees
    return needed


def _involve_consent_networks(session: Session, practice: Practice) -> None:
    """The networks whose consent is needed review the sheet too (their coordinators see and approve it)."""
    needed = named_networks(session, practice)
    missing = needed - {n.id for n in practice.networks}
    if missing:
        practice.networks.extend(session.scalars(select(Network).where(Network.id.in_(missing))))
        session.flush()


def missing_approvals(session: Session, practice: Practice) -> list[Network]:
    """Networks that still have to approve: empty when publishing may happen."""
    approved = set(session.scalars(select(PracticeApproval.network_id)
                                   .where(PracticeApproval.practice_id == practice.id)))
    needed = consent_networks(session, practice)
    return [n for n in practice.networks if n.id in needed and n.id not in approved]


def awaiting_approval(session: Session, network_ids: set[int]) -> dict[int, list[Practice]]:
    """Submitted sheets still waiting for the approval of each of these networks."""
    found: dict[int, list[Practice]] = {n: [] for n in network_ids}
    for practice in session.scalars(select(Practice).where(Practice.status == "submitted").order_by(Practice.id)):
        for network in missing_approvals(session, practice):
            if network.id in found:
                found[network.id].append(practice)
    return found


def transition(session: Session, user: User, practice_id: int, action: Any, comment: Any = "") -> Practice:
    """Move a sheet along draft → submitted → published → archived, leaving a comment in its log."""
    practice = get_practice(session, practice_id)
    if action not in ACTIONS:
        raise ValidationError(_("Action inconnue."), field="action")
    sources, target, _who, required = ACTIONS[action]
    if action not in allowed_actions(session, user, practice):
        if practice.status not in sources:
            raise ValidationError(_("Cette action n'est pas possible pour une fiche « %(s)s ».",
                                    s=STATUS_LABELS[practice.status]), field="action")
        raise Forbidden(_("Seul·es les coordinateur·rices du réseau de la fiche peuvent faire cela.")
                        if _who == "reviewer" else _("Vous ne pouvez pas faire cela sur cette fiche."))
    body = clean_text(comment or "", "comment", min_len=1 if required else 0, max_len=COMMENT_MAX,
                      label=_("Commentaire"))
    source = practice.status
    if action in ("submit", "publish"):
        _involve_consent_networks(session, practice)
    if action == "publish":
        quality.require_complete(practice)
        if consent_networks(session, practice):
            target = _approve(session, user, practice)
    if action in ("return", "withdraw", "reopen"):
        session.execute(delete(PracticeApproval).where(PracticeApproval.practice_id == practice.id))
    _record_status(session, user, practice, source, target, body)
    sync_status_facet(session, practice)
    session.flush()
    return practice


def _approve(session: Session, user: User, practice: Practice) -> str:
    """Record this reviewer's networks' approval; publish once every network whose consent is needed approved."""
    approved = set(session.scalars(select(PracticeApproval.network_id)
                                   .where(PracticeApproval.practice_id == practice.id)))
    waiting = {n.id for n in missing_approvals(session, practice)}
    mine = {n.id for n in practice.networks} if user.is_admin else reviewer_networks(session, user, practice)
    new = (waiting & mine) or (mine - approved)
    if not new:
        raise ValidationError(_("Votre réseau a déjà approuvé cette fiche : l'autre réseau doit l'approuver."),
                              field="action")
    _add_approvals(session, user, practice, new)
    return "published" if not missing_approvals(session, practice) else "submitted"


def _add_approvals(session: Session, user: User, practice: Practice, network_ids: set[int]) -> None:
    for network_id in network_ids:
        session.add(PracticeApproval(practice_id=practice.id, network_id=network_id, user_id=user.id, at=now()))
    session.flush()


def named_networks(session: Session, practice: Practice) -> set[int]:
    """Networks the sheet involves by its content: those of the structures it names and of its workshop's."""
    return consent.sheet_networks(session, practice.structures, practice.source_workshop_id)


def edited(session: Session, user: User, practice: Practice, named_before: set[int]) -> None:
    """After an edit: a published sheet that now names a network it did not name (`named_before`) needs that
    network's approval again. The editor's networks approve the edit; the sheet goes back to review, private,
    until every network whose consent is needed approved (as if it had been submitted so)."""
    if practice.status != "published" or not named_networks(session, practice) - named_before:
        return
    _involve_consent_networks(session, practice)
    waiting = {n.id for n in missing_approvals(session, practice)}
    mine = {n.id for n in practice.networks} if user.is_admin else reviewer_networks(session, user, practice)
    _add_approvals(session, user, practice, waiting & mine)
    if missing_approvals(session, practice):
        _record_status(session, user, practice, "published", "submitted",
                       _("Revenue en relecture : elle nomme désormais un autre réseau, qui doit l'approuver."))
        sync_status_facet(session, practice)
        session.flush()


def _record_status(session: Session, user: User, practice: Practice, source: str, target: str, body: str) -> None:
    moment = now()
    practice.status = target
    if target == "submitted" and source != "submitted":
        practice.submitted_at = moment
    if target == "published":
        practice.published_at = moment
    session.add(PracticeComment(practice_id=practice.id, author_id=user.id, author_name=user.name, body=body,
                                status_from=source, status_to=target, at=moment))


def add_comment(session: Session, user: User, practice_id: int, body: Any) -> PracticeComment:
    """Comment on a sheet under review (authors, editors and reviewers)."""
    practice = get_practice(session, practice_id)
    if not is_involved(session, user, practice):
        raise Forbidden(_("Seul·es les auteur·rices et relecteur·rices commentent cette fiche."))
    text = clean_text(body, "comment", max_len=COMMENT_MAX, label=_("Commentaire"))
    comment = PracticeComment(practice_id=practice.id, author_id=user.id, author_name=user.name, body=text, at=now())
    session.add(comment)
    session.flush()
    return comment


def comments(session: Session, practice_id: int) -> list[PracticeComment]:
    return list(session.scalars(select(PracticeComment).where(PracticeComment.practice_id == practice_id)
                                .order_by(PracticeComment.at, PracticeComment.id)))
