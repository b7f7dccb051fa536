"""The programme's bilan for funders and the networks' boards: a typeset PDF (the shared print layout and renderer,
out of the web process) and a CSV, both from `indicators.overview` so every surface shows the same figures."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workshop.printing.markup import css_string, networks_line, print_css, slug
from workshop.printing.renderer import PdfDocument
from workshop.programme.indicators import overview
from workshop.programme.models import Programme
from workshop.programme.parsing import format_decimal, format_euros
from workshop.programme.vocabulary import BUDGET_CATEGORIES
from workshop.spreadsheet import safe_cell


def bilan_document(session: Session, programme: Programme, *, with_budget: bool) -> PdfDocument:
    """The bilan in the current language, laid out like every printed document (templates/pdf, print.css); the
    budget table only when the reader may see it."""
    lang = str(get_locale())
    view = overview(session, programme, with_budget=with_budget)
    html = render_template("pdf/bilan.html", view=view, lang=lang, css_string=css_string,
                           fmt=lambda value: format_decimal(value, lang), eur=lambda value: format_euros(value, lang),
                           printed=date.today().strftime("%d/%m/%Y"), running_title=f"{_('Bilan')} — {programme.title}",
                           networks_line=networks_line([n["network"] for n in view["time"]["networks"]]))
    return PdfDocument(html, print_css(), f"bilan-{slug(programme.title)}-{lang}.pdf", 3)


def bilan_csv(session: Session, programme: Programme, *, with_budget: bool) -> str:
    """One CSV with sections (time, meetings, budget when allowed, indicators); cells made formula-safe."""
    view = overview(session, programme, with_budget=with_budget)
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells) -> None:
        writer.writerow([safe_cell(str(c)) for c in cells])

    row(_("Programme"), programme.title, programme.starts_on.isoformat(), programme.ends_on.isoformat())
    row()
    row(_("Temps de travail"), _("Réseau"), _("Type de travail"), _("Heures prévues"), _("Heures réalisées"))
    for network in view["time"]["networks"]:
        for kind in network["kinds"]:
            row("", network["network"], kind["label"], kind["planned"], kind["done"])
    row(_("Total"), "", "", view["time"]["planned"], view["time"]["done"])
    row()
    row(_("Rencontres collectives"), _("Prévues"), _("Tenues"))
    row("", view["meetings"]["planned"], view["meetings"]["held"])
    if view["budget"] is not None:
        row()
        row(_("Budget"), _("Catégorie"), _("Intitulé"), _("Réseau"), _("Prévu"), _("Engagé"), _("Dépensé"))
        for line in view["budget"]["lines"]:
            network = line.network.short_name if line.network else ""
            row("", BUDGET_CATEGORIES.get(line.category, line.category), line.label, network, line.planned,
                line.committed, line.spent)
        totals = view["budget"]["totals"]
        row(_("Total"), "", "", "", totals["planned"], totals["committed"], totals["spent"])
    row()
    ind = view["indicators"]
    row(_("Indicateurs"), _("Valeur"))
    for label, value in (
            (_("Communes couvertes"), f"{ind['cities_covered']}/{ind['cities_total']}"),
            (_("Structures en QPV (%)"), ind["qpv_share"]), (_("Écoles participantes"), ind["schools"]),
            (_("Centres sociaux participants"), ind["social_centres"]),
            (_("Participant·es aux ateliers"), ind["participants"]["total"]),
            (_("Fiches publiées"), ind["sheets_published"]),
            (_("Essais de pratiques validés pendant la période"), ind["tried"]["trials"]),
            (_("Structures où une pratique a été essayée"), ind["tried"]["structures"])):
        row(label, value)
    for profile, count in ind["participants"]["by_profile"].items():
        row(_("Participant·es : %(p)s", p=profile), count)
    links = ind["links"]
    row()
    row(_("Liens par niveau"), *links["years"])
    for level in links["levels"]:
        row(level["label"], *level["counts"])
    return out.getvalue()
