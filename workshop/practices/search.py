"""Searching practice sheets behind one function, `search`, on SQLite (FTS5) and PostgreSQL.

Both rank (bm25 / ts_rank_cd), match word prefixes and return highlighted excerpts (snippet() / ts_headline).
Filters, visibility and exact facet counts use the per-process bitsets of `facets.snapshot`; the index only finds
the matches and ranks the top ones (ORDER BY bm25 LIMIT n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.practices import facets
from workshop.practices.facets import engine_key, remember
from workshop.practices.index import fold, is_postgres, token
from workshop.practices.models import Practice

# Highlight markers that cannot occur in sanitised text; turned into <mark> after escaping.
START, STOP = "\x02", "\x03"
WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour qu que qui s sa se ses "
    "son sur un une y".split()
)
MAX_TERMS = 12
SORTS = ("relevance", "recent", "toolkits", "tried")
_MATCHES: dict[tuple, tuple[int, int]] = {}  # (engine, token, expression) -> (bitset, count), bounded
# (engine, token, expression, limit) -> (id, score) best first, bounded
_RANKED: dict[tuple, list[tuple[int, float]]] = {}
_SIMILAR: dict[tuple, list[int]] = {}


def terms(query: str) -> list[str]:
    """The words to look for: folded, lower case, without French stop words (unless nothing else is left)."""
    words = [w.lower() for w in WORD.findall(fold(query or ""))]
    kept = [w for w in words if w not in STOP_WORDS and len(w) > 1] or words
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def _fts_expression(words: list[str], any_word: bool, postgres: bool) -> str:
    """A prefix query; the words hold only \\w characters, so no operator can be smuggled in."""
    if postgres:
        return (" | " if any_word else " & ").join(f"{w}:*" for w in words)
    return (" OR " if any_word else " ").join(f'"{w}"*' for w in words)


def highlight(excerpt: str | None) -> Markup:
    """Escape an excerpt, then turn the match markers into <mark>."""
    escaped = str(escape(excerpt or ""))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))


@dataclass
class Query:
    """What a person asks: words, facet filters (each a list of accepted values), a sort and a page."""

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    exclude_id: int | None = None
    any_word: bool = False  # OR instead of AND (similar practices, suggestions)
    columns: tuple[str, ...] = ()  # SQLite column filter; PostgreSQL ignores it (weights do the work)
    excerpt_column: str | None = None
    facets: bool = True
    excerpts: bool = True


@dataclass
class Hit:
    practice: Practice
    excerpt: Markup
    score: float


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    page: int
    per_page: int
    relaxed: bool = False  # no sheet had every word: these have some of them

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _expression(session: Session, query: Query, words: list[str], any_word: bool) -> str:
    expression = _fts_expression(words, any_word, is_postgres(session))
    if query.columns and not is_postgres(session):
        expression = "{" + " ".join(query.columns) + "} : (" + expression + ")"
    return expression


def _matches(session: Session, expression: str, token: int) -> tuple[int, int]:
    """Bitset and number of the sheets matching a full-text expression (no ranking: one pass over the index)."""
    key = (engine_key(session), token, expression)
    found = _MATCHES.get(key)
    if found is not None:
        return found
    if is_postgres(session):
        sql = "SELECT practice_id FROM practice_search WHERE document @@ to_tsquery('fr_unaccent', :fts)"
        ids = list(session.connection().exec_driver_sql(*_driver(session, sql, expression)).scalars())
        return remember(_MATCHES, key, (facets.bitset(ids), len(ids)))
    # SQLite builds the bitset's bytes itself (one row per 8 ids: their byte's number and value).
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        places, values = cursor.execute(
            "SELECT group_concat(b), group_concat(v) FROM (SELECT rowid >> 3 AS b, sum(1 << (rowid & 7)) AS v "
            "FROM practice_fts WHERE practice_fts MATCH ? GROUP BY 1)", (expression,)).fetchone()
    finally:
        cursor.close()
    if not places:
        return remember(_MATCHES, key, (0, 0))
    places, values = [int(b) for b in places.split(",")], [int(v) for v in values.split(",")]
    buffer = bytearray(max(places) + 1)
    for place, value in zip(places, values, strict=True):
        buffer[place] = value
    bits = int.from_bytes(buffer, "little")
    return remember(_MATCHES, key, (bits, bits.bit_count()))


def _driver(session: Session, sql: str, expression: str, **extra):
    """A raw DBAPI statement (thousands of plain ids: no SQLAlchemy row processing)."""
    if is_postgres(session):
        return sql.replace(":fts", "%(fts)s").replace(":n", "%(n)s"), {"fts": expression, **extra}
    return sql.replace(":fts", "?").replace(":n", "?"), (expression, *extra.values())


def _ranked_ids(session: Session, expression: str, token: int, limit: int) -> list[tuple[int, float]]:
    """The `limit` best matches, best first: FTS5 keeps only the top ones while ranking (no sort of them all)."""
    key = (engine_key(session), token, expression, limit)
    found = _RANKED.get(key)
    if found is not None:
        return found
    if is_postgres(session):
        sql = ("SELECT practice_id, -ts_rank_cd(document, to_tsquery('fr_unaccent', :fts)) AS score "
               "FROM practice_search WHERE document @@ to_tsquery('fr_unaccent', :fts) "
               "ORDER BY score, practice_id DESC LIMIT :n")
    else:
        sql = ("SELECT rowid, bm25(practice_fts, 10.0, 4.0, 4.0, 1.0) AS score FROM practice_fts "
               "WHERE practice_fts MATCH :fts ORDER BY score, rowid DESC LIMIT :n")
    rows = session.connection().exec_driver_sql(*_driver(session, sql, expression, n=limit)).all()
    return remember(_RANKED, key, [(row[0], float(row[1])) for row in rows])


def _run(session: Session, query: Query, words: list[str], any_word: bool, viewer: User | None,
         page: int) -> Results:
    """One search over the snapshot: the allowed sheets are matches & visible & filters (bitsets); then a page
    in the asked order, its excerpts and, if asked, exact facet counts."""
    snap = facets.snapshot(session)
    allowed = facets.visible_bits(session, snap, viewer)
    chosen = facets.filter_bits(snap, query.filters)
    if chosen is not None:
        allowed &= chosen
    if query.exclude_id and allowed >> query.exclude_id & 1:
        allowed ^= 1 << query.exclude_id
    expression = _expression(session, query, words, any_word) if words else None
    offset = (page - 1) * query.per_page
    scores: dict[int, float] = {}
    if expression and query.sort == "relevance" and not query.facets:
        # Similar sheets, suggestions: no count wanted, so no pass over every match; the index's top ones only.
        scores = _best(session, expression, snap.token, allowed, allowed.bit_count(), None, offset, query.per_page)
        ids, total = list(scores), len(scores)
    else:
        if expression:
            matched, count = _matches(session, expression, snap.token)
            allowed &= matched
        total = allowed.bit_count()
        if not total:
            ids = []
        elif expression and query.sort == "relevance":
            scores = _best(session, expression, snap.token, allowed, total, count, offset, query.per_page)
            ids = list(scores)
        else:
            ids = facets.in_order(snap, query.sort if query.sort in facets.ORDERS else "recent", allowed, total,
                                  offset, query.per_page)
    excerpts = _excerpts(session, ids, words, any_word, query.excerpt_column, query.columns) \
        if expression and query.excerpts else {}
    rows = [_Row(i, scores.get(i, 0.0)) for i in ids]
    return Results(total, _hits(session, rows, excerpts), facets.counts(snap, allowed) if query.facets else {}, page,
                   query.per_page)


@dataclass
class _Row:
    id: int
    score: float


def _best(session: Session, expression: str, token: int, allowed: int, total: int, matched: int | None, offset: int,
          count: int) -> dict[int, float]:
    """The page of the best allowed matches (id -> score, in order): ask the index for the top few (enough for
    the share of matches that are allowed), more only if filters left too few of them."""
    raw = facets.as_bytes(allowed)
    wanted = offset + count
    if matched is None:  # unknown: guess from the share of sheets allowed
        limit = int(wanted * (len(raw) * 8) / max(total, 1) * 1.5) + 20
    else:
        limit = min(matched, int(wanted * matched / max(total, 1) * 1.5) + 20)
    while True:
        ranked = _ranked_ids(session, expression, token, limit)
        page = facets.pick((i for i, _score in ranked), raw, offset, count)
        if len(page) == min(count, max(0, total - offset)) or len(ranked) < limit or limit == matched:
            scores = dict(ranked)
            return {i: scores[i] for i in page}
        limit = limit * 4 if matched is None else min(matched, limit * 4)


def search(session: Session, query: Query, viewer: User | None = None) -> Results:
    """The one search function: visible sheets matching words and filters, ranked, with excerpts and facets."""
    words = terms(query.text)
    page = max(1, query.page)
    results = _run(session, query, words, query.any_word, viewer, page)
    if words and results.total == 0 and not query.any_word and len(words) > 1:
        results = _run(session, query, words, True, viewer, page)
        results.relaxed = True
    return results


def _hits(session: Session, rows, excerpts: dict[int, str]) -> list[Hit]:
    if not rows:
        return []
    practices = {p.id: p for p in session.scalars(select(Practice).where(Practice.id.in_([r.id for r in rows])))}
    return [Hit(practices[r.id], highlight(excerpts.get(r.id) or practices[r.id].summary), float(r.score or 0))
            for r in rows if r.id in practices]


def _excerpts(session: Session, ids: list[int], words: list[str], any_word: bool,
              column: str | None, columns: tuple[str, ...] = ()) -> dict[int, str]:
    """Highlighted excerpts of the page's hits only (snippet/ts_headline are the costly part)."""
    if not ids:
        return {}
    postgres = is_postgres(session)
    # PostgreSQL: ts_headline looks for fragments covering the whole query; with OR it marks each word found.
    expression = _fts_expression(words, any_word or postgres, postgres)
    if postgres:
        source = {"levers": "levers", "obstacles": "obstacles"}.get(column or "", "obstacles || ' ' || levers "
                                                                         "|| ' ' || body")
        options = (f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
                   "FragmentDelimiter=\" … \"")
        rows = session.execute(text(
            f"SELECT practice_id, ts_headline('fr_unaccent', {source}, to_tsquery('fr_unaccent', :fts), :opts) "
            "FROM practice_search WHERE practice_id = ANY(:ids)"), {"fts": expression, "opts": options,
                                                                    "ids": ids})
        return dict(rows.all())
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    col = {"title": 0, "obstacles": 1, "levers": 2, "body": 3}.get(column or "", -1)
    rows = session.execute(text(
        f"SELECT rowid, snippet(practice_fts, {col}, :a, :b, ' … ', 24) FROM practice_fts "
        f"WHERE practice_fts MATCH :fts AND +rowid IN ({','.join(str(int(i)) for i in ids)})"),
        {"a": START, "b": STOP, "fts": expression})
    return dict(rows.all())


