"""The workshop report (compte rendu) as printed: date, place, format, participants, cards by column, groups
and the dots they got (the board's own tally), next steps and the practices born in the workshop.

It lives with the toolkits (the exports) rather than in facilitation: it also lists practices, and practices
already depend on facilitation.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.boards.balance import balance_of
from workshop.boards.models import BoardColumn, Card, Participant, Workshop
from workshop.boards.profiles import PROFILE_KINDS
from workshop.facilitation import next_steps
from workshop.facilitation.models import CardGroup, CardPlacement, Reaction, Reply
from workshop.facilitation.replies import REACTIONS
from workshop.facilitation.votes import tally
from workshop.formats.builtin import FORMATS
from workshop.i18n import current_language
from workshop.networks import service as networks
from workshop.practices.provenance import practices_of_workshop
from workshop.practices.vocabulary import STATUS_LABELS
from workshop.printing.markup import css_string, date_fr, networks_line, print_css, slug
from workshop.printing.renderer import PdfDocument
from workshop.toolkits.sheets import practice_short_url


def report_view(session: Session, workshop: Workshop, *, brief: bool = False) -> dict:
    """Date, place, format, participants, cards by column, groups and votes, next steps, practices created.
    `brief` (a meeting's restitution, six boards at once): no authors, replies, reactions, sheets nor balance,
    which it does not print (they were half of its queries)."""
    cards = list(session.scalars(select(Card).where(Card.workshop_id == workshop.id, Card.deleted.is_(False),
                                                    Card.hidden.is_(False), Card.private.is_(False),
                                                    Card.pending.is_(False))
                          .order_by(Card.id)))
    participants = _participant_count(session, workshop.id)
    anonymous = bool((workshop.settings or {}).get("anonymous"))
    names = _participant_names(session, workshop.id) if not anonymous and not brief else {}
    votes = tally(session, workshop.id)  # the board's tally: the report says what the room saw
    card_dots = {c["id"]: c["dots"] for c in votes["cards"]}
    groups = _groups(session, workshop.id, cards, {g["id"]: g["dots"] for g in votes["groups"]})
    replies, reactions = ({}, {}) if brief else (_replies(session, workshop.id, names),
                                                 _reactions(session, workshop.id))
    by_column = []
    for column in workshop.columns:
        in_column = [c for c in cards if c.column_key == column.key]
        grouped = {i for g in groups.get(column.key, []) for i in g["ids"]}
        by_column.append({
            "label": _column_name(column), "prompt": _(column.prompt) if column.prompt else "", "color": column.color,
            "count": len(in_column),
            "groups": groups.get(column.key, []),
            "cards": [{"text": c.text, "author": names.get(c.participant_id, ""), "votes": card_dots.get(c.id, 0),
                       "id": c.id, "language": c.language} for c in in_column if c.id not in grouped],
        })
    fmt = FORMATS.get(workshop.format_key)
    return {
        "title": workshop.title,
        "description": workshop.description,
        "date": date_fr(workshop.held_on or workshop.created_at),
        "place": workshop.place,
        "format": (fmt.label_en if _english() else fmt.label_fr) if fmt else workshop.format_key,
        "facilitator": workshop.facilitator.name if workshop.facilitator else "",
        "participants": participants,
        "card_count": len(cards),
        "columns": by_column,
        "replies": replies,  # by card id, for loose and grouped cards alike
        "reactions": reactions,
        "ranking": _ranking(by_column) if votes["total"] else [],
        "practices": [] if brief else _practices_created(session, workshop.id),
        "next_steps": [{"text": s.text, "owner": s.owner, "due": date_fr(s.due_on) if s.due_on else "",
                        "done": s.done} for s in next_steps.list_steps(session, workshop)],
        "status": workshop.status,
        "balance": None if brief else _balance(session, workshop.id),
    }


def _english() -> bool:
    return str(get_locale()) == "en"


def _column_name(column: BoardColumn) -> str:
    """A column's name in the report's language: the catalog knows the built-in formats' names (their French is
    the msgid); a facilitator's own column has its English name, or keeps its French one."""
    if _english() and column.label_en and column.label_en != column.label_fr:
        return column.label_en
    return _(column.label_fr)


def _balance(session: Session, workshop_id: int) -> dict:
    """Who came, by profile ("je viens de…") and by network of their structure: counts only, never names."""
    ids = list(session.scalars(select(Participant.id).where(Participant.workshop_id == workshop_id,
                                                            Participant.role == "participant")))
    kinds, by_network = balance_of(session, ids)
    told = sum(kinds.values())
    return {"kinds": [{"label": str(PROFILE_KINDS[k]), "count": n} for k, n in kinds.items()],
            "networks": [{"label": k, "count": n} for k, n in sorted(by_network.items())],
            "untold": len(ids) - told}


