"""Encoded answers of the public endpoints, kept per data state and filters, with their ETag."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.mapping import missing
from workshop.mapping.models import Link, Qpv, Structure, structure_network
from workshop.mapping.public import parse_filters


class Kept:
    """Results kept per key (a data fingerprint in it), the oldest dropped beyond `size`. A result is built
    outside the lock: two requests may build the same one at once, none waits behind a slow build."""

    def __init__(self, size: int):
        self.size = size
        self.items: dict[Hashable, Any] = {}
        self.lock = threading.Lock()

    def find(self, key: Hashable) -> Any:
        with self.lock:
            return self.items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            if len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[key] = value

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The result kept for `key`, else `build()`, kept."""
        value = self.find(key)
        if value is None:
            value = build()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


JSON_CACHE_SIZE = 64
_json_cache = Kept(JSON_CACHE_SIZE)
# The tables data_fingerprint watches: what reuses it for more tables must watch those itself (networks.sides)
WATCHED_TABLES = frozenset({Structure.__table__, Link.__table__, structure_network, Qpv.__table__})


def data_fingerprint(session: Session) -> str:
    """Changes whenever published data may have changed: counts, highest ids and latest updates of the tables.

    SQLAlchemy stamps `updated_at` on every UPDATE of a structure, link or QPV (`models.changed_now`); rows
    added or removed move the counts; networks moved between structures move the membership checksum. So two
    equal fingerprints mean the same map: the encoded answer can be reused, and browsers get an ETag.
    """
    parts = []
    for table in (Structure.__table__, Link.__table__):
        parts += session.execute(select(func.count(), func.max(table.c.id), func.max(table.c.updated_at))
                                 .select_from(table)).one()
    members = structure_network.c
    parts += session.execute(select(func.count(), func.sum(members.structure_id * 7919 + members.network_id))
                             .select_from(structure_network)).one()
    parts += session.execute(select(func.count(), func.max(Qpv.updated_at))).one()
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def cached_json(session: Session, name: str, args: Any, build) -> tuple[bytes, str]:
    """(compact JSON bytes, ETag) of `build(session, filters)`, computed once per data state and filters."""
    filters = parse_filters(args)
    fingerprint = data_fingerprint(session)
    if filters.missing:  # who came moves outside the map's tables
        fingerprint += repr(missing.fingerprint(session))
    key = (name, fingerprint, repr(filters))
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    body = _json_cache.get(key, lambda: json.dumps(build(session, filters), separators=(",", ":"),
                                                   ensure_ascii=False).encode())
    return body, etag
