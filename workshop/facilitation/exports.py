"""A board as rows (CSV) and as a Markdown document, for its facilitator to download at any moment."""

from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workshop.boards.models import Card, Workshop
from workshop.facilitation.control import settings_of
from workshop.facilitation.models import CardGroup, CardPlacement, Reaction
from workshop.facilitation.votes import tally


def export_rows(session: Session, workshop: Workshop) -> list[dict]:
    """One row per visible card with its column, group, dots, reactions and author (unless anonymous)."""
    anonymous = bool(settings_of(workshop).get("anonymous"))
    groups = {g.id: g for g in session.scalars(select(CardGroup).where(CardGroup.workshop_id == workshop.id,
                                                                         CardGroup.deleted.is_(False)))}
    placements = dict(session.execute(select(CardPlacement.card_id, CardPlacement.group_id)
                                      .where(CardPlacement.workshop_id == workshop.id)).all())
    dots = {c["id"]: c["dots"] for c in tally(session, workshop.id)["cards"]}
    reactions: dict[int, int] = {}
    for card_id in session.scalars(select(Reaction.card_id).where(Reaction.workshop_id == workshop.id)):
        reactions[card_id] = reactions.get(card_id, 0) + 1
    labels = {c.key: c.label_fr for c in workshop.columns}
    order = {c.key: i for i, c in enumerate(workshop.columns)}
    cards = session.scalars(select(Card).where(Card.workshop_id == workshop.id, Card.deleted.is_(False),
                                               Card.hidden.is_(False), Card.private.is_(False),
                                               Card.pending.is_(False))
                            .options(selectinload(Card.participant)))
    rows = []
    for card in sorted(cards, key=lambda c: (order.get(c.column_key, 99), c.id)):
        group = groups.get(placements.get(card.id))
        rows.append({"id": card.id, "column": labels.get(card.column_key, card.column_key),
                     "column_key": card.column_key, "text": card.text, "language": card.language,
                     "group": group.name if group else "", "group_id": group.id if group else None,
                     "merged": bool(group and group.kind == "merge"), "dots": dots.get(card.id, 0),
                     "reactions": reactions.get(card.id, 0),
                     "author": "" if anonymous or not card.participant else card.participant.name})
    return rows


def _md(text: str) -> str:
    """One line of Markdown text, with the characters that would format it escaped."""
    return re.sub(r"([\\`*_{}\[\]<>#|!])", r"\\\1", " ".join(text.split()))


def markdown(session: Session, workshop: Workshop) -> str:
    """The board as Markdown: columns, groups, cards with their dots, and the ranking."""
    rows = export_rows(session, workshop)
    lines = [f"# {_md(workshop.title)}", ""]
    if workshop.held_on or workshop.place:
        lines += [_md(" — ".join(filter(None, [workshop.held_on and format_date(workshop.held_on, "long"),
                                                workshop.place]))), ""]
    for column in workshop.columns:
        lines += [f"## {_md(column.label_fr)}", ""]
        groups: dict = {}
        for row in (r for r in rows if r["column_key"] == column.key):
            groups.setdefault(row["group_id"], []).append(row)
        for group_id, members in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            if group_id is not None:
                lines += [f"### {_md(members[0]['group'] or _('Groupe sans nom'))}", ""]
            for row in members:
                extra = [f"{row['dots']} ●" if row["dots"] else "", _md(row["author"]) if row["author"] else "",
                         f"[{row['language']}]" if row["language"] != "fr" else ""]
                suffix = " — ".join(filter(None, extra))
                lines.append(f"- {_md(row['text'])}" + (f" ({suffix})" if suffix else ""))
            lines.append("")
    ranked = sorted((r for r in rows if r["dots"]), key=lambda r: -r["dots"])
    if ranked:
        lines += [f"## {_('Classement des votes')}", ""]
        lines += [f"{i}. {_md(r['text'])} — {r['dots']} ●" for i, r in enumerate(ranked, 1)]
        lines.append("")
    return "\n".join(lines)
