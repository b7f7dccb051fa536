"""Labels of the trial lists (French, translated through the catalogs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RECOMMEND_LABELS = {"yes": _l("Oui"), "conditions": _l("Oui, sous conditions"), "no": _l("Non")}
STATUS_LABELS = {"pending": _l("En attente de validation"), "approved": _l("Validé"), "refused": _l("Refusé")}
