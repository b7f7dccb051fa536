"""Two networks side by side bench: the department view (/reseaux) and the relation graph's metrics (degree,
betweenness, closeness, communities) on 5,000 structures and ~10,000 links.

    .venv/bin/python bench/networks.py                   # defaults: 5000 structures, 30 requests
    .venv/bin/python bench/networks.py --structures 1000 --requests 10

Everything runs on a temporary SQLite file, through Flask's test client (the whole request, no network). The
department view is computed on every request (no cache): its p95 is what a visitor waits. The graph's metrics
are kept per graph (`mapping.metrics`), so they are timed cold (caches emptied before each run), alone and through
the graph endpoint's first request. Prints the figures and one `RESULT {json}` line. Target: p95 <= 300 ms warm
for the page; the cold metrics well under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


class Clock:
    """Wall and CPU milliseconds of a block, appended to two lists."""

    def __init__(self, wall: list[float], cpu: list[float]):
        self.wall, self.cpu = wall, cpu

    def __enter__(self):
        self.started, self.started_cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        self.wall.append((time.perf_counter() - self.started) * 1000)
        self.cpu.append((time.process_time() - self.started_cpu) * 1000)


def _figures(timings: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(common.percentile(timings, 95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=5000, choices=range(10, 20001), metavar="N")
    parser.add_argument("--requests", type=int, default=30, choices=range(1, 1001), metavar="N")
    args = parser.parse_args()
    from sqlalchemy import func, select

    from workshop.extensions import db
    from workshop.mapping import metrics, public
    from workshop.mapping.cache import _json_cache
    from workshop.mapping.demo import seed_structures
    from workshop.mapping.models import Link, Structure
    from workshop.networks import sides

    with tempfile.TemporaryDirectory() as tmp:
        app = common.page_app(Path(tmp) / "networks.db")
        with app.app_context():
            started = time.perf_counter()
            seed_structures(db.session, args.structures)
            db.session.commit()
            seeded_s = time.perf_counter() - started
            counts = {"structures": db.session.scalar(select(func.count(Structure.id))),
                      "links": db.session.scalar(select(func.count(Link.id)))}
        client = app.test_client()
        page, page_first, page_cpu = common.timed_get(client, "/reseaux", args.requests)
        with app.test_request_context():
            view, computed, computed_cpu, guard, guard_cpu = None, [], [], [], []
            for _ in range(args.requests):
                with Clock(computed, computed_cpu):
                    view = sides.department_view(db.session)
                with Clock(guard, guard_cpu):
                    sides.fingerprint(db.session)
            structures, links = public.public_network(db.session, public.Filters())
            ids, pairs = [s["id"] for s in structures], [(link["source"], link["target"]) for link in links]
            runs = max(3, min(10, args.requests))
            cold: dict[str, list[float]] = {name: [] for name in ("centrality", "centrality_cpu",
                                                                  "closeness_communities", "closeness_communities_cpu")}
            for _ in range(runs):
                metrics._cache.clear()
                metrics._structure_cache.clear()
                with Clock(cold["centrality"], cold["centrality_cpu"]):
                    metrics.centrality(ids, pairs)
                with Clock(cold["closeness_communities"], cold["closeness_communities_cpu"]):
                    _closeness, community = metrics.closeness_and_communities(ids, pairs)
        metrics._cache.clear()
        metrics._structure_cache.clear()
        _json_cache.clear()
        graph, graph_first, _graph_cpu = common.timed_get(client, "/api/graphe.json", args.requests)
    result = {**counts, "public_links": len(links), "cross_links": view.cross_count,
              "communities": len(set(community.values())), "seeded_s": round(seeded_s, 1),
              "page_first_ms": round(page_first, 1), **{f"page_{k}": v for k, v in _figures(page).items()},
              **{f"page_cpu_{k}": v for k, v in _figures(page_cpu).items()},
              **{f"view_{k}": v for k, v in _figures(sorted(computed)).items()},
              **{f"view_cpu_{k}": v for k, v in _figures(sorted(computed_cpu)).items()},
              **{f"fingerprint_{k}": v for k, v in _figures(sorted(guard)).items()},
              **{f"{name}_cold_{k}": v for name, values in cold.items() for k, v in _figures(sorted(values)).items()},
              "graph_first_ms": round(graph_first, 1), **{f"graph_warm_{k}": v for k, v in _figures(graph).items()},
              "loadavg": common.loadavg()}
    print(f"{counts['structures']} structures, {counts['links']} links ({len(links)} public, {view.cross_count} "
          f"joining the two networks), seeded in {seeded_s:.1f} s; load average {result['loadavg']}")
    print(f"/reseaux: first {page_first:.0f} ms, p50 {result['page_p50_ms']} ms, p95 {result['page_p95_ms']} ms "
          f"(target <= 300 ms), CPU p50 {result['page_cpu_p50_ms']} ms, p95 {result['page_cpu_p95_ms']} ms; "
          f"department_view alone p50 {result['view_p50_ms']} ms, p95 {result['view_p95_ms']} ms, "
          f"CPU p95 {result['view_cpu_p95_ms']} ms; the fingerprint that guards it p50 {result['fingerprint_p50_ms']} "
          f"ms, p95 {result['fingerprint_p95_ms']} ms")
    print(f"graph metrics cold ({runs} runs): degree + betweenness p50 {result['centrality_cold_p50_ms']} ms, "
          f"p95 {result['centrality_cold_p95_ms']} ms; closeness + communities p50 "
          f"{result['closeness_communities_cold_p50_ms']} ms, p95 {result['closeness_communities_cold_p95_ms']} ms "
          f"({result['communities']} communities); CPU p95 {result['centrality_cpu_cold_p95_ms']} ms and "
          f"{result['closeness_communities_cpu_cold_p95_ms']} ms")
    print(f"/api/graphe.json: first (all computed) {graph_first:.0f} ms; warm p50 {result['graph_warm_p50_ms']} ms, "
          f"p95 {result['graph_warm_p95_ms']} ms")
    common.print_json(result)


if __name__ == "__main__":
    main()
