"""Meetings: registrations under load on the real server, and the restitution PDF of a 6-workshop meeting.

    .venv/bin/python bench/meetings.py                          # 500 registrations over 60 s, then the PDF
    .venv/bin/python bench/meetings.py --registrations 200 --seconds 20 --capacity 150

1. The real server (`gunicorn -k gevent -w 1 wsgi:app`) on a temporary SQLite database, 127.0.0.1 in the port
   range 5300-5399. N people register over S seconds at an even pace (each: GET the form for its CSRF token, then
   POST it), 16 at a time at most; the figures are the POST's latency (p50, p95, max) and the errors (anything but
   the redirect to the personal page). The capacity is below N: the database must then hold exactly `capacity`
   places and the rest waiting (no overbooking).
2. In this process: the restitution of a meeting of 6 workshops (40 cards each, with votes), HTML built and PDF
   rendered uncached by the renderer the CLI uses (warmed by one small render first).

Targets (issue 15): 500 registrations in 60 s without error; restitution PDF <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PROFILES = ("school", "social_centre", "parent", "association", "institution", "other")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def prepare(directory: Path, capacity: int, pdf_dir: Path) -> tuple[str, int, int]:
    """The database: an organiser, a meeting open for registration (capacity), and a past-looking meeting of
    6 workshops with cards and votes for the restitution."""
    os.environ.setdefault("SECRET_KEY", common.SECRET_KEY)
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.boards.models import Participant
    from workshop.extensions import db
    from workshop.facilitation.models import Vote
    from workshop.live.kernel import current_kernel
    from workshop.meetings import registration as registrations
    from workshop.meetings import service

    url = f"sqlite:///{directory / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": common.SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "PDF_CACHE_DIR": str(pdf_dir)})
    with app.test_request_context():
        db.create_all()
        user = accounts.create_user(db.session, "organisation@bench.passerelles", "Organisation Bench", "admin",
                                    "bench-motdepasse-1")
        starts = service.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=20)
        data = {"title": "Rencontre de mesure", "starts_at": starts, "ends_at": starts + timedelta(hours=7),
                "capacity": capacity, "place": "127.0.0.1"}
        open_meeting = service.create_meeting(db.session, user, data)
        service.create_workshops(db.session, user, open_meeting, 2)
        big = service.create_meeting(db.session, user, {**data, "title": "Rencontre à six ateliers",
                                                        "capacity": None})
        for workshop in service.create_workshops(db.session, user, big, 6):
            seats = []
            for n in range(8):
                person, _ = registrations.register(db.session, big, {
                    "name": f"Personne {workshop.id}-{n}", "profile_kind": PROFILES[n % 6], "city": "Roubaix",
                    "workshop_id": workshop.id})
                registrations.check_in(db.session, user, big, person)
                seats.append(registrations.open_board(db.session, person)[1])
            db.session.commit()
            participants = [p for p in registrations.registrations(db.session, big) if p.workshop_id == workshop.id]
            for n in range(40):
                seat = db.session.get(Participant, participants[n % 8].participant_id)
                card = current_kernel().perform(db.session, seat.id, "card.add", {
                    "client_id": uuid.uuid4().hex, "column": ("obstacle", "lever", "method")[n % 3],
                    "text": f"Contribution {n} : un café des parents, une fiche de liaison, un temps commun."},
                    workshop_id=seat.workshop_id, rate_limited=False).ack["card"]
                for voter in participants[: n % 5]:
                    db.session.add(Vote(workshop_id=workshop.id, participant_id=voter.participant_id,
                                        target_kind="card", target_id=card["id"]))
            db.session.commit()
        ids = open_meeting.id, big.id
        db.session.remove()
    return url, *ids


def register_load(base: str, meeting_id: int, count: int, seconds: float) -> dict:
    import requests

    latencies, errors, lock = [], {}, threading.Lock()
    start = time.monotonic()

    def one(index: int) -> None:
        delay = start + index * seconds / count - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        browser = requests.Session()
        try:
            form = browser.get(f"{base}/rencontres/{meeting_id}/inscription", timeout=60)
            match = CSRF.search(form.text)
            token = (match.group(1) or match.group(2)) if match else ""
            began = time.monotonic()
            answer = browser.post(f"{base}/rencontres/{meeting_id}/inscription", allow_redirects=False, timeout=60,
                                  data={"csrf_token": token, "name": f"Personne {index}",
                                        "profile_kind": PROFILES[index % 6], "city": "Tourcoing"})
            took = time.monotonic() - began
            key = None if answer.status_code == 302 else str(answer.status_code)
        except requests.RequestException as error:
            took, key = None, type(error).__name__
        with lock:
            if took is not None and key is None:
                latencies.append(took)
            if key:
                errors[key] = errors.get(key, 0) + 1

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(count)))
    return {"ok": len(latencies), "errors": errors, "elapsed_s": round(time.monotonic() - start, 1),
            "p50_ms": common.ms(common.percentile(latencies, 50)),
            "p95_ms": common.ms(common.percentile(latencies, 95)),
            "max_ms": common.ms(max(latencies) if latencies else None)}


def counts(url: str, meeting_id: int) -> dict:
    from sqlalchemy import create_engine, func, select

    from workshop.meetings.models import Registration

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Registration.status, func.count()).where(Registration.meeting_id == meeting_id)
                            .group_by(Registration.status)).all()
    engine.dispose()
    return dict(rows)


def restitution_time(url: str, meeting_id: int, warm_id: int, pdf_dir: Path) -> dict:
    from workshop import create_app
    from workshop.extensions import db
    from workshop.meetings import restitution
    from workshop.meetings.models import Meeting
    from workshop.printing.service import get_renderer, render_file

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": common.SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "PDF_CACHE_DIR": str(pdf_dir)})
    with app.test_request_context():
        get_renderer()
        # A warm pool, as in a running server: its processes have started and loaded WeasyPrint.
        render_file(restitution.restitution_document(db.session, db.session.get(Meeting, warm_id)))
        began, cpu_began = time.monotonic(), time.process_time()
        document = restitution.restitution_document(db.session, db.session.get(Meeting, meeting_id))
        html_s = time.monotonic() - began
        html_cpu = time.process_time() - cpu_began
        _path, pages = render_file(document)
        total = time.monotonic() - began
        render_cpu = render_cpu_time(document)
        db.session.remove()
    return {"html_s": round(html_s, 2), "total_s": round(total, 2), "pages": pages,
            "html_cpu_s": round(html_cpu, 2), "render_cpu_s": round(render_cpu, 2)}


def render_cpu_time(document) -> float:
    """CPU seconds of the same layout and PDF in this process, warm (a second render): what the pool's worker
    spends, which a loaded machine stretches in wall time (the workers run at idle priority)."""
    from workshop.printing import weasy

    out = Path(os.devnull)
    for _ in range(2):
        began = time.process_time()
        laid_out = weasy.lay_out(document.html, document.css, document.variant, str(common.ROOT))
        laid_out.write_pdf(out, pdf_variant=document.variant)
    return time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--capacity", type=int, default=400)
    args = parser.parse_args()
    common.stop_on_sigterm()
    with common.temp_dir("bench-meetings-") as tmp:
        directory = Path(tmp)
        url, open_id, big_id = prepare(directory, args.capacity, directory / "pdf-cache")
        print(f"load average before: {common.loadavg()}", flush=True)
        port = common.free_port()
        with common.Server("gevent", port, url, directory / "server.log") as server:
            cpu_before = common.group_stats(server.proc.pid)[0]
            load = register_load(server.url, open_id, args.registrations, args.seconds)
            load["server_cpu_s"] = round(common.group_stats(server.proc.pid)[0] - cpu_before, 1)
        load["load_after"] = common.loadavg()
        held = counts(url, open_id)
        pdf = restitution_time(url, big_id, open_id, directory / "pdf-cache")
    over = held.get("registered", 0) > args.capacity
    print(f"\nRegistrations: {load['ok']}/{args.registrations} in {load['elapsed_s']} s (paced over "
          f"{args.seconds:g} s), errors {load['errors'] or 0}; POST p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, "
          f"max {load['max_ms']} ms; server CPU {load['server_cpu_s']} s "
          f"({1000 * load['server_cpu_s'] / max(args.registrations, 1):.0f} ms a person: form + POST); load after "
          f"{load['load_after']}")
    print(f"Places held: {held.get('registered', 0)} registered / capacity {args.capacity}, "
          f"{held.get('waiting', 0)} waiting{' — OVERBOOKED' if over else ''}")
    print(f"Restitution PDF, 6 workshops x 40 cards: {pdf['total_s']} s ({pdf['pages']} pages; HTML "
          f"{pdf['html_s']} s); target <= 5 s; CPU: HTML {pdf['html_cpu_s']} s, layout + PDF {pdf['render_cpu_s']} s; "
          f"load {common.loadavg()}")
    common.print_json({"registrations": load, "held": held, "restitution": pdf})
    sys.exit(1 if over or load["errors"] else 0)


if __name__ == "__main__":
    main()
