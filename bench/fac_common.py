"""What the facilitation benches share: a prepared workshop (cards, phase), a logged-in facilitator cookie,
client processes that connect N screens and report back, all on 127.0.0.1 ports 5300-5399."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PASSWORD = "bench-motdepasse-1"


@dataclass
class Prepared:
    database_url: str
    workshop_id: int
    code: str
    cookie: str
    card_ids: list[int]


def prepare(directory: Path, format_key: str, *, phase: str | None = None, cards: int = 0,
            private_authors: int = 0) -> Prepared:
    """A workshop of `format_key` with `cards` cards (written by `private_authors` people when > 0, so private
    in a private phase), set to `phase`; returns the facilitator's session cookie too."""
    os.environ.setdefault("SECRET_KEY", common.SECRET_KEY)
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.boards import service as boards
    from workshop.extensions import db
    from workshop.live.kernel import current_kernel

    url = f"sqlite:///{directory / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": common.SECRET_KEY, "REDIS_URL": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        user = accounts.create_user(db.session, "animation@bench.passerelles", "Animation Bench", "facilitator",
                                    PASSWORD)
        workshop = boards.create_workshop(db.session, user, "Atelier de mesure", format_key=format_key)
        facilitator = boards.join(db.session, {"code": workshop.code}, user).participant
        column = workshop.columns[0].key
        authors = [boards.join(db.session, {"code": workshop.code, "name": f"Auteur {i}"}).participant
                   for i in range(private_authors)] or [facilitator]
        kernel, board, author_ids = current_kernel(), workshop.id, [a.id for a in authors]
        card_ids = [kernel.perform(db.session, author_ids[i % len(author_ids)], "card.add",
                                   {"client_id": f"bench{i}", "column": column,
                                    "text": f"Idée numéro {i} : un texte de la longueur d'un vrai post-it."},
                                   workshop_id=board, rate_limited=False).ack["card"]["id"] for i in range(cards)]
        if phase:
            kernel.perform(db.session, facilitator.id, "phase.set", {"phase": phase}, workshop_id=board)
        db.session.commit()
        prepared = Prepared(url, workshop.id, workshop.code, "", card_ids)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    response = client.post("/connexion", data={"email": "animation@bench.passerelles", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    prepared.cookie = f"session={client.get_cookie('session').value}"
    with app.app_context():
        db.engine.dispose()
    return prepared


def spawn(worker, specs: list[dict]) -> list:
    """Start one client process per spec; returns their pipes."""
    pipes = []
    for spec in specs:
        parent, child = mp.Pipe()
        mp.Process(target=worker, args=(spec, child), daemon=True).start()
        pipes.append(parent)
    return pipes


def gather(pipes: list, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    answers = []
    for pipe in pipes:
        if not pipe.poll(max(0.1, deadline - time.monotonic())):
            raise TimeoutError("a client process did not answer")
        answers.append(pipe.recv())
    return answers


async def connect_many(url: str, code: str, names: list[str], on_event) -> tuple[list, int, int]:
    """Connect and join every name (25 at a time); returns (clients, join errors, card texts in join states)."""
    clients, errors, texts = [], 0, 0
    gate = asyncio.Semaphore(25)

    async def one(index: int, name: str):
        nonlocal errors, texts
        async with gate:
            sio = common.new_client()
            sio.on("event", lambda message, i=index: on_event(i, message), namespace=common.NAMESPACE)
            sio.on("events", lambda messages, i=index: [on_event(i, m) for m in messages],
                   namespace=common.NAMESPACE)
            try:
                ack, _c, _j = await common.connect_and_join(sio, url, code, name)
                if not ack.get("ok"):
                    errors += 1
                else:
                    texts += sum(1 for c in ack.get("state", {}).get("cards", []) if c.get("text"))
            except Exception:  # noqa: BLE001
                errors += 1
            clients.append(sio)

    await asyncio.gather(*(one(i, n) for i, n in enumerate(names)))
    return clients, errors, texts
