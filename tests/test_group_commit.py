"""Cards posted together on one board are committed together (workshop/live/groupcommit.py), and screens that
joined with `frames` get them in `events` frames: with several real clients on a live server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.realtime import BoardClient
from workshop.extensions import db


@contextmanager
def counting(app, name: str = "commit") -> Iterator[list[int]]:
    """How many times the engine's event `name` fired meanwhile (by the live server, which shares the app's
    engine)."""
    fired = [0]

    def count(*_args) -> None:
        fired[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, name, count)
    try:
        yield fired
    finally:
        event.remove(engine, name, count)


def post_together(writers: list[BoardClient], payloads: Callable[[BoardClient, int], dict],
                  per_writer: int) -> list[tuple[dict, dict]]:
    """Every writer sends its cards one after the other, all writers at once: (payload, ack) pairs."""
    start = threading.Barrier(len(writers))
    answers: list[tuple[dict, dict]] = []
    lock = threading.Lock()

    def post(client: BoardClient) -> None:
        start.wait()
        for i in range(per_writer):
            payload = payloads(client, i)
            answer = client.call("card.add", payload)
            with lock:
                answers.append((payload, answer))

    threads = [threading.Thread(target=post, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def card(client: BoardClient, i: int, column: str = "obstacle") -> dict:
    return {"client_id": uuid.uuid4().hex, "column": column, "text": f"{client.name} : idée {i}"}


def test_cards_posted_together_share_commits_and_every_screen_gets_all_in_order(app, board_client, code):
    framed, plain = board_client(code, "Écran", frames=True), board_client(code, "Téléphone")
    writers = [board_client(code, f"Personne {i}") for i in range(12)]
    with counting(app) as commits:
        answers = post_together(writers, card, per_writer=4)
    assert len(answers) == 48 and all(a["ok"] for _p, a in answers), [a for _p, a in answers if not a["ok"]]
    assert sorted(a["seq"] for _p, a in answers) == list(range(1, 49))
    assert commits[0] < 48, "each card had its own transaction"
    for client in (framed, plain, *writers):
        client.wait_for_events(48)
        assert client.seqs == list(range(1, 49)), client.name
    # The screen that asked for frames got the 48 cards in fewer messages; the other one card per `event`.
    assert sum(framed.frames) == 48 and len(framed.frames) < 48
    assert plain.frames == []
    # The board's seq was stored once per batch: a late joiner is told 48 and the next card takes 49.
    late = board_client(code, "Retardataire")
    assert late.last_join["seq"] == 48 and len(late.last_join["state"]["cards"]) == 48
    assert late.add_card("Encore une")["seq"] == 49


def test_a_refused_card_among_cards_posted_together_undoes_only_itself_and_leaves_no_hole(app, board_client, code):
    watcher = board_client(code, "Écran", frames=True)
    writers = [board_client(code, f"Personne {i}") for i in range(5)]
    shared = uuid.uuid4().hex  # the same card sent twice at once (a resend after a network failure)

    def payloads(client: BoardClient, i: int) -> dict:
        if i == 0:
            return {"client_id": shared, "column": "lever", "text": "Un café des parents"}
        return card(client, i, column="nulle-part" if i % 3 == 0 else "obstacle")

    with counting(app) as commits:
        answers = post_together(writers, payloads, per_writer=10)
    refused = [a for p, a in answers if p["column"] == "nulle-part"]
    kept = [a for p, a in answers if p["column"] != "nulle-part"]
    assert refused and all(a["ok"] is False and a["error"]["code"] == "invalid" for a in refused)
    assert all(a["ok"] for a in kept), [a for a in kept if not a["ok"]]
    # The resend got the one card; no refused card took a seq: the seqs run without a hole.
    assert len({a["card"]["id"] for p, a in answers if p["client_id"] == shared}) == 1
    seqs = sorted({a["seq"] for a in kept if "seq" in a})
    assert seqs == list(range(1, len(kept) - (len(writers) - 1) + 1))
    assert commits[0] < len(seqs), "each card had its own transaction"
    watcher.wait_for_events(len(seqs))
    assert watcher.seqs == seqs
    assert [c["text"] for c in watcher.cards_received()].count("Un café des parents") == 1
