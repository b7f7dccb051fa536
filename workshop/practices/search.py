"""Full-text search of practice sheets behind one function, `search`, on SQLite (FTS5) and PostgreSQL.

SQLite: an FTS5 table `practice_fts` (rowid = practice id) tokenised with `unicode61 remove_diacritics 2`,
so élève = eleve; œ/æ are folded to oe/ae by the app on both sides, since unicode61 keeps ligatures whole.
PostgreSQL: a `practice_search` table holding a weighted tsvector built with the `fr_unaccent` text search
configuration (French stemming after unaccent). Both rank (bm25 / ts_rank_cd), match word prefixes and return
highlighted excerpts (snippet() / ts_headline). The index is rewritten on every save (`index_practice`).
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask
from markupsafe import Markup, escape
from sqlalchemy import (
    Connection,
    Integer,
    and_,
    any_,
    bindparam,
    event,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workshop.practices.models import Practice, PracticeFacet, practice_editor, practice_network

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
RANK_LIMIT = 1000
FACET_LIMIT = 1000
SORTS = ("relevance", "recent", "toolkits")
FACETS = ("theme", "framework", "audience", "city", "qpv", "network", "kind", "status")
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/li|/ul|/ol|/h\d)>", re.I)
_TAG = re.compile(r"<[^>]+>")

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practice_fts USING fts5("
    "title, obstacles, levers, body, tokenize = 'unicode61 remove_diacritics 2')",
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
            if found.has_table("practice") and not found.has_table(index):
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


def remove_from_index(session: Session, practice_id: int) -> None:
    if not _is_postgres(session):  # PostgreSQL: ON DELETE CASCADE
        session.execute(text("DELETE FROM practice_fts WHERE rowid = :id"), {"id": practice_id})


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
    rank_limit: int = 1000  # see RANK_LIMIT


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
    facets_sampled: bool = False  # facet counts were taken over the FACET_LIMIT most recent matches

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


def _filter_clauses(filters: dict[str, list[str]]) -> list:
    clauses = []
    for name, values in filters.items():
        values = [v for v in values if v]
        if not values:
            continue
        if name == "kind":
            clauses.append(Practice.kind.in_(values))
        elif name == "status":
            clauses.append(Practice.status.in_(values))
        elif name in FACETS:
            clauses.append(exists().where(PracticeFacet.practice_id == Practice.id, PracticeFacet.facet == name,
                                          PracticeFacet.value.in_(values)))
    return clauses


def _expression(session: Session, query: Query, words: list[str], any_word: bool) -> str:
    expression = _fts_expression(words, any_word, _is_postgres(session))
    if query.columns and not _is_postgres(session):
        expression = "{" + " ".join(query.columns) + "} : (" + expression + ")"
    return expression


def _match_ids(session: Session, expression: str):
    """The ids of the practices matching, without ranking (cheap: counts and facets use this)."""
    if _is_postgres(session):
        sql = "SELECT practice_id FROM practice_search WHERE document @@ to_tsquery('fr_unaccent', :fts)"
    else:
        sql = "SELECT rowid FROM practice_fts WHERE practice_fts MATCH :fts"
    return text(sql).bindparams(fts=expression).columns(id=Integer)


def _in_ids(session: Session, column, ids: list[int]):
    """`column IN ids` for a long list of ids: one JSON/array parameter instead of thousands."""
    if _is_postgres(session):
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    values = func.json_each(json.dumps(ids)).table_valued("value")
    return column.in_(select(values.c.value))


def _ranked(session: Session, expression: str, candidates: list[int]) -> list:
    """(id, score) of the candidates, best first: bm25 / ts_rank_cd computed only for them."""
    if _is_postgres(session):
        return session.execute(text(
            "SELECT practice_id AS id, -ts_rank_cd(document, to_tsquery('fr_unaccent', :fts)) AS score "
            "FROM practice_search WHERE practice_id = ANY(:ids)"), {"fts": expression, "ids": candidates}).all()
    # "+rowid": a rowid constraint would make FTS5 run the MATCH once per candidate.
    return session.execute(text(
        "SELECT rowid AS id, bm25(practice_fts, 10.0, 4.0, 4.0, 1.0) AS score FROM practice_fts "
        "WHERE practice_fts MATCH :fts AND +rowid IN (SELECT value FROM json_each(:ids))"),
        {"fts": expression, "ids": json.dumps(candidates)}).all()


def search(session: Session, query: Query, viewer: User | None = None) -> Results:
    """The one search function: visible sheets matching words and filters, ranked, with excerpts and facets."""
    words = terms(query.text)
    page = max(1, query.page)
    conditions = [visible_clause(session, viewer), *_filter_clauses(query.filters)]
    if query.exclude_id:
        conditions.append(Practice.id != query.exclude_id)
    relaxed = False
    if words:
        results = _search_words(session, query, words, conditions, page, query.any_word)
        if results.total == 0 and not query.any_word and len(words) > 1:
            results = _search_words(session, query, words, conditions, page, True)
            relaxed = True
    else:
        results = _browse(session, query, conditions, page)
    results.relaxed = relaxed
    return results


def _order(query: Query, score=None) -> list:
    recent = [Practice.updated_at.desc(), Practice.id.desc()]
    if query.sort == "toolkits":
        return [Practice.toolkit_uses.desc(), *recent]
    if query.sort == "recent" or score is None:
        return recent
    return [score, *recent]


def _search_words(session: Session, query: Query, words: list[str], conditions: list, page: int,
                  any_word: bool) -> Results:
    """One full-text pass for the matching ids; count and facets over all of them; ranking (the costly part)
    over at most RANK_LIMIT of them (the most recent), so that very common words stay fast."""
    expression = _expression(session, query, words, any_word)
    statement = (select(Practice.id).where(*conditions, Practice.id.in_(_match_ids(session, expression)))
                 .order_by(Practice.id.desc()))
    if not query.facets:  # no count nor facets wanted (similar sheets, suggestions): candidates are enough
        statement = statement.limit(max(query.rank_limit, page * query.per_page))
    # Core, not ORM: thousands of plain ids.
    ids = list(session.connection().execute(statement).scalars())
    # Counting facets costs ~10 index entries per match: above FACET_LIMIT matches, count the most recent ones.
    facets = _facet_counts(session, ids[:FACET_LIMIT]) if query.facets else {}
    offset = (page - 1) * query.per_page
    if query.sort != "relevance" or not ids:
        rows = session.execute(select(Practice.id, literal(0.0).label("score"))
                               .where(_in_ids(session, Practice.id, ids))
                               .order_by(*_order(query)).limit(query.per_page).offset(offset)).all() if ids else []
    else:
        ranked = _ranked(session, expression, ids[:min(query.rank_limit, RANK_LIMIT)])
        rows = sorted(ranked, key=lambda r: (r.score, -r.id))[offset:offset + query.per_page]
    excerpts = _excerpts(session, [r.id for r in rows], words, any_word, query.excerpt_column, query.columns) \
        if query.excerpts else {}
    return Results(len(ids), _hits(session, rows, excerpts), facets, page, query.per_page,
                   facets_sampled=query.facets and len(ids) > FACET_LIMIT)


def _browse(session: Session, query: Query, conditions: list, page: int) -> Results:
    where = and_(*conditions)
    rows = session.execute(select(Practice.id, literal(0.0).label("score")).where(where)
                           .order_by(*_order(query)).limit(query.per_page)
                           .offset((page - 1) * query.per_page)).all()
    total = session.scalar(select(func.count()).select_from(Practice).where(where)) or 0
    facets = {}
    if query.facets:
        ids = list(session.scalars(select(Practice.id).where(where).order_by(Practice.id.desc()).limit(FACET_LIMIT)))
        facets = _facet_counts(session, ids)
    return Results(total, _hits(session, rows, {}), facets, page, query.per_page,
                   facets_sampled=query.facets and total > FACET_LIMIT)


def _hits(session: Session, rows, excerpts: dict[int, str]) -> list[Hit]:
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


def _facet_counts(session: Session, ids: list[int]) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value among the matching sheets, most frequent first."""
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    if not ids:
        return facets
    # Many ids: scan the small covering index once rather than probing it id by id ("+ 0" disables the probe).
    column = PracticeFacet.practice_id + 0 if len(ids) > 500 else PracticeFacet.practice_id
    rows = session.execute(select(PracticeFacet.facet, PracticeFacet.value, func.count())
                           .where(_in_ids(session, column, ids))
                           .group_by(PracticeFacet.facet, PracticeFacet.value))
    for facet, value, count in rows:
        facets.setdefault(facet, []).append((value, count))
    return {name: sorted(values, key=lambda vc: (-vc[1], vc[0])) for name, values in facets.items()}


