"""Full-text search of practice sheets behind one function, `search`, on SQLite (FTS5) and PostgreSQL.

SQLite: an FTS5 table `practice_fts` (rowid = practice id) tokenised with `unicode61 remove_diacritics 2`,
so élève = eleve; œ/æ are folded to oe/ae by the app on both sides, since unicode61 keeps ligatures whole.
PostgreSQL: a `practice_search` table holding a weighted tsvector built with the `fr_unaccent` text search
configuration (French stemming after unaccent). Both rank (bm25 / ts_rank_cd), match word prefixes and return
highlighted excerpts (snippet() / ts_headline). The index is rewritten on every save (`index_practice`).
Filters, visibility and exact facet counts use per-process bitsets rebuilt once per repository version (see
`snapshot`); the index only finds the matches and ranks the top ones (ORDER BY bm25 LIMIT n).
"""

from __future__ import annotations

import html
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask
from markupsafe import Markup, escape
from sqlalchemy import (
    Connection,
    event,
    exists,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workshop.practices.models import Practice, practice_editor, practice_network

if TYPE_CHECKING:
    from workshop.accounts.models import User

log = logging.getLogger(__name__)
FOLD_PAIRS = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"))
# Highlight markers that cannot occur in sanitised text; turned into <mark> after escaping.
START, STOP = "\x02", "\x03"
WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour qu que qui s sa se ses "
    "son sur un une y".split()
)
MAX_TERMS = 12
SORTS = ("relevance", "recent", "toolkits")
FACETS = ("theme", "framework", "audience", "city", "qpv", "network", "kind", "status")
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/li|/ul|/ol|/h\d)>", re.I)
_TAG = re.compile(r"<[^>]+>")

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practice_fts USING fts5("
    "title, obstacles, levers, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS practice_search_state (id INTEGER PRIMARY KEY, token BIGINT NOT NULL)",
    "INSERT INTO practice_search_state (id, token) SELECT 1, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM practice_search_state WHERE id = 1)",
)
POSTGRES_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION fr_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    """CREATE TABLE IF NOT EXISTS practice_search (
        practice_id integer PRIMARY KEY REFERENCES practice (id) ON DELETE CASCADE,
        title text NOT NULL, obstacles text NOT NULL, levers text NOT NULL, body text NOT NULL,
        document tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_practice_search_document ON practice_search USING gin (document)",
    "CREATE TABLE IF NOT EXISTS practice_search_state (id INTEGER PRIMARY KEY, token BIGINT NOT NULL)",
    "INSERT INTO practice_search_state (id, token) SELECT 1, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM practice_search_state WHERE id = 1)",
)
_PG_DOCUMENT = (
    "setweight(to_tsvector('fr_unaccent', :title), 'A') || "
    "setweight(to_tsvector('fr_unaccent', :obstacles || ' ' || :levers), 'B') || "
    "setweight(to_tsvector('fr_unaccent', :body), 'C')"
)


# --- Schema -----------------------------------------------------------------------------------------


def ensure_schema(connection: Connection) -> None:
    """Create the index (and on PostgreSQL the fr_unaccent configuration); safe to run again."""
    statements = POSTGRES_SCHEMA if connection.dialect.name == "postgresql" else SQLITE_SCHEMA
    for statement in statements:
        connection.exec_driver_sql(statement)


def install(app: Flask) -> None:
    """Create the index whenever the tables are created (create_all), and at start-up when a database built by
    the migrations has the practice table but not yet its index."""
    from workshop.extensions import db

    if not event.contains(db.metadata, "after_create", _after_create):
        event.listen(db.metadata, "after_create", _after_create)
    with app.app_context():
        try:
            found = inspect(db.engine)
            index = "practice_search" if db.engine.dialect.name == "postgresql" else "practice_fts"
            if found.has_table("practice") and not (found.has_table(index)
                                                    and found.has_table("practice_search_state")):
                with db.engine.begin() as connection:
                    ensure_schema(connection)
                log.info("full-text index of practices created; run `flask reindex-practices` to fill it")
        except SQLAlchemyError as error:  # e.g. no right to CREATE EXTENSION: say so, keep serving
            log.warning("could not create the practices' full-text index: %s", error)


def _after_create(_target, connection: Connection, **_kw) -> None:
    ensure_schema(connection)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- Text ----------------------------------------------------------------------------------------


def fold(value: str) -> str:
    """œ → oe, æ → ae (str.replace: C speed, unlike str.translate with a dict)."""
    for ligature, letters in FOLD_PAIRS:
        if ligature in value:
            value = value.replace(ligature, letters)
    return value


def plain_text(fragment: str) -> str:
    """The words of a sanitised HTML fragment, one line per block."""
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", fragment or ""))).strip()


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


# --- Index ---------------------------------------------------------------------------------------


def document(practice: Practice, framework_labels: dict[str, str] | None = None) -> dict[str, str]:
    """The text indexed for a practice, by weight: title, obstacles, levers, everything else."""
    labels = framework_labels or {}
    rest = [practice.summary or "", *(plain_text(getattr(practice, s)) for s in _BODY_SECTIONS),
            " ".join(practice.themes or []), " ".join(practice.cities or []), " ".join(practice.qpv or []),
            " ".join(s.get("name", "") for s in practice.structures or []),
            " ".join(labels.get(k, k) for k in practice.frameworks or [])]
    return {
        "title": fold(practice.title),
        "obstacles": fold(plain_text(practice.obstacles)),
        "levers": fold(plain_text(practice.levers)),
        "body": fold("\n".join(part for part in rest if part)),
    }


_BODY_SECTIONS = ("context", "objectives", "public", "actors", "steps", "means", "vigilance", "evaluation",
                  "transferability", "contacts")


def index_practice(session: Session, practice: Practice, framework_labels: dict[str, str] | None = None) -> None:
    """Rewrite the index entry of one practice, in the caller's transaction."""
    index_rows(session, [(practice.id, document(practice, framework_labels))])


