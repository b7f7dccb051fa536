"""Abuse: what one hostile participant costs everyone else, and what a late joiner downloads on a big board.

1. Late joiner at N cards (default 6,000): bytes and ms of the join answer without pages (the contract's whole
   state), and with `paged: true` (the first page), then the ms until every page is in.
2. Spam: on board A (the big one), one participant sends `resync {since: 0}` and `card.similar` as fast as it
   can from several sockets, while on board B a participant posts a card every 0.6 s and another screen
   receives them; prints board B's card latency p50/p95/max without and with the spam, and what the spammer
   got (answers ok / rate_limited).

    .venv/bin/python bench/abuse.py --cards 6000 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TIMEOUT = 60.0
PORTS = range(5380, 5390)


def seed(tmp: Path, cards: int) -> tuple[str, str, str]:
    """The bench database: board A with `cards` cards, and an empty board B."""
    seeded = common.prepare_database(tmp)
    from workshop import create_app
    from workshop.accounts.models import User
    from workshop.boards import service as boards
    from workshop.boards.models import Card, Participant, Workshop
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": seeded.database_url, "SECRET_KEY": common.SECRET_KEY,
                      "REDIS_URL": None, "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        writer = Participant(workshop_id=seeded.workshop_id, name="Auteur", token_hash="x" * 64, role="participant")
        db.session.add(writer)
        db.session.flush()
        columns = ("obstacle", "lever", "method")
        db.session.add_all(Card(workshop_id=seeded.workshop_id, participant_id=writer.id, client_id=f"seed-{i}",
                                column_key=columns[i % 3], text=f"Post-it numéro {i} : les parents ne viennent "
                                f"pas aux réunions du soir, il faudrait un autre horaire ({i % 97})")
                           for i in range(cards))
        # Far ahead of a client resyncing from 0: `resync` answers the whole state, the costly case.
        db.session.get(Workshop, seeded.workshop_id).last_seq = 1000
        user = db.session.scalar(db.select(User))
        other = boards.create_workshop(db.session, user, "Atelier voisin")
        db.session.commit()
        code_b = other.code
        db.session.remove()
        db.engine.dispose()
    return seeded.database_url, seeded.code, code_b


async def late_joiner(url: str, code: str) -> dict:
    result = {}
    for paged in (False, True):
        sio = common.new_client()
        await sio.connect(url, transports=["websocket"], namespaces=[common.NAMESPACE], wait_timeout=TIMEOUT)
        started = time.monotonic()
        ack = await sio.call("join", {"code": code, "name": "Tardif", "paged": paged}, namespace=common.NAMESPACE,
                             timeout=TIMEOUT)
        first = time.monotonic() - started
        key = "paged" if paged else "whole"
        result[f"{key}_first_bytes"] = len(json.dumps(ack, ensure_ascii=False).encode())
        result[f"{key}_first_ms"] = common.ms(first)
        cards, after, pages = len(ack["state"]["cards"]), ack["state"].get("cards_next"), 1
        while after is not None:
            page = await sio.call("state.cards", {"after": after}, namespace=common.NAMESPACE, timeout=TIMEOUT)
            if not page.get("ok"):
                await asyncio.sleep(0.5)  # rate_limited: the store waits and asks again
                continue
            cards, after, pages = cards + len(page["cards"]), page["next"], pages + 1
        result[f"{key}_all_ms"] = common.ms(time.monotonic() - started)
        result[f"{key}_cards"], result[f"{key}_pages"] = cards, pages
        await sio.disconnect()
    return result


async def victim_latency(url: str, code: str, duration: float) -> list[float]:
    """Board B: a card every 0.6 s, timed from sending to its event on another screen."""
    poster, screen = common.new_client(), common.new_client()
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def on_event(event):
        card = (event.get("data") or {}).get("card") or {}
        if card.get("client_id") in sent:
            latencies.append(time.monotonic() - sent.pop(card["client_id"]))

    async def on_events(events):
        for event in events:
            await on_event(event)

    screen.on("event", on_event, namespace=common.NAMESPACE)
    screen.on("events", on_events, namespace=common.NAMESPACE)
    for index, sio in enumerate((poster, screen)):
        await common.connect_and_join(sio, url, code, f"Voisin {index}", TIMEOUT)
    end, i = time.monotonic() + duration, 0
    while time.monotonic() < end:
        client_id = f"victim-{time.monotonic_ns()}-{i}"
        sent[client_id] = time.monotonic()
        await poster.emit("card.add", {"client_id": client_id, "column": "obstacle", "text": f"Idée voisine {i}"},
                          namespace=common.NAMESPACE)
        i += 1
        await asyncio.sleep(0.6)  # within CARD_RATE
    await asyncio.sleep(3)
    await common.disconnect_all([poster, screen])
    return latencies + [TIMEOUT] * len(sent)  # a card that never arrived counts as the worst


async def spammer(url: str, code: str, duration: float, sockets: int) -> Counter:
    answers: Counter = Counter()
    clients = [common.new_client() for _ in range(sockets)]
    for index, sio in enumerate(clients):
        await common.connect_and_join(sio, url, code, f"Spam {index}", TIMEOUT)
    end = time.monotonic() + duration

    async def loop(sio, n: int) -> None:
        while time.monotonic() < end:
            event, payload = (("resync", {"since": 0}) if n % 2 else
                              ("card.similar", {"text": "les parents ne viennent pas aux réunions"}))
            try:
                ack = await sio.call(event, payload, namespace=common.NAMESPACE, timeout=TIMEOUT)
            except Exception as error:  # noqa: BLE001
                answers[f"{event}:{type(error).__name__}"] += 1
                continue
            answers[f"{event}:{'ok' if ack.get('ok') else common.error_code(ack)}"] += 1
            n += 1

    await asyncio.gather(*(loop(sio, i) for i, sio in enumerate(clients)))
    await common.disconnect_all(clients)
    return answers


def _spam_process(url: str, code: str, duration: float, sockets: int, out: multiprocessing.Queue) -> None:
    out.put(dict(asyncio.run(spammer(url, code, duration, sockets))))


async def spam_round(url: str, code_a: str, code_b: str, duration: float, sockets: int) -> dict:
    quiet = await victim_latency(url, code_b, duration)
    # The spammer runs in its own process: decoding its 2 MB answers must not delay the victim's client.
    out: multiprocessing.Queue = multiprocessing.Queue()
    spam = multiprocessing.Process(target=_spam_process, args=(url, code_a, duration, sockets, out))
    spam.start()
    loud = await victim_latency(url, code_b, duration)
    answers = await asyncio.to_thread(out.get, True, TIMEOUT * 2)
    spam.join(10)
    return {
        "quiet_p50_ms": common.ms(common.percentile(quiet, 50)),
        "quiet_p95_ms": common.ms(common.percentile(quiet, 95)),
        "spam_p50_ms": common.ms(common.percentile(loud, 50)),
        "spam_p95_ms": common.ms(common.percentile(loud, 95)),
        "spam_max_ms": common.ms(max(loud, default=None)), "spammer_answers": dict(answers),
    }


def run(mode: str, cards: int, duration: float, sockets: int) -> dict:
    with common.temp_dir("passerelles-abuse-") as tmp:
        url, code_a, code_b = seed(Path(tmp), cards)
        with common.Server(mode, common.free_port(PORTS), url, Path(tmp) / "server.log") as server:
            result = asyncio.run(late_joiner(server.url, code_a))
            result.update(asyncio.run(spam_round(server.url, code_a, code_b, duration, sockets)))
    result.update(mode=mode, cards=cards, duration=duration, sockets=sockets)
    return result


def report(r: dict) -> str:
    return (
        f"[{r['mode']}] late joiner at {r['cards']} cards\n"
        f"  whole state: {r['whole_first_bytes']} bytes in {r['whole_first_ms']} ms\n"
        f"  paged: first page {r['paged_first_bytes']} bytes in {r['paged_first_ms']} ms; all {r['paged_cards']} "
        f"cards in {r['paged_pages']} pages after {r['paged_all_ms']} ms\n"
        f"[{r['mode']}] one participant spamming resync/card.similar on {r['sockets']} sockets for "
        f"{r['duration']:g} s; another board's card latency\n"
        f"  quiet p50 {r['quiet_p50_ms']} ms, p95 {r['quiet_p95_ms']} ms; under spam p50 {r['spam_p50_ms']} ms, "
        f"p95 {r['spam_p95_ms']} ms, max {r['spam_max_ms']} ms\n"
        f"  spammer answers: {r['spammer_answers']}"
    )


def main(argv: list[str] | None = None) -> int:
    common.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    parser.add_argument("--cards", type=int, default=6000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--sockets", type=int, default=4)
    args = parser.parse_args(argv)
    if not 1 <= args.cards <= 50000 or not 1 <= args.duration <= 120 or not 1 <= args.sockets <= 50:
        parser.error("cards 1-50000, duration 1-120 s, sockets 1-50")
    result = run(args.mode, args.cards, args.duration, args.sockets)
    print(report(result), flush=True)
    common.print_json(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
