"""Per-process snapshot of the repository for filters, visibility, exact facet counts and stored orders.

Counting facets and filtering over thousands of matches in SQL costs ~10 index probes per match; instead each
process keeps, per repository version, one bitset (a Python int, bit n = sheet n) per facet value and the sheets'
sort orders. A search then costs one full-text pass for the matching ids and a few big-int ANDs and popcounts:
exact counts, whatever the number of matches. Every write that search can see calls `index.touch`, whose new
token makes the next read rebuild the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.practices.index import is_postgres, token
from workshop.practices.models import Practice
from workshop.practices.rights import authenticated, visible_clause
from workshop.trials import public as trials

ORDERS = ("recent", "toolkits", "tried")  # stored orders of the snapshot (search sorts other than relevance)
FACETS = ("theme", "framework", "audience", "city", "qpv", "network", "kind", "status")
CACHE_SIZE = 512
_BITS = tuple(1 << i for i in range(8))


@dataclass
class Snapshot:
    token: int
    values: dict[str, dict[str, int]]  # facet -> value -> bitset of the sheets having it
    everything: int  # bitset of all sheets
    order: dict[str, list[int]]  # ORDERS -> ids, first shown first
    position: dict[str, dict[int, int]]  # same, id -> place


_SNAPSHOTS: dict[str, Snapshot] = {}


def bitset(ids) -> int:
    """A bitset of ids (bytearray then one conversion: setting bits of a big int one by one is quadratic)."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray((max(ids) >> 3) + 1)
    bits = _BITS
    for i in ids:
        buffer[i >> 3] |= bits[i & 7]
    return int.from_bytes(buffer, "little")


def engine_key(session: Session) -> str:
    """Which database a cache entry belongs to (tests and benchmarks run several in one process)."""
    bind = session.get_bind()
    return f"{id(bind)}:{bind.url}"


def remember(cache: dict, key, value):
    """Store in a bounded cache (oldest entry dropped first) and return the value."""
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def snapshot(session: Session) -> Snapshot:
    """The facet bitsets and sort orders of the repository's current version (built once per version)."""
    key, current = engine_key(session), token(session)
    found = _SNAPSHOTS.get(key)
    if found is not None and found.token == current:
        return found
    values: dict[str, dict[str, list[int]]] = {name: {} for name in FACETS}
    for facet, value, ids in session.execute(text(
            "SELECT facet, value, group_concat(practice_id) FROM practice_facet "
            "WHERE facet NOT IN ('kind', 'status') GROUP BY facet, value") if not is_postgres(session) else text(
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
    tried_counts = trials.counts(session)  # approved trials only; a decision on a trial touches the token
    tried = sorted(recent, key=lambda i: -tried_counts.get(i, (0, 0))[0])
    orders = {"recent": recent, "toolkits": toolkits, "tried": tried}
    built = Snapshot(current, {f: {v: bitset(ids) for v, ids in vals.items()} for f, vals in values.items()},
                     bitset(recent), orders, {name: {i: n for n, i in enumerate(ids)} for name, ids in orders.items()})
    _SNAPSHOTS[key] = built
    return built


def visible_bits(session: Session, snap: Snapshot, viewer: User | None) -> int:
    """Published sheets, plus the others this viewer may read (few: their drafts, their networks')."""
    bits = snap.values["status"].get("published", 0)
    clause = visible_clause(session, viewer)
    if clause is True:
        return snap.everything
    if authenticated(viewer):
        bits |= bitset(session.scalars(select(Practice.id).where(Practice.status != "published", clause)))
    return bits


def filter_bits(snap: Snapshot, filters: dict[str, list[str]]) -> int | None:
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


def pick(candidates, allowed: bytes, offset: int, count: int) -> list[int]:
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


def as_bytes(bits: int) -> bytes:
    """A bitset as little-endian bytes (what `pick` reads)."""
    return bits.to_bytes((bits.bit_length() + 7) >> 3 or 1, "little")


def _ids_of(bits: int) -> list[int]:
    found = []
    for index, byte in enumerate(as_bytes(bits)):
        if byte:
            found += [(index << 3) + k for k in range(8) if byte >> k & 1]
    return found


def in_order(snap: Snapshot, sort: str, allowed: int, total: int, offset: int, count: int) -> list[int]:
    """A page of the allowed sheets in a stored order: walk the order when most sheets are allowed, else sort the
    few allowed by their place in it."""
    if total * 8 < len(snap.order[sort]):
        place = snap.position[sort]
        return sorted(_ids_of(allowed), key=lambda i: place.get(i, 1 << 40))[offset:offset + count]
    return pick(snap.order[sort], as_bytes(allowed), offset, count)


def counts(snap: Snapshot, allowed: int) -> dict[str, list[tuple[str, int]]]:
    """Exact counts per facet value among the allowed sheets, most frequent first."""
    facets = {}
    for name in FACETS:
        counted = [(value, (bits & allowed).bit_count()) for value, bits in snap.values.get(name, {}).items()]
        facets[name] = sorted(((v, c) for v, c in counted if c), key=lambda vc: (-vc[1], vc[0]))
    return facets