def similar(session: Session, practice: Practice, viewer: User | None = None, limit: int = 5) -> list[Hit]:
    """Published sheets whose titles share words with this one's, best first; completed, if too few, with sheets
    sharing words of the title or themes anywhere. Cached per repository version (only published sheets are
    shown, so the viewer does not matter)."""
    key = (engine_key(session), token(session), practice.id, limit)
    ids = _SIMILAR.get(key)
    if ids is None:
        # The title column only: a bounded pass (titles are short), where shared words mean most.
        strict = Query(text=practice.title, filters={"status": ["published"]}, per_page=limit,
                       exclude_id=practice.id, any_word=True, columns=("title",), facets=False, excerpts=False)
        hits = search(session, strict, viewer).hits
        if len(hits) < limit:
            words = " ".join([practice.title, *(practice.themes or [])])
            loose = Query(text=words, filters={"status": ["published"]}, per_page=limit, exclude_id=practice.id,
                          any_word=True, facets=False, excerpts=False)
            seen = {h.practice.id for h in hits}
            hits += [h for h in search(session, loose, viewer).hits if h.practice.id not in seen][:limit - len(hits)]
        remember(_SIMILAR, key, [h.practice.id for h in hits])
        return hits
    return _hits(session, [_Row(i, 0.0) for i in ids], {})


def suggestions(session: Session, obstacle: str, limit: int = 3) -> list[Hit]:
    """Published sheets whose obstacles resemble this one, with an excerpt of what helped (their levers)."""
    query = Query(text=obstacle, filters={"status": ["published"]}, per_page=limit, any_word=True,
                  columns=("title", "obstacles"), excerpt_column="levers", facets=False)
    return search(session, query, None).hits