def index_rows(session: Session, rows: list[tuple[int, dict[str, str]]]) -> None:
    """Rewrite many index entries at once (bulk imports, demo data)."""
    if not rows:
        return
    params = [{"id": pid, **doc} for pid, doc in rows]
    if _is_postgres(session):
        session.execute(text(
            "INSERT INTO practice_search (practice_id, title, obstacles, levers, body, document) "
            f"VALUES (:id, :title, :obstacles, :levers, :body, {_PG_DOCUMENT}) "
            "ON CONFLICT (practice_id) DO UPDATE SET title = excluded.title, obstacles = excluded.obstacles, "
            "levers = excluded.levers, body = excluded.body, document = excluded.document"), params)
    else:
        session.execute(text("DELETE FROM practice_fts WHERE rowid = :id"), [{"id": p["id"]} for p in params])
        session.execute(text("INSERT INTO practice_fts (rowid, title, obstacles, levers, body) "
                             "VALUES (:id, :title, :obstacles, :levers, :body)"), params)
    touch(session)


def remove_from_index(session: Session, practice_id: int) -> None:
    if not _is_postgres(session):  # PostgreSQL: ON DELETE CASCADE
        session.execute(text("DELETE FROM practice_fts WHERE rowid = :id"), {"id": practice_id})
    touch(session)


# --- Query ---------------------------------------------------------------------------------------


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


def visible_clause(session: Session, viewer: User | None):
    """Who sees what: published sheets for everyone; drafts for their authors, editors and reviewers."""
    published = Practice.status == "published"
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return published
    if viewer.is_admin:
        return True
    from workshop.networks.service import coordinated_network_ids

    clauses = [published, Practice.created_by_id == viewer.id,
               exists().where(practice_editor.c.practice_id == Practice.id, practice_editor.c.user_id == viewer.id)]
    networks = coordinated_network_ids(session, viewer)
    if networks:
        clauses.append(exists().where(practice_network.c.practice_id == Practice.id,
                                      practice_network.c.network_id.in_(networks)))
    return or_(*clauses)


def _expression(session: Session, query: Query, words: list[str], any_word: bool) -> str:
    expression = _fts_expression(words, any_word, _is_postgres(session))
    if query.columns and not _is_postgres(session):
        expression = "{" + " ".join(query.columns) + "} : (" + expression + ")"
    return expression


