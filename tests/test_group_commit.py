"""Cards posted together on one board are committed together (workshop/live/groupcommit.py), and screens that
joined with `frames` get them in `events` frames: with several real clients on a live server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.realtime import BoardClient, wait_until
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
                  per_writer: int, gap: float = 0.0) -> list[tuple[dict, dict]]:
    """Every writer sends its cards one after the other, all writers at once: (payload, ack) pairs. With `gap`,
    a writer waits that long after each ack, and the writers start staggered: cards that come one at a time, as
    in a room, not in one burst."""
    start = threading.Barrier(len(writers))
    answers: list[tuple[dict, dict]] = []
    lock = threading.Lock()

    def post(client: BoardClient, offset: float) -> None:
        start.wait()
        time.sleep(offset)
        for i in range(per_writer):
            payload = payloads(client, i)
            answer = client.call("card.add", payload)
            with lock:
                answers.append((payload, answer))
            time.sleep(gap)

    threads = [threading.Thread(target=post, args=(w, n * gap / len(writers))) for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def workshop_of(app, code: str) -> int:
    from workshop.boards import service as boards

    with app.app_context():
        workshop_id = boards.get_by_code(db.session, code).id
        db.session.remove()
    return workshop_id


@contextmanager
def first_cards_queued(app, code: str, senders: int) -> Iterator[None]:
    """Hold the board until each sender's first card waits behind it, then let them run: the cards meet in one
    batch at least, however fast or slow the machine (left to timing, a slow machine ran each card alone)."""
    kernel, workshop_id = app.extensions["live"], workshop_of(app, code)
    holding, failed = threading.Event(), []

    def hold() -> None:
        with kernel.held(workshop_id):
            holding.set()
            try:
                wait_until(lambda: kernel.waiting(workshop_id) >= senders, timeout=20,
                           message="every sender's first card to queue")
            except AssertionError as error:
                failed.append(error)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10), "the board to be held"
    try:
        yield
    finally:
        thread.join(timeout=30)
    assert not failed, failed


def card(client: BoardClient, i: int, column: str = "obstacle") -> dict:
    return {"client_id": uuid.uuid4().hex, "column": column, "text": f"{client.name} : idée {i}"}


def test_cards_posted_together_share_commits_and_every_screen_gets_all_in_order(app, board_client, code):
    framed, plain = board_client(code, "Écran", frames=True), board_client(code, "Téléphone")
    writers = [board_client(code, f"Personne {i}") for i in range(12)]
    with counting(app) as commits, first_cards_queued(app, code, len(writers)):
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

    with counting(app) as commits, first_cards_queued(app, code, len(writers)):
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


def in_one_batch(app, workshop_id: int, posts: list[tuple[int, dict, str]]) -> tuple[dict[str, dict], int]:
    """Queue each (seat, card, language) behind the held board, in order, each from its own request, then let
    them run: each card's answer by client_id (the ack, or the refusal's class and message) and the commits."""
    answers: dict[str, dict] = {}
    kernel = app.extensions["live"]

    def post(seat: int, payload: dict, lang: str) -> None:
        with app.test_request_context(f"/?lang={lang}"):
            try:
                answers[payload["client_id"]] = {"ok": True, **kernel.perform(
                    db.session, seat, "card.add", payload, workshop_id=workshop_id).ack}
            except Exception as error:  # noqa: BLE001  (a refused card's answer)
                answers[payload["client_id"]] = {"ok": False, "error": type(error).__name__,
                                                 "message": getattr(error, "message", None)}
            finally:
                db.session.remove()

    with counting(app) as commits:
        with kernel.held(workshop_id):
            threads = []
            for queued, args in enumerate(posts, start=1):
                threads.append(threading.Thread(target=post, args=args))
                threads[-1].start()
                wait_until(lambda n=queued: kernel.waiting(workshop_id) == n, timeout=10, message="the card to queue")
        for thread in threads:
            thread.join(timeout=30)
    return answers, commits[0]


def test_a_batch_of_cards_keeps_each_senders_language_and_leaves_no_hole(app, code):
    """Commands queued behind a held board run as one batch: a resend (first in line, so it takes the board's
    seq in the database and then logs nothing), a refused card and new cards from readers of two languages.
    Every new card gets the language of its own sender (the batch runs in its leader's request) and the seqs
    follow each other."""
    from workshop.boards import service as boards
    from workshop.live.kernel import current_kernel

    with app.test_request_context():
        seats = [boards.join(db.session, {"code": code, "name": f"P{i}"}).participant.id for i in range(4)]
        workshop_id = boards.get_participant(db.session, seats[0]).workshop_id
        first = current_kernel().perform(db.session, seats[0], "card.add", {"client_id": "deja-la", "column":
                                         "obstacle", "text": "Déjà là"}, workshop_id=workshop_id).ack
        db.session.remove()
    acks, commits = in_one_batch(app, workshop_id, [
        (seats[0], {"client_id": "deja-la", "column": "obstacle", "text": "Déjà là"}, "fr"),
        (seats[1], {"client_id": "neuve-en", "column": "obstacle", "text": "A new one"}, "en"),
        (seats[2], {"client_id": "refusee", "column": "nulle-part", "text": "Perdue"}, "fr"),
        (seats[3], {"client_id": "neuve-fr", "column": "lever", "text": "Une neuve"}, "fr")])
    assert commits == 1
    assert acks["deja-la"]["card"]["id"] == first["card"]["id"] and "seq" not in acks["deja-la"]
    assert acks["refusee"]["error"] == "ValidationError"
    assert [acks["neuve-en"]["seq"], acks["neuve-fr"]["seq"]] == [first["seq"] + 1, first["seq"] + 2]
    with app.app_context():
        from workshop.boards.models import Card
        languages = dict(db.session.execute(db.select(Card.client_id, Card.language)
                                            .where(Card.workshop_id == workshop_id)).all())
        assert languages == {"deja-la": "fr", "neuve-en": "en", "neuve-fr": "fr"}
        assert boards.current_seq(db.session, workshop_id) == first["seq"] + 2


def four_seats(app, code) -> tuple[list[int], int]:
    """Four participants seated on the board (ids), and the board's id."""
    from workshop.boards import service as boards

    with app.test_request_context():
        seats = [boards.join(db.session, {"code": code, "name": f"P{i}"}).participant.id for i in range(4)]
        workshop_id = boards.get_participant(db.session, seats[0]).workshop_id
        db.session.commit()
        db.session.remove()
    return seats, workshop_id


def test_each_command_of_a_batch_answers_in_its_senders_language(app, code):
    """A batch runs in its leader's request: a refusal made there spoke the leader's language. A parent reading
    Arabic, whose card was batched behind a French one, is answered in Arabic; the one after, in French again."""
    seats, workshop_id = four_seats(app, code)
    answers, commits = in_one_batch(app, workshop_id, [
        (seats[0], {"client_id": "menee", "column": "obstacle", "text": "En tête"}, "fr"),
        (seats[1], {"client_id": "arabe", "column": "nulle-part", "text": "Perdue"}, "ar"),
        (seats[2], {"client_id": "anglaise", "column": "nulle-part", "text": "Lost"}, "en"),
        (seats[3], {"client_id": "francaise", "column": "nulle-part", "text": "Perdue"}, "fr")])
    assert commits == 1  # one batch, led by the French card
    assert {key: answer["ok"] or answer["message"] for key, answer in answers.items()} == {
        "menee": True, "arabe": "عمود غير معروف.", "anglaise": "Unknown column.", "francaise": "Colonne inconnue."}


def test_the_cards_of_one_batch_reach_a_screen_of_frames_in_one_frame(app, board_client, code):
    """A batch's events leave together (fanout.together): sent with the first, a frame left the other cards of
    its batch a whole WINDOW behind it, in a second frame."""
    screen = board_client(code, "Écran", frames=True)
    seats, workshop_id = four_seats(app, code)
    answers, commits = in_one_batch(app, workshop_id, [
        (seat, {"client_id": f"carte-{n}", "column": "obstacle", "text": f"Carte {n}"}, "fr")
        for n, seat in enumerate(seats)])
    assert commits == 1 and all(answer["ok"] for answer in answers.values())
    screen.wait_for_events(4)
    assert screen.seqs == [1, 2, 3, 4] and screen.frames == [4]


def test_when_every_screen_takes_frames_a_busy_board_commits_at_the_pace_of_its_frames(app, board_client, code,
                                                                                         monkeypatch):
    """Frames leave a board at most every fanout.WINDOW: when every screen takes them, a batch led by someone other
    than the last one waits until a little more than WINDOW after that one began, and the cards that come
    meanwhile join it. With a screen taking events one by one (promised at once), nothing waits."""
    from workshop.live import fanout, groupcommit

    waits: list[float] = []
    monkeypatch.setattr(groupcommit, "sleep", lambda seconds: (waits.append(seconds), time.sleep(seconds)))
    writers = [board_client(code, f"Personne {i}", frames=True) for i in range(6)]
    with counting(app) as paced:
        acks = [ack for _payload, ack in post_together(writers, card, per_writer=6, gap=0.06)]
    assert len(acks) == 36 and all(a["ok"] for a in acks)
    paced_waits, waits[:] = list(waits), []
    plain = board_client(code, "Téléphone")
    with counting(app) as unpaced:
        acks = [ack for _payload, ack in post_together(writers, card, per_writer=6, gap=0.06)]
    assert len(acks) == 36 and all(a["ok"] for a in acks)
    print(f"\ncommits for 36 cards from 6 people one at a time: every screen framed {paced[0]} "
          f"({len(paced_waits)} waits), one screen without frames {unpaced[0]}")
    for client in (*writers, plain):
        client.wait_for_events(72 if client is not plain else 36)
    assert writers[0].seqs == list(range(1, 73)) and plain.seqs == list(range(37, 73))
    assert paced_waits and all(0 < wait <= fanout.WINDOW + fanout.PACE_MARGIN for wait in paced_waits)
    assert waits == []  # a screen without frames: nothing waited
    assert paced[0] <= 24, (paced[0], unpaced[0])  # 1.5 cards a commit at least; one each without the pace


def test_a_lone_sender_on_a_board_of_frames_is_never_paced(app, board_client, code, monkeypatch):
    """Someone posting card after card alone (a list pasted, an outbox sent after a tunnel) would share a batch
    with nobody: each card commits at once, however many screens take frames."""
    from workshop.live import groupcommit

    waits: list[float] = []
    monkeypatch.setattr(groupcommit, "sleep", waits.append)
    screen, writer = board_client(code, "Écran", frames=True), board_client(code, "Personne", frames=True)
    with counting(app) as commits:
        acks = [writer.call("card.add", card(writer, i)) for i in range(8)]
    assert all(a["ok"] for a in acks) and [a["seq"] for a in acks] == list(range(1, 9))
    assert waits == [] and commits[0] == 8
    screen.wait_for_events(8)
    assert screen.seqs == list(range(1, 9))
