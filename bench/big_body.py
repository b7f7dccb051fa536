"""Big bodies: an attacker sends 200 MB bodies, then a 400 MB one, to the home page (whose view never reads a
body) while board clients keep posting; prints how long the boards and a new visitor waited meanwhile, and
whether the worker was killed (every board dropped).

    .venv/bin/python bench/big_body.py                              # this checkout
    .venv/bin/python bench/big_body.py --app-root /tmp/base-checkout  # the code before the request guard
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import flood_common  # noqa: E402

MB = 1024 * 1024
CHUNK = bytes(MB)


def send_body(port: int, size: int, path: str = "/", form: bool = False) -> dict:
    """POST `size` bytes to `path` as fast as the server takes them (as a multipart form that the page parses,
    with `form`); what the attacker got back, and when."""
    started = time.monotonic()
    sent, status = 0, None
    with socket.create_connection((common.HOST, port), timeout=flood_common.TIMEOUT) as sock:
        try:
            kind = "multipart/form-data; boundary=passerelles" if form else "application/octet-stream"
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {common.HOST}\r\nContent-Type: {kind}\r\n"
                         f"Content-Length: {size}\r\n\r\n".encode())
            while sent < size:
                sock.sendall(CHUNK[:min(MB, size - sent)])
                sent += min(MB, size - sent)
        except OSError:
            pass  # the server closed the connection: the body was refused
        try:
            status = int(sock.recv(4096).split(b" ", 2)[1])
        except (OSError, IndexError, ValueError):
            status = None
    return {"mb": size // MB, "sent_mb": sent // MB, "status": status,
            "seconds": round(time.monotonic() - started, 2)}


def main() -> int:
    parser = flood_common.arguments("Board delays while 200 MB and 400 MB bodies arrive.")
    parser.add_argument("--sizes", default="200,200,400", help="body sizes in MB, sent one after the other")
    parser.add_argument("--path", default="/", help="where to send them (/admin/cartographie/import: 200 MB allowed)")
    parser.add_argument("--form", action="store_true", help="as a multipart form the page parses (CSRF check)")
    parser.add_argument("--attacker", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) * MB for size in args.sizes.split(",")]
    if args.attacker:
        print(json.dumps({"requests": [send_body(args.attacker, size, args.path, args.form) for size in sizes]}))
        return 0
    result = flood_common.run("big_body.py", args, ["--sizes", args.sizes, "--path", args.path,
                                                    *(["--form"] if args.form else [])])
    for request in result["requests"]:
        print(f"  {request['mb']} MB body: {request['sent_mb']} MB sent, status {request['status']}, "
              f"{request['seconds']} s")
    flood_common.report(f"Big bodies ({args.sizes} MB) to {args.path} — {args.app_root}", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
