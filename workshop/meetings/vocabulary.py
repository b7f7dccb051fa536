"""Controlled lists of the meetings domain, with their French labels (English through the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS = {
    "working_time": _l("Temps de travail EF-FD"),
    "pooling": _l("Mutualisation"),
    "showcasing": _l("Valorisation"),
    "other": _l("Autre rencontre"),
}
ITEM_KINDS = {
    "plenary": _l("Plénière"),
    "parallel": _l("Ateliers en parallèle"),
    "break": _l("Pause"),
}
STATUSES = {
    "registered": _l("Inscrit·e"),
    "waiting": _l("Liste d'attente"),
    "cancelled": _l("Annulée"),
}
