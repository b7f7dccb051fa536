"""Practice search: seed N demo sheets into a throwaway database, then time 200 varied searches and the
practice page.

    .venv/bin/python bench/search.py                 # 20,000 sheets, SQLite in a temp dir
    .venv/bin/python bench/search.py --practices 5000 --json
    .venv/bin/python bench/search.py --reuse         # seed once, then reuse a copy of /tmp/bench-search-cache-*.db
    TEST_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/search.py --postgres

Prints the seeding time, then p50/p95/max of the search function (words + facets + excerpts, as the
search page calls it, anonymous viewer) and of GET /fiches/<id> through the Flask test client.
Targets: search p95 <= 30 ms on SQLite, practice page p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

WORDS = ("parents", "réunion parents élèves", "cafe des parents", "accompagnement scolarité", "CLAS",
         "horaires", "langue", "numérique", "decrochage", "coeur", "médiation école familles", "goûter",
         "convention", "orientation 6e", "enseignants animateurs", "fiche de liaison", "interprètes",
         "rentrée", "REP+", "bilan", "collège", "participation", "forum", "théâtre", "lecture")
FILTERS = (("city", ("Roubaix", "Marseille", "Lyon", "Toulouse", "Nîmes")), ("framework", ("clas", "reaap", "oepre")),
           ("theme", ("Parents", "Numérique", "Orientation")), ("kind", ("tool", "experience")),
           ("audience", ("parents", "collegiens")))


def _queries(count: int, rng: random.Random) -> list[dict]:
    queries = []
    for i in range(count):
        words = " ".join(rng.sample(WORDS, rng.choice((1, 1, 2)))) if i % 10 else ""
        filters = {}
        if rng.random() < 0.4:
            name, values = rng.choice(FILTERS)
            filters[name] = [rng.choice(values)]
        sort = rng.choice(("relevance", "relevance", "recent", "toolkits"))
        queries.append({"text": words, "filters": filters, "sort": sort, "page": rng.choice((1, 1, 1, 2))})
    return queries


def _row(label: str, values: list[float], cpu: list[float]) -> dict:
    """Wall-clock percentiles, and CPU time of this process (what the query costs, without waiting for a core on
    a shared machine: SQLite runs inside the process)."""
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {"what": label, "n": len(values), "p50_ms": ms(common.percentile(values, 50)),
            "p95_ms": ms(common.percentile(values, 95)), "max_ms": ms(max(values)),
            "cpu_p50_ms": ms(common.percentile(cpu, 50)), "cpu_p95_ms": ms(common.percentile(cpu, 95)),
            "load_avg": os.getloadavg()[0]}


def _cache_path(practices: int) -> Path:
    """Where a seeded database is kept: its name changes with the code that shapes it (models, seeding). Delete
    the file by hand after changing what the full-text index holds (search.document, SQLITE_SCHEMA)."""
    root = Path(__file__).resolve().parent.parent / "workshop"
    digest = hashlib.sha256()
    for name in ("practices/models.py", "practices/demo.py", "demo.py"):
        digest.update((root / name).read_bytes())
    return Path(tempfile.gettempdir()) / f"bench-search-cache-{practices}-{digest.hexdigest()[:12]}.db"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practices", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="use a fresh database on TEST_DATABASE_URL")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="SQLite: keep the seeded database under /tmp (keyed by the practice models, demo and "
                             "search code) and work on a copy of it next time, instead of seeding again")
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, select, text

    from workshop import create_app
    from workshop.extensions import db
    from workshop.practices import search
    from workshop.practices.demo import seed_practices
    from workshop.practices.models import Practice

    tmp = tempfile.mkdtemp(prefix="bench-search-")
    url, pg_name = f"sqlite:///{tmp}/bench.db", None
    cache = _cache_path(args.practices) if args.reuse and not args.postgres else None
    reused = bool(cache and cache.exists())
    if reused:
        shutil.copyfile(cache, f"{tmp}/bench.db")
    if args.postgres:
        base = os.environ["TEST_DATABASE_URL"]
        pg_name = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = base.rsplit("/", 1)[0] + f"/{pg_name}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    results = {"practices": args.practices, "database": "postgresql" if pg_name else "sqlite"}
    try:
        with app.app_context():
            if reused:
                results["seed_seconds"] = 0.0
            else:
                db.create_all()
                from workshop.demo import seed_board

                seed_board(db.session)
                started = time.perf_counter()
                seed_practices(db.session, args.practices)
                db.session.commit()
                results["seed_seconds"] = round(time.perf_counter() - started, 2)
                if cache:
                    db.session.commit()
                    db.session.remove()
                    db.engine.dispose()
                    shutil.copyfile(f"{tmp}/bench.db", cache)
            if pg_name:
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            rng = random.Random(7)
            timings, cpu = [], []
            with app.test_request_context():
                for spec in _queries(args.queries, rng):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    found = search.search(db.session, search.Query(**spec), None)
                    timings.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - started_cpu)
                    assert found.page >= 1
                    db.session.remove()
            rows = [_row("search (words, facets, excerpts)", timings, cpu)]
            ids = list(db.session.scalars(select(Practice.id).where(Practice.status == "published")
                                          .order_by(Practice.id)))
        client = app.test_client()
        page_times, page_cpu = [], []
        for practice_id in random.Random(3).sample(ids, min(args.pages, len(ids))):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/fiches/{practice_id}")
            page_times.append(time.perf_counter() - started)
            page_cpu.append(time.process_time() - started_cpu)
            assert response.status_code == 200, response.status_code
        rows.append(_row("GET /fiches/<id> (test client)", page_times, page_cpu))
        results["rows"] = rows
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        if pg_name:
            with create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    if args.json:
        print(json.dumps(results))
    else:
        seeded = "reused from " + str(cache) if reused else f"seeded in {results['seed_seconds']} s"
        print(f"{results['database']}: {args.practices} fiches {seeded}")
        for row in results["rows"]:
            print(f"  {row['what']:<34} n={row['n']:<4} p50={row['p50_ms']} ms  p95={row['p95_ms']} ms  "
                  f"max={row['max_ms']} ms | CPU p50={row['cpu_p50_ms']} ms p95={row['cpu_p95_ms']} ms "
                  f"| load {row['load_avg']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
