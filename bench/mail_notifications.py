"""E-mail notifications: 1,000 notifications queued, then sent by the task worker to a real SMTP server.

    .venv/bin/python bench/mail_notifications.py                  # 1,000 notifications, 100 people, 2 workers
    .venv/bin/python bench/mail_notifications.py --notifications 5000 --workers 4 --json

A throwaway SQLite database and Huey queue file; an aiosmtpd server in this process. Phase 1: `notify()` for
each notification (rendered in the person's language, stored, its job queued at commit), timed. Phase 2: a Huey
consumer (threads, as `flask run-worker`) sends them all, timed until the last one is accepted by the SMTP
server. Then counts: messages received, rows `sent`, rows not sent (lost = queued - received).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.mail.smtp import SmtpServer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (1 <= args.notifications <= 100_000 and 1 <= args.people <= args.notifications
            and 1 <= args.workers <= 32):
        parser.error("1 <= people <= notifications <= 100000, 1 <= workers <= 32")

    from sqlalchemy import func, select

    from workshop import create_app
    from workshop.accounts.models import User
    from workshop.extensions import db
    from workshop.jobs.queue import get_queue
    from workshop.mail.models import MailMessage
    from workshop.notifications import service as notifications

    smtp = SmtpServer().start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "SECRET_KEY": "bench",
                      "REDIS_URL": None, "JOBS_QUEUE_FILE": str(tmp / "queue.db"), "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": smtp.port, "PUBLIC_URL": "http://passerelles.test"})
    with app.app_context():
        db.create_all()
        people = [User(email=f"personne{i}@exemple.fr", name=f"Personne {i}", role="member", password_hash="!",
                       language="en" if i % 3 == 0 else "fr") for i in range(args.people)]
        db.session.add_all(people)
        db.session.commit()

        started = time.perf_counter()
        for i in range(args.notifications):
            notifications.notify(db.session, people[i % args.people], "review_requested",
                                 {"title": f"Fiche pratique n° {i}", "url": f"/fiches/{i}"}, ref=f"bench:{i}")
            if i % 100 == 99:
                db.session.commit()  # as many requests would, one commit each batch
        db.session.commit()
        queued_s = time.perf_counter() - started

        consumer = get_queue().huey.create_consumer(workers=args.workers, worker_type="thread", periodic=False,
                                                    initial_delay=0.01, max_delay=0.1)
        started = time.perf_counter()
        consumer.start()
        deadline = started + args.timeout
        while len(smtp.messages) < args.notifications and time.perf_counter() < deadline:
            time.sleep(0.02)
        sent_s = time.perf_counter() - started
        consumer.stop(graceful=True)
        db.session.remove()
        counts = dict(db.session.execute(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all())
        db.session.remove()
        db.engine.dispose()
    smtp.stop()
    received = len(smtp.messages)
    result = {"notifications": args.notifications, "people": args.people, "workers": args.workers,
              "queue_s": round(queued_s, 2), "queue_per_s": round(args.notifications / queued_s),
              "send_s": round(sent_s, 2), "send_per_s": round(received / sent_s) if sent_s else None,
              "received": received, "rows": counts, "lost": args.notifications - received}
    if args.json:
        print("RESULT " + json.dumps(result))
    print(f"queued {args.notifications} notifications for {args.people} people in {queued_s:.2f} s "
          f"({result['queue_per_s']}/s: rendered FR/EN, stored, jobs queued)")
    print(f"sent by {args.workers} worker threads to the SMTP server in {sent_s:.2f} s ({result['send_per_s']}/s)")
    print(f"received {received}, rows {counts}, lost {result['lost']}")
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