# --- Repository snapshot ------------------------------------------------------------------------------
# Counting facets and filtering over thousands of matches in SQL costs ~10 index probes per match; instead each
# process keeps, per repository version, one bitset (a Python int, bit n = sheet n) per facet value and the sheets'
# sort orders. A search then costs one full-text pass for the matching ids and a few big-int ANDs and popcounts:
# exact counts, whatever the number of matches. Every write that search can see (save, status change, toolkit
# use, removal) calls `touch`, which stores a new random token; a token read that differs from the cached one
# rebuilds the snapshot (a rolled back write leaves a token that never comes back, so no stale snapshot).


@dataclass
class Snapshot:
    token: int
    values: dict[str, dict[str, int]]  # facet -> value -> bitset of the sheets having it
    everything: int  # bitset of all sheets
    order: dict[str, list[int]]  # "recent" / "toolkits" -> ids, first shown first
    position: dict[str, dict[int, int]]  # same, id -> place


_SNAPSHOTS: dict[str, Snapshot] = {}
_MATCHES: dict[tuple, tuple[int, int]] = {}  # (engine, token, expression) -> (bitset, count), bounded
# (engine, token, expression, limit) -> (id, score) best first, bounded
_RANKED: dict[tuple, list[tuple[int, float]]] = {}
_SIMILAR: dict[tuple, list[int]] = {}
CACHE_SIZE = 512
_BITS = tuple(1 << i for i in range(8))


def touch(session: Session) -> None:
    """Say, in the caller's transaction, that what search sees has changed (cached snapshots are dropped)."""
    session.execute(text("UPDATE practice_search_state SET token = :t WHERE id = 1"),
                    {"t": secrets.randbits(62)})


def _token(session: Session) -> int:
    return int(session.execute(text("SELECT token FROM practice_search_state WHERE id = 1")).scalar() or 0)


def _bitset(ids) -> int:
    """A bitset of ids (bytearray then one conversion: setting bits of a big int one by one is quadratic)."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray((max(ids) >> 3) + 1)
    bits = _BITS
    for i in ids:
        buffer[i >> 3] |= bits[i & 7]
    return int.from_bytes(buffer, "little")


def _engine_key(session: Session) -> str:
    bind = session.get_bind()
    return f"{id(bind)}:{bind.url}"


def snapshot(session: Session) -> Snapshot:
    """The facet bitsets and sort orders of the repository's current version (built once per version)."""
    key, token = _engine_key(session), _token(session)
    found = _SNAPSHOTS.get(key)
    if found is not None and found.token == token:
        return found
    values: dict[str, dict[str, list[int]]] = {name: {} for name in FACETS}
    for facet, value, ids in session.execute(text(
            "SELECT facet, value, group_concat(practice_id) FROM practice_facet "
            "WHERE facet NOT IN ('kind', 'status') GROUP BY facet, value") if not _is_postgres(session) else text(
            "SELECT facet, value, string_agg(practice_id::text, ',') FROM practice_facet "
            "WHERE facet NOT IN ('kind', 'status') GROUP BY facet, value")):
        values.setdefault(facet, {})[value] = [int(i) for i in ids.split(",")]
    rows = session.execute(select(Practice.id, Practice.kind, Practice.status, Practice.toolkit_uses,
                                  Practice.updated_at).order_by(Practice.updated_at.desc(), Practice.id.desc())).all()
    for row in rows:  # kind and status from the sheet itself: the source of truth
        values["kind"].setdefault(row.kind, []).append(row.id)
        values["status"].setdefault(row.status, []).append(row.id)
    recent = [row.id for row in rows]
    toolkits = [row.id for row in sorted(rows, key=lambda r: -(r.toolkit_uses or 0))]  # stable: recency next
    built = Snapshot(token, {f: {v: _bitset(ids) for v, ids in vals.items()} for f, vals in values.items()},
                     _bitset(recent), {"recent": recent, "toolkits": toolkits},
                     {"recent": {i: n for n, i in enumerate(recent)},
                      "toolkits": {i: n for n, i in enumerate(toolkits)}})
    _SNAPSHOTS[key] = built
    return built


