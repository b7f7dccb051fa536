"""What the sheet and structure pages show of trials, for the viewer: public counts and quotes, their own
trials in any state, and the pending ones they may decide on."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.mapping import permissions
from workshop.practices.models import Practice
from workshop.trials import public, service
from workshop.trials.forms import DecisionForm
from workshop.trials.models import Trial
from workshop.trials.vocabulary import RECOMMEND_LABELS, STATUS_LABELS


def tried_line(structures: int, cities: int) -> str:
    """ "Essayée par N structures dans M communes" (page language)."""
    return _("Essayée par %(s)s dans %(c)s",
             s=ngettext("%(num)d structure", "%(num)d structures", structures),
             c=ngettext("%(num)d commune", "%(num)d communes", cities))


def sheet_panel(session: Session, viewer: Any, practice: Practice) -> dict[str, Any]:
    published = practice.status == "published"
    structures, cities = public.counts(session, [practice.id]).get(practice.id, (0, 0)) if published else (0, 0)
    mine: list[Trial] = []
    if getattr(viewer, "is_authenticated", False):
        mine = list(session.scalars(select(Trial).where(Trial.practice_id == practice.id, Trial.author_id == viewer.id,
                                                        Trial.status != "approved").order_by(Trial.id.desc())))
    return {
        "published": published, "structures": structures, "line": tried_line(structures, cities) if structures else "",
        "quotes": public.quotes(session, practice.id) if published else [], "mine": mine,
        "pending": service.pending_for(session, viewer, practice.id), "status_labels": STATUS_LABELS,
        "recommend_labels": RECOMMEND_LABELS, "form": DecisionForm(),
    }


def structure_panel(session: Session, structure_id: int) -> list[dict[str, Any]]:
    return public.at_structure(session, structure_id)


def waiting_count(session: Session, viewer: Any) -> int | None:
    """How many trials wait for this coordinator's decision (None: not a coordinator, no link to show)."""
    if not getattr(viewer, "is_authenticated", False) or not permissions.can_coordinate(session, viewer):
        return None
    return len(service.pending_for(session, viewer))
