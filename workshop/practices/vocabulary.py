"""Controlled lists and labels of practice sheets (DESIGN.md §5); frameworks live in `workshop.frameworks`."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.networks.models import Network
from workshop.practices.models import SECTIONS

KIND_LABELS = {"experience": _l("Expérience"), "practice": _l("Pratique"), "tool": _l("Outil")}
STATUS_LABELS = {"draft": _l("Brouillon"), "submitted": _l("Soumise à relecture"), "published": _l("Publiée"),
                 "archived": _l("Archivée")}
SECTION_LABELS = {
    "context": _l("Contexte"), "objectives": _l("Objectifs"), "public": _l("Public concerné"),
    "actors": _l("Acteurs et rôles"), "steps": _l("Étapes et calendrier"), "means": _l("Moyens et ressources"),
    "obstacles": _l("Freins rencontrés"), "levers": _l("Leviers et conditions de réussite"),
    "vigilance": _l("Points de vigilance"), "evaluation": _l("Effets et évaluation"),
    "transferability": _l("Transférabilité"), "contacts": _l("Contacts"),
}
AUDIENCES = {
    "parents": _l("Parents"), "eleves_primaire": _l("Élèves du primaire"), "collegiens": _l("Collégien·nes"),
    "lyceens": _l("Lycéen·nes"), "petite_enfance": _l("Petite enfance"), "enseignants": _l("Enseignant·es"),
    "animateurs": _l("Animateur·rices"), "familles_allophones": _l("Familles allophones"),
    "professionnels": _l("Professionnel·les"),
}
LIST_FIELDS = ("cities", "qpv", "structures", "frameworks", "themes", "audiences", "networks")
CONTENT_FIELDS = ("title", "summary", "kind", *LIST_FIELDS, *SECTIONS)


def field_label(name: str) -> str:
    """The French name of a content field, for diffs and conflicts."""
    labels = {"title": _("Titre"), "summary": _("Résumé"), "kind": _("Type"), "cities": _("Villes"),
              "qpv": _("QPV"), "structures": _("Structures"), "frameworks": _("Dispositifs"),
              "themes": _("Thèmes"), "audiences": _("Publics"), "networks": _("Réseaux")}
    return str(labels.get(name) or SECTION_LABELS.get(name, name))


def network_labels(session: Session) -> dict[str, str]:
    """Networks' short names by id as text (the network facet stores ids as text)."""
    return {str(i): name for i, name in session.execute(select(Network.id, Network.short_name)).all()}
