"""Programme bench: the programme page and its indicators on 5,000 structures, 10,000 links, 200 workshops,
200 meetings and 2,000 trials of 40 published sheets (issue 16 §4), the structure page with its "Opportunités",
and the bilan PDF's rendering time.

    .venv/bin/python bench/programme.py                  # defaults: 5000 structures, 200 workshops, 30 requests
    .venv/bin/python bench/programme.py --structures 1000 --workshops 50 --meetings 20 --trials 100 --requests 10

Everything runs on a temporary SQLite file, through Flask's test client (the whole request, no network), logged
in as the programme's coordinator (the budget is computed and shown). Prints the figures and one `RESULT {json}`
line. Target (issue 16): programme page p95 <= 300 ms warm.
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

COORDINATOR = ("coordination@passerelles.demo", "passerelles-demo")


def _meetings_and_trials(s, organiser_id: int, ids: list[int], meetings: int, trials: int) -> None:
    """`meetings` departmental meetings over two years; `trials` trials of 40 published sheets, most approved
    (a tenth pending, a tenth refused), at structures spread over the map, over two years."""
    import uuid
    from datetime import date, datetime, timedelta

    from workshop.meetings.models import Meeting
    from workshop.practices.models import Practice
    from workshop.trials.models import Trial

    today = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0)
    s.add_all(Meeting(code=f"M{n:07d}", title=f"Rencontre {n}", starts_at=today - timedelta(days=3 * n),
                      ends_at=today - timedelta(days=3 * n, hours=-2), organiser_id=organiser_id)
              for n in range(meetings))
    sheets = [Practice(uuid=str(uuid.uuid4()), title=f"Fiche {n}", status="published") for n in range(40)]
    s.add_all(sheets)
    s.flush()
    statuses = ("approved",) * 8 + ("pending", "refused")
    if not trials:  # an empty executemany would insert one empty row
        return
    s.execute(Trial.__table__.insert(), [
        {"practice_id": sheets[n % len(sheets)].id, "structure_id": ids[(n * 13) % len(ids)],
         "tried_on": date.today() - timedelta(days=n % 700), "recommend": "yes", "status": statuses[n % 10],
         "changes": "Des parents venus.", "with_whom": "", "adaptations": "", "refusal": "", "author_name": "",
         "author_id": organiser_id} for n in range(trials)])


def _seed(app, structures: int, workshops: int, meetings: int, trials: int) -> tuple[int, int, dict]:
    from sqlalchemy import func, select

    from workshop.accounts.models import User
    from workshop.boards.models import Participant, Workshop
    from workshop.demo import seed_board
    from workshop.extensions import db
    from workshop.frameworks.catalogue import seed_texts
    from workshop.mapping.demo import seed_structures
    from workshop.mapping.models import Link, Structure, workshop_structure
    from workshop.meetings.models import Meeting
    from workshop.programme.demo import seed_programme
    from workshop.trials.models import Trial

    with app.test_request_context():
        s = db.session
        seed_board(s)
        seed_structures(s, structures)
        seed_texts(s)
        facilitator = s.scalar(select(User).where(User.role == "facilitator"))
        ids = list(s.scalars(select(Structure.id).order_by(Structure.id)))
        for n in range(workshops):
            workshop = Workshop(code=f"B{n:07d}", title=f"Atelier {n}", facilitator_id=facilitator.id)
            s.add(workshop)
            s.flush()
            s.add_all(Participant(workshop_id=workshop.id, name=f"P{k}", token_hash=f"{n:06d}{k:04d}".ljust(64, "0"))
                      for k in range(12))
            s.execute(workshop_structure.insert(), [{"workshop_id": workshop.id, "structure_id": ids[(n * 7 + k)
                                                                                                  % len(ids)]}
                                                    for k in range(4)])
        _meetings_and_trials(s, facilitator.id, ids, meetings, trials)
        programme = seed_programme(s)
        s.commit()
        counts = {"structures": s.scalar(select(func.count(Structure.id))),
                  "links": s.scalar(select(func.count(Link.id))),
                  "workshops": s.scalar(select(func.count(Workshop.id))), "cities": len(programme.cities),
                  "meetings": s.scalar(select(func.count(Meeting.id))),
                  "trials": s.scalar(select(func.count(Trial.id)))}
        return programme.id, ids[len(ids) // 2], counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=5000, choices=range(10, 20001), metavar="N")
    parser.add_argument("--workshops", type=int, default=200, choices=range(0, 2001), metavar="N")
    parser.add_argument("--meetings", type=int, default=200, choices=range(0, 2001), metavar="N")
    parser.add_argument("--trials", type=int, default=2000, choices=range(0, 20001), metavar="N")
    parser.add_argument("--requests", type=int, default=30, choices=range(1, 1001), metavar="N")
    args = parser.parse_args()
    from workshop.extensions import db
    from workshop.printing.service import get_renderer
    from workshop.programme import bilan, indicators
    from workshop.programme.models import Programme

    with tempfile.TemporaryDirectory() as tmp:
        app = common.page_app(Path(tmp) / "programme.db", PDF_CACHE_DIR=f"{tmp}/pdf-cache")
        started = time.perf_counter()
        programme_id, structure_id, counts = _seed(app, args.structures, args.workshops, args.meetings, args.trials)
        seeded_s = time.perf_counter() - started
        client = app.test_client()
        client.post("/connexion", data={"email": COORDINATOR[0], "password": COORDINATOR[1]})
        page, page_first, page_cpu = common.timed_get(client, f"/programmes/{programme_id}", args.requests)
        structure, _first, _cpu = common.timed_get(client, f"/structures/{structure_id}", args.requests)
        with app.test_request_context():
            programme = db.session.get(Programme, programme_id)
            computed = []
            for _ in range(args.requests):
                started = time.perf_counter()
                indicators.indicators(db.session, programme)
                computed.append((time.perf_counter() - started) * 1000)
            computed.sort()
            tried = indicators.indicators(db.session, programme)["tried"]
            document = bilan.bilan_document(db.session, programme, with_budget=True)
            started = time.perf_counter()
            get_renderer().render_now(document)
            pdf_s = time.perf_counter() - started
    result = {**counts, "seeded_s": round(seeded_s, 1), "page_first_ms": round(page_first, 1),
              "page_p50_ms": round(statistics.median(page), 1), "page_p95_ms": round(common.percentile(page, 95), 1),
              "page_cpu_p95_ms": round(common.percentile(page_cpu, 95), 1), "loadavg": common.loadavg(),
              "indicators_p95_ms": round(common.percentile(computed, 95), 1),
              "structure_page_p95_ms": round(common.percentile(structure, 95), 1), "bilan_pdf_s": round(pdf_s, 2),
              "tried": tried}
    print(f"{counts['structures']} structures, {counts['links']} links, {counts['workshops']} workshops, "
          f"{counts['meetings']} meetings, {counts['trials']} trials, {counts['cities']} cities in the programme "
          f"(seeded in {seeded_s:.1f} s); practices tried in the period: {tried}")
    print(f"programme page: first {page_first:.0f} ms, p50 {result['page_p50_ms']} ms, p95 {result['page_p95_ms']} ms"
          f" (target <= 300 ms); CPU p95 {result['page_cpu_p95_ms']} ms; indicators alone p95 "
          f"{result['indicators_p95_ms']} ms (load average {result['loadavg']})")
    print(f"structure page with opportunities p95 {result['structure_page_p95_ms']} ms; bilan PDF {pdf_s:.2f} s")
    common.print_json(result)


if __name__ == "__main__":
    main()