def _remember(cache: dict, key, value):
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _visible_bits(session: Session, snap: Snapshot, viewer: User | None) -> int:
    """Published sheets, plus the others this viewer may read (few: their drafts, their networks')."""
    bits = snap.values["status"].get("published", 0)
    clause = visible_clause(session, viewer)
    if clause is True:
        return snap.everything
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        bits |= _bitset(session.scalars(select(Practice.id).where(Practice.status != "published", clause)))
    return bits


def _filter_bits(snap: Snapshot, filters: dict[str, list[str]]) -> int | None:
    """Sheets having one of the accepted values of every filtered facet (None: no filter)."""
    result = None
    for name, accepted in filters.items():
        accepted = [v for v in accepted if v]
        if not accepted or name not in FACETS:
            continue
        bits = 0
        for value in accepted:
            bits |= snap.values.get(name, {}).get(value, 0)
        result = bits if result is None else result & bits
    return result


def _matches(session: Session, expression: str, token: int) -> tuple[int, int]:
    """Bitset and number of the sheets matching a full-text expression (no ranking: one pass over the index)."""
    key = (_engine_key(session), token, expression)
    found = _MATCHES.get(key)
    if found is not None:
        return found
    if _is_postgres(session):
        sql = "SELECT practice_id FROM practice_search WHERE document @@ to_tsquery('fr_unaccent', :fts)"
        ids = list(session.connection().exec_driver_sql(*_driver(session, sql, expression)).scalars())
        return _remember(_MATCHES, key, (_bitset(ids), len(ids)))
    # SQLite builds the bitset's bytes itself (one row per 8 ids: their byte's number and value).
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        places, values = cursor.execute(
            "SELECT group_concat(b), group_concat(v) FROM (SELECT rowid >> 3 AS b, sum(1 << (rowid & 7)) AS v "
            "FROM practice_fts WHERE practice_fts MATCH ? GROUP BY 1)", (expression,)).fetchone()
    finally:
        cursor.close()
    if not places:
        return _remember(_MATCHES, key, (0, 0))
    places, values = [int(b) for b in places.split(",")], [int(v) for v in values.split(",")]
    buffer = bytearray(max(places) + 1)
    for place, value in zip(places, values, strict=True):
        buffer[place] = value
    bits = int.from_bytes(buffer, "little")
    return _remember(_MATCHES, key, (bits, bits.bit_count()))


def _driver(session: Session, sql: str, expression: str, **extra):
    """A raw DBAPI statement (thousands of plain ids: no SQLAlchemy row processing)."""
    if _is_postgres(session):
        return sql.replace(":fts", "%(fts)s").replace(":n", "%(n)s"), {"fts": expression, **extra}
    return sql.replace(":fts", "?").replace(":n", "?"), (expression, *extra.values())


def _ranked_ids(session: Session, expression: str, token: int, limit: int) -> list[tuple[int, float]]:
    """The `limit` best matches, best first: FTS5 keeps only the top ones while ranking (no sort of them all)."""
    key = (_engine_key(session), token, expression, limit)
    found = _RANKED.get(key)
    if found is not None:
        return found
    if _is_postgres(session):
        sql = ("SELECT practice_id, -ts_rank_cd(document, to_tsquery('fr_unaccent', :fts)) AS score "
               "FROM practice_search WHERE document @@ to_tsquery('fr_unaccent', :fts) "
               "ORDER BY score, practice_id DESC LIMIT :n")
    else:
        sql = ("SELECT rowid, bm25(practice_fts, 10.0, 4.0, 4.0, 1.0) AS score FROM practice_fts "
               "WHERE practice_fts MATCH :fts ORDER BY score, rowid DESC LIMIT :n")
    rows = session.connection().exec_driver_sql(*_driver(session, sql, expression, n=limit)).all()
    return _remember(_RANKED, key, [(row[0], float(row[1])) for row in rows])


