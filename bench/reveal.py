"""Reveal: 500 private cards shown at once to 300 screens.

Before the reveal, checks that no screen received any card text in its join state; then the facilitator
reveals and every screen records when the `cards.revealed` event (with all texts) arrived. Prints the time
until the last screen had them, p50/p95, the payload size and the server's CPU.

    .venv/bin/python bench/reveal.py --participants 300 --cards 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import fac_common  # noqa: E402


def worker(spec: dict, conn) -> None:
    try:
        asyncio.run(_worker(spec, conn))
    except Exception as error:  # noqa: BLE001
        conn.send(("failed", repr(error)))


async def _worker(spec: dict, conn) -> None:
    arrived: dict[int, tuple[float, int, int]] = {}
    leaked = [0]

    def on_event(index, message):
        if not isinstance(message, dict):
            return
        if message.get("type") == "cards.revealed":
            cards = message["data"]["cards"]
            arrived[index] = (time.time(), sum(1 for c in cards if c.get("text")), len(json.dumps(message)))
        elif "text" in json.dumps(message.get("data", {})):
            leaked[0] += 1

    clients, join_errors, texts = await fac_common.connect_many(spec["url"], spec["code"], spec["names"], on_event)
    conn.send(("ready", join_errors, leaked[0] + texts))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "go"
    deadline = time.monotonic() + spec["timeout"]
    while len(arrived) < len(clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await common.disconnect_all(clients)
    conn.send(("done", list(arrived.values()), len(clients)))


async def reveal(url: str, code: str, cookie: str) -> tuple[float, dict, int]:
    sio = common.new_client()
    await sio.connect(url, transports=["websocket"], namespaces=[common.NAMESPACE], headers={"Cookie": cookie})
    joined = await sio.call("join", {"code": code}, namespace=common.NAMESPACE, timeout=30)
    assert joined["participant"]["role"] == "facilitator", joined
    texts_before = sum(1 for c in joined["state"]["cards"] if c.get("text"))
    sent = time.time()
    ack = await sio.call("cards.reveal", {}, namespace=common.NAMESPACE, timeout=60)
    await sio.disconnect()
    return sent, ack, texts_before


def run(participants: int, cards: int, procs: int, mode: str) -> dict:
    with common.temp_dir("passerelles-reveal-") as tmp:
        prepared = fac_common.prepare(Path(tmp), "metaplan", cards=cards, private_authors=50)
        port = common.free_port()
        server = common.Server(mode, port, prepared.database_url, Path(tmp) / "server.log")
        server.start()
        try:
            names = [f"Écran {i}" for i in range(participants)]
            specs = [{"url": server.url, "code": prepared.code, "names": names[i::procs], "timeout": 60}
                     for i in range(procs)]
            pipes = fac_common.spawn(worker, specs)
            ready = fac_common.gather(pipes, 180)
            if any(r[0] == "failed" for r in ready):
                raise RuntimeError(ready)
            for pipe in pipes:
                pipe.send("go")
            cpu_before = common.group_stats(server.proc.pid)[0]
            sent, ack, facilitator_texts = asyncio.run(reveal(server.url, prepared.code, prepared.cookie))
            done = fac_common.gather(pipes, 120)
            cpu = common.group_stats(server.proc.pid)[0] - cpu_before
        finally:
            server.stop()
    if any(d[0] == "failed" for d in done):
        raise RuntimeError(done)
    arrivals = [a for d in done for a in d[1]]
    delays = [at - sent for at, _n, _size in arrivals]
    return {
        "bench": "reveal", "mode": mode, "screens": participants, "private_cards": cards,
        "texts_sent_before_reveal": sum(r[2] for r in ready) + facilitator_texts,
        "reveal_ack_ok": bool(ack.get("ok")), "revealed": ack.get("revealed"),
        "screens_with_all_cards": sum(1 for _at, n, _s in arrivals if n == cards),
        "screens_missing": participants - len(arrivals),
        "payload_kb": round(max((s for _a, _n, s in arrivals), default=0) / 1024, 1),
        "last_screen_ms": common.ms(max(delays, default=None)),
        "p50_ms": common.ms(common.percentile(delays, 50)), "p95_ms": common.ms(common.percentile(delays, 95)),
        "join_errors": sum(r[1] for r in ready), "server_cpu_s": round(cpu, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--client-procs", type=int, default=3)
    parser.add_argument("--mode", choices=common.MODES, default="gevent")
    args = parser.parse_args(argv)
    result = run(args.participants, args.cards, args.client_procs, args.mode)
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    common.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