def _participant_count(session: Session, workshop_id: int) -> int:
    """The people who took part: not the facilitator (they animate), and one person once however many times
    they rejoined (a seat's `person`)."""
    seats = session.execute(select(Participant.id, Participant.person).where(
        Participant.workshop_id == workshop_id, Participant.role == "participant")).all()
    return len({person or f"seat-{seat}" for seat, person in seats})


def _replies(session: Session, workshop_id: int, names: dict[int, str]) -> dict[int, list[dict]]:
    """The shown replies under each card, oldest first, with their author's name unless the board is anonymous."""
    found: dict[int, list[dict]] = defaultdict(list)
    for reply in session.scalars(select(Reply).where(Reply.workshop_id == workshop_id, Reply.hidden.is_(False))
                                 .order_by(Reply.id)):
        found[reply.card_id].append({"text": reply.text, "author": names.get(reply.participant_id, "")})
    return found


def _reactions(session: Session, workshop_id: int) -> dict[int, list[dict]]:
    """Each card's reactions as the board shows them: label and count, in the board's order."""
    counts = dict(((card, kind), n) for card, kind, n in session.execute(
        select(Reaction.card_id, Reaction.kind, func.count()).where(Reaction.workshop_id == workshop_id)
        .group_by(Reaction.card_id, Reaction.kind)))
    found: dict[int, list[dict]] = defaultdict(list)
    for card in sorted({card for card, _kind in counts}):
        found[card] = [{"label": label, "count": counts[card, kind]} for kind, label in REACTIONS.items()
                       if (card, kind) in counts]
    return found


def _participant_names(session: Session, workshop_id: int) -> dict[int, str]:
    return dict(session.execute(select(Participant.id, Participant.name)
                                .where(Participant.workshop_id == workshop_id)).all())


def _groups(session: Session, workshop_id: int, cards: list[Card], dots: dict[int, int]) -> dict[str, list[dict]]:
    """The groups holding shown cards, by column, with the dots the board counts for each."""
    groups = list(session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop_id,
                                                          CardGroup.deleted.is_(False))
                                  .order_by(CardGroup.position, CardGroup.id)))
    placements = session.execute(select(CardPlacement.card_id, CardPlacement.group_id)
                                 .where(CardPlacement.workshop_id == workshop_id,
                                        CardPlacement.group_id.is_not(None))
                                 .order_by(CardPlacement.position)).all()
    shown = {c.id: c for c in cards}
    members: dict[int, list[int]] = defaultdict(list)
    for card_id, group_id in placements:
        if card_id in shown:
            members[group_id].append(card_id)
    found: dict[str, list[dict]] = defaultdict(list)
    for group in groups:
        ids = members.get(group.id, [])
        if not ids:
            continue
        found[group.column_key].append({
            "name": group.name or _("Regroupement sans nom"), "ids": ids, "cards": [shown[i].text for i in ids],
            "languages": [shown[i].language for i in ids],  # a grouped card keeps its language too
            "votes": dots.get(group.id, 0),
        })
    return found


def _ranking(columns: list[dict]) -> list[dict]:
    """What the room weighted most (dot votes), best first."""
    items = [{"label": g["name"], "column": c["label"], "votes": g["votes"]} for c in columns for g in c["groups"]]
    items += [{"label": card["text"], "column": c["label"], "votes": card["votes"]} for c in columns
              for card in c["cards"]]
    return sorted((i for i in items if i["votes"] > 0), key=lambda i: -i["votes"])[:15]


def _practices_created(session: Session, workshop_id: int) -> list[dict]:
    return [{"title": p.title, "status": str(STATUS_LABELS.get(p.status, p.status)),
             "url": practice_short_url(p.id)} for p in practices_of_workshop(session, workshop_id)]


def _workshop_networks(session: Session, workshop: Workshop) -> list[str]:
    if workshop.facilitator is None:
        return []
    return [n.short_name for n in networks.networks_of(session, workshop.facilitator)]


def report_document(session: Session, workshop: Workshop) -> PdfDocument:
    """The workshop report, 2 A4 pages and more as the cards grow."""
    view = report_view(session, workshop)
    line = networks_line(_workshop_networks(session, workshop))
    made = _("Compte rendu produit le %(d)s avec Passerelles.", d=date_fr(date.today()))
    html = render_template("pdf/report.html", report=view, running_title=_("Compte rendu — %(t)s", t=view["title"]),
                           networks_line=line, footer=f"{line} · {made}" if line else made, css_string=css_string,
                           lang=current_language())
    return PdfDocument(html, print_css(), f"compte-rendu-{workshop.id}-{slug(view['title'])}.pdf",
                       2 + view["card_count"] // 25)
