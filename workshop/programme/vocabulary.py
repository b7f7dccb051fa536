"""Controlled lists of the programme: stable keys in the database, French labels in the UI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

WORK_KINDS = {
    "coordination": _l("Coordination et pilotage"),
    "animation": _l("Animation des ateliers et rencontres"),
    "preparation": _l("Préparation et logistique"),
    "accompagnement": _l("Accompagnement des structures"),
    "capitalisation": _l("Capitalisation (fiches, boîtes à outils)"),
    "communication": _l("Communication"),
}

BUDGET_CATEGORIES = {
    "personnel": _l("Personnel"),
    "deplacements": _l("Déplacements"),
    "salles": _l("Location de salles"),
    "restauration": _l("Restauration"),
    "impression": _l("Supports et impression"),
    "prestations": _l("Prestations extérieures"),
    "autre": _l("Autre"),
}
