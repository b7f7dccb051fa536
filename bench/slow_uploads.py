"""Slow uploads: one address (127.0.0.2) opens 2,050 uploads to the login form and trickles a byte into each
every few seconds, while board clients keep posting and a visitor from another address (127.0.0.1) opens the
home page; prints how long they waited, what the attacker's uploads got, and whether the worker was killed.

    .venv/bin/python bench/slow_uploads.py                              # this checkout
    .venv/bin/python bench/slow_uploads.py --app-root /tmp/base-checkout  # the code before the request guard
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import flood_common  # noqa: E402

ATTACKER = "127.0.0.2"  # all of 127.0.0.0/8 reaches the server on 127.0.0.1: another client address


def outcome(sock: socket.socket) -> str:
    """What became of one upload: the status the server answered, closed, or still open."""
    sock.setblocking(False)
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return "still open"
    except OSError:
        return "reset"
    if not data:
        return "closed"
    try:
        return data.split(b" ", 2)[1].decode()
    except IndexError:
        return "garbled"


def slow_uploads(port: int, connections: int, seconds: float, every: float) -> dict:
    head = (f"POST /connexion HTTP/1.1\r\nHost: {common.HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 1000000\r\n\r\nemail=").encode()
    started = time.monotonic()
    uploads, failed = [], 0
    for _ in range(connections):
        sock = socket.socket()
        sock.settimeout(5)
        try:
            sock.bind((ATTACKER, 0))
            sock.connect((common.HOST, port))
            sock.sendall(head)
            uploads.append(sock)
        except OSError:
            failed += 1
            sock.close()
    opened_s = time.monotonic() - started
    while time.monotonic() - started < seconds:
        time.sleep(every)
        for sock in uploads:
            try:
                sock.send(b"x")
            except OSError:
                pass
    outcomes = Counter(outcome(sock) for sock in uploads)
    for sock in uploads:
        sock.close()
    return {"connections": connections, "connect_failed": failed, "opened_s": round(opened_s, 1),
            "outcomes": dict(outcomes)}


def main() -> int:
    parser = flood_common.arguments("Board and visitor delays while one address holds thousands of slow uploads.")
    parser.add_argument("--connections", type=int, default=2050)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the uploads are held")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between two bytes of each upload")
    parser.add_argument("--attacker", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attacker:
        print(json.dumps(slow_uploads(args.attacker, args.connections, args.seconds, args.every)))
        return 0
    result = flood_common.run("slow_uploads.py", args, ["--connections", str(args.connections),
                                                        "--seconds", str(args.seconds), "--every", str(args.every)])
    print(f"  {args.connections} uploads from {ATTACKER}: {result['connect_failed']} could not connect, "
          f"opened in {result['opened_s']} s; at the end: {result['outcomes']}")
    flood_common.report(f"Slow uploads ({args.connections} from one address) — {args.app_root}", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
