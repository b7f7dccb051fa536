"""Network metrics of the relation graph (igraph, C code): degree, betweenness and closeness centrality, and
communities.

Betweenness is computed per connected component, since no shortest path crosses two of them: a component of
up to EXACT_LIMIT nodes is computed exactly (all its nodes are sources); a larger one is estimated from a fixed
sample of SAMPLE sources, drawn with a seed from its sorted ids, so the figures do not move between two page
loads (the classic Brandes / networkx `k` estimator, rescaled by component size / sample size). Values are
normalised like networkx's `betweenness_centrality(normalized=True)` on the whole graph. Degree is exact.
Closeness is exact, within each component and scaled by the component's share of the graph (Wasserman-Faust, as
networkx's `closeness_centrality`), so a pair alone is not "closest". Communities come from the multilevel
(Louvain) method with a seeded generator, numbered 1, 2, ... by decreasing size then smallest id, so a page load
shows the same colours. Results are kept for the same graph.
"""

from __future__ import annotations

import hashlib
import random
import threading

import igraph
import numpy

EXACT_LIMIT = 500
SAMPLE = 256  # ~0.1 s on 5,000 nodes / 9,000 edges; the top bridges keep their rank, values within ~20 %
CLOSENESS_SAMPLE = 128  # its distances come back as Python lists: ~0.2 s on 5,000 nodes, values within ~5 %
SEED = 7
_cache: dict[str, tuple[dict, dict]] = {}
_structure_cache: dict[str, tuple[dict, dict]] = {}
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


def _closeness(graph: igraph.Graph) -> list[float]:
    """Exact on components of up to EXACT_LIMIT nodes; on larger ones, each node's sum of distances is estimated
    from CLOSENESS_SAMPLE seeded sources (distances are symmetric: the sum over a sample of sources, scaled up to the
    component; Eppstein-Wang), since exact closeness is one search per node (~2 s on 5,000 nodes)."""
    n = graph.vcount()
    result = [0.0] * n
    for component in graph.connected_components():
        size = len(component)
        if size < 2:
            continue
        if size <= EXACT_LIMIT:
            raw = graph.closeness(vertices=component, normalized=True)
        else:
            sources = random.Random(SEED).sample(sorted(component), CLOSENESS_SAMPLE)
            distances = numpy.asarray(graph.distances(source=sources, target=component), dtype=float)
            totals = distances.sum(axis=0) * size / CLOSENESS_SAMPLE
            raw = [float((size - 1) / total) if total else 0.0 for total in totals]
        for vertex, value in zip(component, raw, strict=True):
            result[vertex] = value * (size - 1) / (n - 1)
    return result


def _communities(graph: igraph.Graph, nodes: list[int]) -> list[int]:
    previous = igraph.set_random_number_generator(random.Random(SEED))  # Louvain visits nodes in random order
    try:
        membership = graph.community_multilevel().membership if graph.ecount() else list(range(graph.vcount()))
    finally:
        igraph.set_random_number_generator(previous or random)
    groups: dict[int, list[int]] = {}
    for vertex, group in enumerate(membership):
        groups.setdefault(group, []).append(nodes[vertex])
    order = sorted(groups, key=lambda g: (-len(groups[g]), min(groups[g])))
    number = {group: rank for rank, group in enumerate(order, start=1)}
    return [number[group] for group in membership]


def closeness_and_communities(nodes: list[int], edges: list[tuple[int, int]]
                              ) -> tuple[dict[int, float], dict[int, int]]:
    """(closeness, community number) of every node; communities are numbered from 1, the largest first."""
    key = _key(nodes, edges)
    with _lock:
        if key in _structure_cache:
            return _structure_cache[key]
        ordered = sorted(nodes)  # the same graph gives the same vertex order, hence the same communities
        index = {node: position for position, node in enumerate(ordered)}
        graph = igraph.Graph(n=len(ordered), edges=sorted((index[a], index[b]) for a, b in edges))
        closeness = dict(zip(ordered, _closeness(graph), strict=True))
        community = dict(zip(ordered, _communities(graph, ordered), strict=True))
        if len(_structure_cache) > 32:
            _structure_cache.clear()
        _structure_cache[key] = (closeness, community)
    return closeness, community
