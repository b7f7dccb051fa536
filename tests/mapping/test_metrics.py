"""Relation graph metrics: exact on small components, a seeded sample on large ones, degree always exact."""

from __future__ import annotations

import pytest

from workshop.mapping import metrics


def _two_stars_and_a_path():
    """Two stars of 40 leaves whose centres meet through one bridge node (81 + 2 nodes), and a path of 3."""
    nodes, edges = [1, 2, 3], [(1, 2), (2, 3)]
    nodes += [100, 200, 150]
    edges += [(100, 150), (150, 200)]
    for centre in (100, 200):
        leaves = range(centre + 1, centre + 41)
        nodes += leaves
        edges += [(centre, leaf) for leaf in leaves]
    return nodes, edges


@pytest.fixture(autouse=True)
def _fresh_cache():
    metrics._cache.clear()
    metrics._structure_cache.clear()
    yield
    metrics._cache.clear()
    metrics._structure_cache.clear()


def test_large_component_is_sampled_stable_and_close_to_exact(monkeypatch):
    nodes, edges = _two_stars_and_a_path()
    exact_degree, exact = metrics.centrality(nodes, edges)  # 83-node component: under EXACT_LIMIT
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 10)
    monkeypatch.setattr(metrics, "SAMPLE", 20)
    metrics._cache.clear()
    degree, sampled = metrics.centrality(nodes, edges)
    metrics._cache.clear()
    again = metrics.centrality(nodes, edges)[1]
    assert degree == exact_degree and degree[100] == 41 and degree[150] == 2  # degree stays exact
    assert sampled == again  # the seeded sample: figures do not move between two page loads
    assert sampled != exact  # it really was sampled
    assert max(sampled, key=sampled.get) in (100, 200) and sampled[150] > sampled[101]
    for bridge in (100, 150, 200):
        assert sampled[bridge] == pytest.approx(exact[bridge], rel=0.35)
    n = len(nodes)  # the path of 3 is small: exact, normalised on the whole graph like networkx
    assert sampled[2] == pytest.approx(2 / ((n - 1) * (n - 2))) == exact[2]
    assert sampled[1] == 0


def test_exact_values_match_the_networkx_definition():
    # star centre with 3 leaves, one of them extended: A - P - C, P - D - E
    nodes, edges = [1, 2, 3, 4, 5], [(1, 2), (2, 3), (2, 4), (4, 5)]
    degree, betweenness = metrics.centrality(nodes, edges)
    # P (2) lies on 1-3, 1-4, 1-5, 3-4, 3-5: 5 of the C(4, 2) = 6 pairs of the others; D (4) on 1-5, 2-5, 3-5
    assert betweenness[2] == pytest.approx(5 / 6) and betweenness[4] == pytest.approx(3 / 6)
    assert betweenness[1] == betweenness[5] == 0 and degree == {1: 1, 2: 3, 3: 1, 4: 2, 5: 1}
    assert metrics.centrality([7], []) == ({7: 0}, {7: 0.0}) and metrics.centrality([], []) == ({}, {})


def _two_triangles_and_a_bridge():
    """Triangles 1-2-3 and 4-5-6, joined by the bridge 3-4; an isolated pair 8-9 and a lone node 7."""
    return [1, 2, 3, 4, 5, 6, 7, 8, 9], [(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4), (8, 9)]


def test_two_triangles_joined_by_a_bridge_are_two_communities_and_the_bridge_is_closest():
    nodes, edges = _two_triangles_and_a_bridge()
    closeness, community = metrics.closeness_and_communities(nodes, edges)
    assert community[1] == community[2] == community[3] != community[4] == community[5] == community[6]
    assert {community[1], community[4]} == {1, 2}  # the two largest, numbered first
    assert community[8] == community[9] == 3 and community[7] == 4  # then by smallest id
    # networkx's closeness (Wasserman-Faust): (r-1)/sum of distances × (r-1)/(n-1), r = 6 in the component, n = 9
    assert closeness[3] == pytest.approx(5 / 7 * 5 / 8) and closeness[4] == closeness[3]
    assert closeness[1] == pytest.approx(5 / 10 * 5 / 8)
    assert max(closeness, key=closeness.get) in (3, 4)
    assert closeness[8] == pytest.approx(1 / 8) and closeness[7] == 0.0  # a pair alone is not "closest"


def test_communities_and_closeness_are_stable_and_cached():
    nodes, edges = _two_stars_and_a_path()
    first = metrics.closeness_and_communities(nodes, edges)
    metrics._structure_cache.clear()
    assert metrics.closeness_and_communities(list(reversed(nodes)), list(reversed(edges))) == first
    assert metrics.closeness_and_communities(nodes, edges) is metrics._structure_cache[metrics._key(nodes, edges)]


def test_large_component_closeness_is_sampled_close_to_exact(monkeypatch):
    nodes, edges = _two_stars_and_a_path()
    exact = metrics.closeness_and_communities(nodes, edges)[0]
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 10)
    monkeypatch.setattr(metrics, "CLOSENESS_SAMPLE", 40)
    metrics._structure_cache.clear()
    sampled = metrics.closeness_and_communities(nodes, edges)[0]
    assert max(exact, key=exact.get) == 150  # the bridge node; the two centres are one distance behind
    assert set(sorted(sampled, key=sampled.get)[-3:]) == {100, 150, 200}
    assert all(sampled[node] == pytest.approx(exact[node], rel=0.15) for node in nodes if node > 3)
