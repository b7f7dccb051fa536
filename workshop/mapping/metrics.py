"""Network metrics of the relation graph (igraph, C code): degree and betweenness centrality.

Betweenness is computed per connected component, since no shortest path crosses two of them: a component of
up to EXACT_LIMIT nodes is computed exactly (all its nodes are sources); a larger one is estimated from a fixed
sample of SAMPLE sources, drawn with a seed from its sorted ids, so the figures do not move between two page
loads (the classic Brandes / networkx `k` estimator, rescaled by component size / sample size). Values are
normalised like networkx's `betweenness_centrality(normalized=True)` on the whole graph. Degree is exact.
Results are kept for the same graph.
"""

from __future__ import annotations

import hashlib
import random
import threading

import igraph

EXACT_LIMIT = 500
SAMPLE = 256  # ~0.1 s on 5,000 nodes / 9,000 edges; the top bridges keep their rank, values within ~20 %
SEED = 7
_cache: dict[str, tuple[dict, dict]] = {}
_lock = threading.Lock()


def _key(nodes: list[int], edges: list[tuple[int, int]]) -> str:
    digest = hashlib.sha256(repr((sorted(nodes), sorted(edges))).encode())
    return digest.hexdigest()


def _sources(components: list[list[int]]) -> tuple[list[int], dict[int, float]]:
    """Source vertices (every vertex of small components, a seeded sample of large ones) and, per vertex,
    the factor that scales its sampled sum up to its component."""
    sources: list[int] = []
    scale: dict[int, float] = {}
    for component in components:
        if len(component) <= 2:
            continue  # nobody lies between two others
        if len(component) <= EXACT_LIMIT:
            sources += component
            continue
        picked = random.Random(SEED).sample(sorted(component), SAMPLE)
        sources += picked
        factor = len(component) / SAMPLE
        scale.update(dict.fromkeys(component, factor))
    return sources, scale


def centrality(nodes: list[int], edges: list[tuple[int, int]]) -> tuple[dict[int, int], dict[int, float]]:
    """(degree, normalised betweenness) of every node."""
    key = _key(nodes, edges)
    with _lock:
        if key in _cache:
            return _cache[key]
    index = {node: position for position, node in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in edges])
    degree = dict(zip(nodes, graph.degree(), strict=True))
    n = len(nodes)
    betweenness = dict.fromkeys(nodes, 0.0)
    sources, scale = _sources([list(c) for c in graph.connected_components()])
    if n > 2 and sources:
        # igraph's subset betweenness of an undirected graph counts each (source, target) path with weight 1/2;
        # networkx's normalisation divides the ordered-pair sum by (n-1)(n-2).
        raw = graph.betweenness(directed=False, sources=sources)
        norm = 2 / ((n - 1) * (n - 2))
        betweenness = {node: raw[i] * scale.get(i, 1.0) * norm for i, node in enumerate(nodes)}
    with _lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = (degree, betweenness)
    return degree, betweenness