def similar(session: Session, practice: Practice, viewer: User | None = None, limit: int = 5) -> list[Hit]:
    """Published sheets sharing every word of the title, then some words of the title and themes."""
    strict = Query(text=practice.title, filters={"status": ["published"]}, per_page=limit, exclude_id=practice.id,
                   facets=False, excerpts=False, rank_limit=300)
    hits = search(session, strict, viewer).hits if len(terms(practice.title)) > 1 else []
    if len(hits) < limit:  # complete with sheets sharing some words of the title or themes
        words = " ".join([practice.title, *(practice.themes or [])])
        loose = Query(text=words, filters={"status": ["published"]}, per_page=limit, exclude_id=practice.id,
                      any_word=True, facets=False, excerpts=False, rank_limit=300)
        seen = {h.practice.id for h in hits}
        hits += [h for h in search(session, loose, viewer).hits if h.practice.id not in seen][:limit - len(hits)]
    return hits


def suggestions(session: Session, obstacle: str, limit: int = 3) -> list[Hit]:
    """Published sheets whose obstacles resemble this one, with an excerpt of what helped (their levers)."""
    query = Query(text=obstacle, filters={"status": ["published"]}, per_page=limit, any_word=True,
                  columns=("title", "obstacles"), excerpt_column="levers", facets=False, rank_limit=300)
    return search(session, query, None).hits