def _pick(candidates, allowed: bytes, offset: int, count: int) -> list[int]:
    """The ids of the page among candidates (in their order) that are in `allowed` (a little-endian bitset)."""
    page, skipped, size = [], 0, len(allowed) * 8
    for i in candidates:
        if i < size and allowed[i >> 3] >> (i & 7) & 1:
            if skipped < offset:
                skipped += 1
                continue
            page.append(i)
            if len(page) == count:
                break
    return page


def _ids_of(bits: int) -> list[int]:
    raw, found = bits.to_bytes((bits.bit_length() + 7) >> 3 or 1, "little"), []
    for index, byte in enumerate(raw):
        if byte:
            found += [(index << 3) + k for k in range(8) if byte >> k & 1]
    return found


def _in_order(snap: Snapshot, sort: str, allowed: int, total: int, offset: int, count: int) -> list[int]:
    """A page of the allowed sheets in a stored order: walk the order when most sheets are allowed, else sort the
    few allowed by their place in it."""
    if total * 8 < len(snap.order[sort]):
        place = snap.position[sort]
        return sorted(_ids_of(allowed), key=lambda i: place.get(i, 1 << 40))[offset:offset + count]
    raw = allowed.to_bytes((allowed.bit_length() + 7) >> 3 or 1, "little")
    return _pick(snap.order[sort], raw, offset, count)


def _counts(snap: Snapshot, allowed: int) -> dict[str, list[tuple[str, int]]]:
    """Exact counts per facet value among the allowed sheets, most frequent first."""
    facets = {}
    for name in FACETS:
        counted = [(value, (bits & allowed).bit_count()) for value, bits in snap.values.get(name, {}).items()]
        facets[name] = sorted(((v, c) for v, c in counted if c), key=lambda vc: (-vc[1], vc[0]))
    return facets


def _run(session: Session, query: Query, words: list[str], any_word: bool, viewer: User | None,
         page: int) -> Results:
    """One search over the snapshot: the allowed sheets are matches & visible & filters (bitsets); then a page
    in the asked order, its excerpts and, if asked, exact facet counts."""
    snap = snapshot(session)
    allowed = _visible_bits(session, snap, viewer)
    chosen = _filter_bits(snap, query.filters)
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
            ids = _in_order(snap, "toolkits" if query.sort == "toolkits" else "recent", allowed, total, offset,
                            query.per_page)
    excerpts = _excerpts(session, ids, words, any_word, query.excerpt_column, query.columns) \
        if expression and query.excerpts else {}
    rows = [_Row(i, scores.get(i, 0.0)) for i in ids]
    return Results(total, _hits(session, rows, excerpts), _counts(snap, allowed) if query.facets else {}, page,
                   query.per_page)


@dataclass
class _Row:
    id: int
    score: float


def _best(session: Session, expression: str, token: int, allowed: int, total: int, matched: int | None, offset: int,
          count: int) -> dict[int, float]:
    """The page of the best allowed matches (id -> score, in order): ask the index for the top few (enough for
    the share of matches that are allowed), more only if filters left too few of them."""
    raw = allowed.to_bytes((allowed.bit_length() + 7) >> 3 or 1, "little")
    wanted = offset + count
    if matched is None:  # unknown: guess from the share of sheets allowed
        limit = int(wanted * (len(raw) * 8) / max(total, 1) * 1.5) + 20
    else:
        limit = min(matched, int(wanted * matched / max(total, 1) * 1.5) + 20)
    while True:
        ranked = _ranked_ids(session, expression, token, limit)
        page = _pick((i for i, _score in ranked), raw, offset, count)
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
    postgres = _is_postgres(session)
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
    key = (_engine_key(session), _token(session), practice.id, limit)
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
        _remember(_SIMILAR, key, [h.practice.id for h in hits])
        return hits
    return _hits(session, [_Row(i, 0.0) for i in ids], {})


def suggestions(session: Session, obstacle: str, limit: int = 3) -> list[Hit]:
    """Published sheets whose obstacles resemble this one, with an excerpt of what helped (their levers)."""
    query = Query(text=obstacle, filters={"status": ["published"]}, per_page=limit, any_word=True,
                  columns=("title", "obstacles"), excerpt_column="levers", facets=False)
    return search(session, query, None).hits
