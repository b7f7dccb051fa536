"""Recording and moderating trials of practice sheets. Services flush and raise; the views commit.

Who moderates is the map's rule (mapping.permissions): admins, and coordinators of one of the networks the
trial's structure belongs to. Nothing but approved trials of published sheets at public structures is counted
or shown to anyone else; the author sees their own trial whatever its state.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.errors import Conflict, Forbidden, NotFound, ValidationError
from workshop.mapping import permissions
from workshop.mapping.models import Structure, structure_network
from workshop.networks.service import coordinated_network_ids
from workshop.practices import index as practice_index
from workshop.practices.models import Practice
from workshop.trials.models import RECOMMENDATIONS, Trial
from workshop.validation import clean_id, clean_name, clean_text

WITH_WHOM_MAX = 200
TEXT_MAX = 2000
REFUSAL_MAX = 500
EARLIEST = date(2000, 1, 1)


class TrialError(ValidationError):
    """A refused field, with a stable code for programs (the message is for people, in French by default)."""

    def __init__(self, code: str, message: str, field: str):
        super().__init__(message, field=field)
        self.code = code


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _date(value: Any) -> date:
    if isinstance(value, date):
        day = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        try:
            day = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise TrialError("bad_date", _("Indiquez une date valide (jour, mois, année)."), "tried_on")
    if day > date.today():
        raise TrialError("future_date", _("La date ne peut pas être dans le futur."), "tried_on")
    if day < EARLIEST:
        raise TrialError("bad_date", _("Cette date est trop ancienne."), "tried_on")
    return day


def _text(value: Any, field: str, label: str, max_len: int, *, required: bool = False) -> str:
    if isinstance(value, str) and len(value.strip()) > max_len:
        raise TrialError("too_long", _("Le champ « %(f)s » est trop long (%(n)d caractères au plus).", f=label,
                                       n=max_len), field)
    clean = clean_name if field == "with_whom" else clean_text  # "with whom" is one line
    try:
        text = clean(value if value is not None else "", field, min_len=0, max_len=max_len, label=label)
    except ValidationError as error:
        raise TrialError("bad_text", error.message, field) from None
    if required and not text:
        raise TrialError("empty", _("Le champ « %(f)s » est vide.", f=label), field)
    return text


def _by_name(session: Session, name: Any) -> int | None:
    """Without script the type-ahead leaves no id: a typed name naming exactly one structure of the map is it."""
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= 200:
        return None
    found = session.scalars(select(Structure.id).where(
        func.lower(Structure.name) == name.strip().lower(), Structure.public.is_(True),
        Structure.validated.is_(True)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def _structure(session: Session, value: Any, name: Any = None) -> Structure:
    if value in (None, "") and (by_name := _by_name(session, name)) is not None:
        value = by_name
    try:
        structure_id = clean_id(int(value) if isinstance(value, str) and value.isdigit() else value, "structure")
    except ValidationError:
        raise TrialError("unknown_structure", _("Choisissez la structure dans la liste de la carte."),
                         "structure_id") from None
    structure = session.get(Structure, structure_id)
    if structure is None or not structure.public or not structure.validated:
        raise TrialError("unknown_structure", _("Cette structure n'est pas sur la carte : choisissez-la dans la "
                                                "liste."), "structure_id")
    return structure


def published_practice(session: Session, practice_id: int) -> Practice:
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound(_("Cette fiche pratique n'existe pas."))
    if practice.status != "published":
        raise Forbidden(_("Seule une fiche publiée peut être essayée."))
    return practice


def record(session: Session, user: User, practice_id: int, data: dict[str, Any]) -> Trial:
    """A member's "nous l'avons essayée": pending until a coordinator of the structure approves it."""
    if not _authenticated(user) or not user.is_active:
        raise Forbidden(_("Connectez-vous pour dire que vous avez essayé cette fiche."))
    practice = published_practice(session, practice_id)
    structure = _structure(session, data.get("structure_id"), data.get("structure_name"))
    tried_on = _date(data.get("tried_on"))
    recommend = data.get("recommend")
    if recommend not in RECOMMENDATIONS:
        raise TrialError("bad_recommendation", _("Dites si vous la recommandez : oui, sous conditions ou non."),
                         "recommend")
    trial = Trial(
        practice_id=practice.id, structure_id=structure.id, tried_on=tried_on, recommend=recommend,
        with_whom=_text(data.get("with_whom"), "with_whom", _("Avec qui"), WITH_WHOM_MAX),
        changes=_text(data.get("changes"), "changes", _("Ce qui a changé pour les enfants et les parents"),
                      TEXT_MAX, required=True),
        adaptations=_text(data.get("adaptations"), "adaptations", _("Ce que vous avez adapté"), TEXT_MAX),
        status="pending", author_id=user.id, author_name=user.name)
    session.add(trial)
    session.flush()
    return trial


def get_trial(session: Session, trial_id: int) -> Trial:
    trial = session.get(Trial, trial_id)
    if trial is None:
        raise NotFound(_("Cet essai n'existe pas."))
    return trial


def can_moderate(session: Session, user: Any, trial: Trial) -> bool:
    """The map's rule: admins, and coordinators of a network of the trial's structure."""
    return permissions.can_coordinate_structures(session, user, [trial.structure_id])


def decide(session: Session, user: User, trial_id: int, approve: bool, reason: Any = "") -> Trial:
    """Approve (shown and counted from now on) or refuse (with the reason the author reads)."""
    trial = get_trial(session, trial_id)
    if not can_moderate(session, user, trial):
        raise Forbidden(_("Seule la coordination d'un réseau de cette structure peut valider cet essai."))
    if trial.status != "pending":
        raise Conflict(_("Cet essai a déjà été traité."))
    if approve:
        trial.status = "approved"
    else:
        trial.refusal = _text(reason, "refusal", _("Raison du refus"), REFUSAL_MAX, required=True)
        trial.status = "refused"
    trial.decided_by_id = user.id
    trial.decided_at = datetime.now(UTC).replace(tzinfo=None)
    practice_index.touch(session)  # the "most tried" order of the search changes
    session.flush()
    return trial


def withdraw(session: Session, user: User, trial_id: int) -> int:
    """The author (or a moderator) removes a trial; returns the sheet it was about."""
    trial = get_trial(session, trial_id)
    if not (_authenticated(user) and (trial.author_id == user.id or can_moderate(session, user, trial))):
        raise Forbidden(_("Seul·e l'auteur·rice ou la coordination peut retirer cet essai."))
    practice_id = trial.practice_id
    session.delete(trial)
    practice_index.touch(session)
    session.flush()
    return practice_id


def moderated_structures(session: Session, user: Any):
    """The structures whose trials this person moderates, as a clause (None: every structure, for admins)."""
    if user.is_admin:
        return None
    return select(structure_network.c.structure_id).where(
        structure_network.c.network_id.in_(coordinated_network_ids(session, user)))


def pending_for(session: Session, user: Any, practice_id: int | None = None) -> list[Trial]:
    """The pending trials this person may approve (oldest first), on one sheet or all."""
    if not _authenticated(user) or not permissions.can_coordinate(session, user):
        return []
    query = select(Trial).where(Trial.status == "pending").order_by(Trial.created_at, Trial.id)
    if practice_id is not None:
        query = query.where(Trial.practice_id == practice_id)
    scope = moderated_structures(session, user)
    if scope is not None:
        query = query.where(Trial.structure_id.in_(scope))
    return list(session.scalars(query))
