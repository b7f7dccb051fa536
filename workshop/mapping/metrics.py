"""Network metrics of the relation graph (networkx): degree and betweenness centrality.

Exact betweenness costs O(nodes x edges); above EXACT_LIMIT nodes it is estimated from a fixed sample of
sources (seeded, so the figures do not move between two page loads). Results are kept for the same graph.
"""

from __future__ import annotations

import hashlib
import threading

import networkx

EXACT_LIMIT = 500
SAMPLE = 32
_cache: dict[str, tuple[dict, dict]] = {}
_lock = threading.Lock()


def _key(nodes: list[int], edges: list[tuple[int, int]]) -> str:
    digest = hashlib.sha256(repr((sorted(nodes), sorted(edges))).encode())
    return digest.hexdigest()


def centrality(nodes: list[int], edges: list[tuple[int, int]]) -> tuple[dict[int, int], dict[int, float]]:
    """(degree, normalised betweenness) of every node."""
    key = _key(nodes, edges)
    with _lock:
        if key in _cache:
            return _cache[key]
    graph = networkx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    degree = dict(graph.degree())
    if graph.number_of_nodes() <= EXACT_LIMIT:
        betweenness = networkx.betweenness_centrality(graph, normalized=True)
    else:
        betweenness = networkx.betweenness_centrality(graph, k=SAMPLE, normalized=True, seed=7)
    with _lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = (degree, betweenness)
    return degree, betweenness
