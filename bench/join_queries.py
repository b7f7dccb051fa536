"""SQL statements a screen costs when it joins a board (the join state) or replays it, by number of groups.

Seeds a board through the Socket.IO protocol itself (the facilitator posts cards and groups them), then counts
the statements sent while a new participant joins, and while a participant catches up with `since`:

    .venv/bin/python bench/join_queries.py --groups 0 5 10 20
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workshop import create_app  # noqa: E402
from workshop.accounts import service as accounts  # noqa: E402
from workshop.boards import service as boards  # noqa: E402
from workshop.extensions import db, socketio  # noqa: E402

PASSWORD = "bench-motdepasse-1"


def statements(engine, run) -> int:
    """How many SQL statements `run()` sends through `engine`."""
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def measure(groups: int, directory: Path) -> tuple[int, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / f'join{groups}.db'}",
                      "SECRET_KEY": "bench", "REDIS_URL": None, "SOCKETIO_ASYNC_MODE": "threading",
                      "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "CARD_RATE": "100000/second", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        user = accounts.create_user(db.session, "animation@bench.passerelles", "Animation", "facilitator", PASSWORD)
        code = boards.create_workshop(db.session, user, "Atelier de mesure").code
        db.session.commit()
    http = app.test_client()
    http.post("/connexion", data={"email": "animation@bench.passerelles", "password": PASSWORD})
    facilitator = socketio.test_client(app, namespace="/board", flask_test_client=http)
    assert facilitator.emit("join", {"code": code}, namespace="/board", callback=True)["ok"]
    for g in range(groups):
        ids = [facilitator.emit("card.add", {"client_id": f"g{g}c{i}", "column": "obstacle", "text": f"Idée {g}.{i}"},
                                namespace="/board", callback=True)["card"]["id"] for i in range(2)]
        ack = facilitator.emit("group.create", {"card_ids": ids, "name": f"Groupe {g}"}, namespace="/board",
                               callback=True)
        assert ack["ok"], ack
    with app.app_context():
        engine = db.engine
    person = socketio.test_client(app, namespace="/board")
    answers = {}
    join = statements(engine, lambda: answers.update(
        join=person.emit("join", {"code": code, "name": "Nadia"}, namespace="/board", callback=True)))
    assert answers["join"]["ok"] and len(answers["join"]["state"]["facilitation"]["groups"]) == groups
    replay = statements(engine, lambda: person.emit("resync", {"since": 0}, namespace="/board", callback=True))
    return join, replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, nargs="+", default=[0, 5, 10, 20])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for groups in args.groups:
            join, replay = measure(groups, Path(tmp))
            print(f"groups={groups:>3}  statements per join={join:>3}  per resync from 0={replay:>3}")


if __name__ == "__main__":
    main()
