"""Reporting ("Signaler") and the coordinators' moderation queue: hide, edit or dismiss, with who and when.

Hiding goes through the owning domain's own rule (a sheet is archived by its reviewers, a structure leaves the
public map, a link loses its validation); a card is hidden by the board's own `card.hide`, run through the live
kernel (`moderation.commands.hide_on_board`), so that every screen drops it. The service only records reports
and decisions; the front commits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.boards.models import Card, Workshop
from workshop.boards.service import can_moderate
from workshop.errors import Forbidden, NotFound, ValidationError
from workshop.mapping import links, structures
from workshop.mapping.permissions import can_coordinate
from workshop.moderation.models import TARGETS, Report
from workshop.practices import reviews, rights
from workshop.validation import clean_text

REASONS = {
    "personal_data": _l("Données personnelles (un nom, une situation reconnaissable)"),
    "hurtful": _l("Propos blessants ou discriminants"),
    "institution": _l("Met en cause une institution ou une personne"),
    "wrong": _l("Information erronée"),
    "other": _l("Autre raison"),
}
TARGET_LABELS = {"card": _l("Post-it"), "practice": _l("Fiche pratique"), "structure": _l("Structure"),
                 "link": _l("Lien")}
DETAILS_MAX = 500


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def clean_reason(payload: dict[str, Any]) -> tuple[str, str]:
    reason = payload.get("reason")
    if not isinstance(reason, str) or reason not in REASONS:
        raise ValidationError(_("Choisissez une raison du signalement."), field="reason")
    details = clean_text(payload.get("details") or "", "details", min_len=0, max_len=DETAILS_MAX,
                         label=_("Précisions"))
    return reason, details


def _excerpt(session: Session, kind: str, target_id: int, viewer: Any) -> tuple[str, int | None]:
    """What is reported as the reporter sees it (refusing what they may not see), and its workshop for a card."""
    if kind == "practice":
        return rights.require_view(session, viewer, target_id).title, None
    if kind == "structure":
        return structures.get_structure(session, target_id, viewer=viewer).name, None
    if kind == "link":
        link = links.get_link(session, target_id, viewer=viewer)
        return f"{link.source.name} ↔ {link.target.name}", None
    card = session.get(Card, target_id)
    if card is None or card.deleted:
        raise NotFound(_("Ce post-it n'existe plus."))
    return card.text, card.workshop_id


def report(session: Session, kind: Any, target_id: int, payload: dict[str, Any], *, user: Any = None,
           participant: Any = None) -> Report:
    """Record a report; the same person reporting the same open item again changes nothing."""
    if kind not in TARGETS:
        raise NotFound(_("On ne peut pas signaler cela."))
    reason, details = clean_reason(payload)
    excerpt, workshop_id = _excerpt(session, kind, target_id, user)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    participant_id = participant.id if participant is not None else None
    existing = session.scalar(select(Report).where(
        Report.target_kind == kind, Report.target_id == target_id, Report.status == "open",
        Report.reporter_user_id.is_(None) if user_id is None else Report.reporter_user_id == user_id,
        Report.reporter_participant_id.is_(None) if participant_id is None else
        Report.reporter_participant_id == participant_id))
    if existing is not None and (user_id or participant_id):
        return existing
    name = participant.name if participant is not None else (user.name if user_id else "")
    item = Report(target_kind=kind, target_id=target_id, workshop_id=workshop_id, reason=reason, details=details,
                  excerpt=excerpt[:200], reporter_user_id=user_id, reporter_participant_id=participant_id,
                  reporter_name=name, created_at=_now())
    session.add(item)
    session.flush()
    return item


def may_moderate(session: Session, actor: Any, item: Report) -> bool:
    """Coordinators (and admins) moderate everything; a workshop's facilitator the cards of their board."""
    if can_coordinate(session, actor):
        return True
    if item.target_kind == "card" and item.workshop_id:
        workshop = session.get(Workshop, item.workshop_id)
        return workshop is not None and can_moderate(actor, workshop)
    return False


def _visible_to(session: Session, actor: Any, query):
    """The reports of `query` this person decides on (coordinators: all; facilitators: their boards' cards)."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden()
    if can_coordinate(session, actor):
        return query
    mine = select(Workshop.id).where(Workshop.facilitator_id == actor.id)
    return query.where(Report.target_kind == "card", Report.workshop_id.in_(mine))


def queue(session: Session, actor: Any) -> list[Report]:
    """The open reports this person may decide on, newest first."""
    query = select(Report).where(Report.status == "open").order_by(Report.created_at.desc(), Report.id.desc())
    return list(session.scalars(_visible_to(session, actor, query).limit(200)))


def decisions(session: Session, actor: Any, limit: int = 50) -> list[Report]:
    """The last decisions this person may see, the most recent first."""
    query = select(Report).where(Report.status != "open").order_by(Report.decided_at.desc(), Report.id.desc())
    return list(session.scalars(_visible_to(session, actor, query).limit(limit)))


def get_report(session: Session, actor: Any, report_id: int) -> Report:
    item = session.get(Report, report_id)
    if item is None:
        raise NotFound(_("Signalement introuvable."))
    if not may_moderate(session, actor, item):
        raise Forbidden(_("Seule la coordination (ou l'animateur·rice de l'atelier) traite ce signalement."))
    return item


def decide(session: Session, actor: Any, report_id: int, action: Any) -> Report:
    """Hide the reported item, mark it edited, or dismiss the report: every open report of the item is closed
    with who decided and when. Hiding a card is left to the front (`moderation.commands.hide_on_board`, run first)."""
    item = get_report(session, actor, report_id)
    if action not in ("hide", "edited", "dismiss"):
        raise ValidationError(_("Action inconnue."), field="action")
    if item.status != "open":
        raise ValidationError(_("Ce signalement a déjà été traité."), field="action")
    if action == "hide":
        _hide(session, actor, item)
    status = {"hide": "hidden", "edited": "edited", "dismiss": "dismissed"}[action]
    for same in session.scalars(select(Report).where(Report.target_kind == item.target_kind,
                                                     Report.target_id == item.target_id, Report.status == "open")):
        same.status, same.decided_by_id, same.decided_by_name, same.decided_at = status, actor.id, actor.name, _now()
    session.flush()
    return item


def _hide(session: Session, actor: Any, item: Report) -> None:
    if item.target_kind == "practice":
        practice = rights.get_practice(session, item.target_id)
        if practice.status == "published":
            reviews.transition(session, actor, practice.id, "archive",
                               _("Masquée après un signalement : %(r)s", r=REASONS[item.reason]))
    elif item.target_kind == "structure":
        structure = structures.editable_structure(session, actor, item.target_id)
        structure.public = False
    elif item.target_kind == "link":
        links.set_link_status(session, actor, item.target_id, False)


def target_url_args(item: Report) -> tuple[str, dict[str, int]] | None:
    """Where the reported item is shown (and edited), for the queue's links."""
    return {"practice": ("practices.show", {"practice_id": item.target_id}),
            "structure": ("mapping.structure", {"structure_id": item.target_id}),
            "link": ("mapping.link", {"link_id": item.target_id})}.get(item.target_kind)
