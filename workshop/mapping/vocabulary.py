"""Controlled lists of the cartography (DESIGN.md §5): stable keys in the database, French labels in the UI.

Frameworks (dispositifs) are not here: every domain reads the one list of `workshop.frameworks`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS = {
    "ecole_maternelle": _l("École maternelle"),
    "ecole_elementaire": _l("École élémentaire"),
    "ecole_primaire": _l("École primaire"),
    "college": _l("Collège"),
    "lycee": _l("Lycée"),
    "centre_social": _l("Centre social"),
    "espace_vie_sociale": _l("Espace de vie sociale"),
    "association": _l("Association"),
    "service_municipal": _l("Service municipal"),
    "other": _l("Autre"),
}
SCHOOL_KINDS = ("ecole_maternelle", "ecole_elementaire", "ecole_primaire", "college", "lycee")
CENTRE_KINDS = ("centre_social", "espace_vie_sociale")  # social centres, of either size

LEVELS = {
    "unknown": _l("Non renseigné"),
    "acquaintance": _l("Se connaissent"),
    "information": _l("Information"),
    "consultation": _l("Consultation"),
    "coordination": _l("Coordination"),
    "cooperation": _l("Coopération"),
    "co_construction": _l("Co-construction"),
    "formal_partnership": _l("Partenariat formalisé"),
}

FORMALISATIONS = {
    "informal": _l("Informel"),
    "agreement": _l("Convention / charte signée"),
    "framework": _l("Inscrit dans un dispositif"),
}

SHARED = {
    "premises": _l("Locaux"),
    "staff": _l("Personnel"),
    "funding": _l("Financements"),
    "information": _l("Informations"),
}

PARENTS_PLACES = {
    "informed": _l("Informés"),
    "consulted": _l("Consultés"),
    "associated": _l("Associés"),
    "co_deciding": _l("Co-décideurs"),
}

FREQUENCIES = {
    "occasional": _l("Ponctuelle"),
    "yearly": _l("Quelques fois par an"),
    "monthly": _l("Mensuelle"),
    "weekly": _l("Hebdomadaire"),
}

INITIATIVES = {
    "unknown": _l("Non renseigné"),
    "source": _l("La structure déclarante"),
    "target": _l("La structure partenaire"),
    "both": _l("Les deux ensemble"),
    "third_party": _l("Un tiers (ville, REP, fédération…)"),
}

CONTACT_ROLES = {
    "directeur_ecole": _l("Directeur·rice d'école"),
    "principal": _l("Principal·e"),
    "cpe": _l("CPE"),
    "coordonnateur_rep": _l("Coordonnateur·rice REP"),
    "referent_familles": _l("Référent·e familles"),
    "directeur_centre_social": _l("Directeur·rice de centre social"),
    "animateur": _l("Animateur·rice"),
}

PRIORITY = {"REP": "REP", "REP+": "REP+"}

LINK_STATUSES = {"declared": _l("Déclaré, à valider"), "validated": _l("Validé")}

# How each level is drawn on the map and the graph: stronger cooperation, thicker and darker line.
LEVEL_STYLES = {
    "unknown": {"color": "#9ca3af", "weight": 1, "dash": "2 4"},
    "acquaintance": {"color": "#93c5fd", "weight": 1.5, "dash": "4 4"},
    "information": {"color": "#60a5fa", "weight": 2, "dash": "6 3"},
    "consultation": {"color": "#3b82f6", "weight": 2, "dash": ""},
    "coordination": {"color": "#2563eb", "weight": 3, "dash": ""},
    "cooperation": {"color": "#7c3aed", "weight": 3.5, "dash": ""},
    "co_construction": {"color": "#c026d3", "weight": 4, "dash": ""},
    "formal_partnership": {"color": "#be123c", "weight": 5, "dash": ""},
}

# A link joining a structure of one network to one of the other: one colour no level uses, drawn thick.
CROSS_STYLE = {"color": "#0f766e", "weight": 5, "dash": ""}

KIND_COLORS = {
    "ecole_maternelle": "#f59e0b", "ecole_elementaire": "#f97316", "ecole_primaire": "#ea580c",
    "college": "#dc2626", "lycee": "#9f1239", "centre_social": "#0f766e", "espace_vie_sociale": "#14b8a6",
    "association": "#2563eb", "service_municipal": "#6d28d9", "other": "#6b7280",
}


def labels(mapping: dict) -> dict[str, str]:
    """The same mapping with labels turned into plain strings (for JSON and JavaScript)."""
    return {key: str(label) for key, label in mapping.items()}

