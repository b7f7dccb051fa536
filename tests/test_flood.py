"""No request may freeze the boards, against the real server (gunicorn, one gevent worker, as `make serve`):
a huge body to a URL that never reads it, slow uploads from one address, a body that trickles, render processes
left behind by a killed worker. Figures (how long others wait meanwhile) come from bench/big_body.py and
bench/slow_uploads.py; these tests assert what a user or an attacker sees."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import socketio

from tests.serverproc import (
    ROOT,
    ServerProcess,
    drop_database,
    join_board,
    new_database,
    prepare_database,
)
from workshop.devserver import free_port

pytestmark = pytest.mark.slow
MB = 1024 * 1024
CAP = 4  # MAX_REQUESTS_PER_ADDRESS of the test server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flood")
    url, pg_name = new_database(tmp)
    seeded = prepare_database(url)
    proc = ServerProcess(free_port(), url, tmp / "server.log", extra_env={
        "PROXY_FIX": "1", "MAX_REQUESTS_PER_ADDRESS": str(CAP), "BODY_GRACE_SECONDS": "3",
        "BODY_MIN_RATE": "1024"}).start()
    try:
        yield proc, seeded
    finally:
        proc.stop()
        drop_database(pg_name)


def open_request(server: ServerProcess, head: str, body: bytes = b"") -> socket.socket:
    """A raw HTTP/1.1 request: the head (method, path, headers) and the first bytes of a body."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(f"{head}\r\nHost: 127.0.0.1\r\n\r\n".encode() + body)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of the response"
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


def post_card(client: socketio.SimpleClient, text: str) -> dict:
    return client.call("card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text}, timeout=15)


def test_a_huge_body_to_a_url_that_never_reads_it_is_refused_at_once(server):
    """200 MB declared to the home page: 413 too_large and the connection closed, instead of the worker reading
    (draining) it all in the loop while every board waits."""
    proc, seeded = server
    board = join_board(proc, seeded.code, "Inès")
    try:
        sock = open_request(proc, f"POST / HTTP/1.1\r\nAccept: application/json\r\nContent-Length: {200 * MB}\r\n"
                                  "Content-Type: application/octet-stream", b"x" * MB)
        with sock:
            status, headers, body = read_response(sock)
            assert status == 413
            assert headers["connection"] == "close"
            error = json.loads(body)["error"]
            assert error == {"code": "too_large",
                             "message": "Fichier trop volumineux : 20 Mo au plus. Rien n'a été enregistré."}
            sock.settimeout(10)
            while sock.recv(65536):  # the server closes its side: nothing more is read from this body
                pass
        assert post_card(board, "Toujours là après la requête géante")["ok"]
        assert board.connected
    finally:
        board.disconnect()


def test_an_unread_body_under_the_limit_closes_the_connection(server):
    """A 405 to a 5 MB body: the server answers and closes rather than draining the body for a next request."""
    proc, _seeded = server
    with open_request(proc, f"POST / HTTP/1.1\r\nContent-Length: {5 * MB}\r\nContent-Type: text/plain",
                      b"x" * 4096) as sock:
        status, headers, _body = read_response(sock)
        assert status == 405
        assert headers["connection"] == "close"


def test_slow_uploads_from_one_address_are_capped_while_others_pass(server):
    """An address holding CAP uploads in progress gets 429 too_many_connections; another address, and the board
    clients of the first (Socket.IO connections are counted apart), go on."""
    proc, seeded = server
    attacker = "X-Forwarded-For: 203.0.113.66"
    uploads = [open_request(proc, f"POST /connexion HTTP/1.1\r\n{attacker}\r\nContent-Length: 1000000\r\n"
                                  "Content-Type: application/x-www-form-urlencoded", b"email=a")
               for _ in range(CAP)]
    stop = threading.Event()

    def trickle():  # faster than BODY_MIN_RATE: these uploads are slow, not stalled
        while not stop.wait(0.25):
            for upload in uploads:
                try:
                    upload.sendall(b"x" * 1024)
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        refused = None
        for _ in range(100):  # the uploads reach the app in their own time
            with open_request(proc, f"GET / HTTP/1.1\r\n{attacker}\r\nAccept: application/json") as sock:
                status, headers, body = read_response(sock)
            if status == 429:
                refused = (headers, json.loads(body))
                break
            time.sleep(0.05)
        assert refused is not None, "the address was never capped"
        headers, answer = refused
        assert headers["connection"] == "close"
        assert answer["error"]["code"] == "too_many_connections"
        assert answer["error"]["message"].startswith("Trop de connexions en cours depuis votre adresse")
        with open_request(proc, "GET / HTTP/1.1\r\nX-Forwarded-For: 198.51.100.7") as sock:
            assert read_response(sock)[0] == 200
        boards = [join_board(proc, seeded.code, f"Élève {n}") for n in range(2 * CAP)]  # one NAT, many phones
        try:
            assert all(post_card(board, f"Carte {n}")["ok"] for n, board in enumerate(boards))
        finally:
            for board in boards:
                board.disconnect()
    finally:
        stop.set()
        trickler.join(5)
        for upload in uploads:
            upload.close()


def test_a_trickling_body_is_cut(server):
    """A body that stops arriving (slower than BODY_MIN_RATE once BODY_GRACE_SECONDS passed) is answered 408
    too_slow, instead of holding its connection for ever."""
    proc, _seeded = server
    with open_request(proc, "POST /connexion HTTP/1.1\r\nAccept: application/json\r\nContent-Length: 100000\r\n"
                            "Content-Type: application/x-www-form-urlencoded", b"email=") as sock:
        status, headers, body = read_response(sock)
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "too_slow"


def test_a_request_head_sent_slowly_is_cut(server):
    """Slowloris: a request whose header lines trickle in (one every 0.3 s, for ever) never reaches the app and
    holds a connection only for gunicorn's keep-alive timeout (2 s, which bounds the reading of every request head
    under the gevent worker; `--keep-alive 0` would lift it): the server closes it without an answer."""
    proc, _seeded = server
    with socket.create_connection(("127.0.0.1", proc.port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for line in range(100):  # 30 s of headers if nobody cuts them
                if select.select([sock], [], [], 0.3)[0]:
                    break
                sock.sendall(f"X-Lent-{line}: a\r\n".encode())
            else:
                pytest.fail("a request head trickling for 30 s was never cut")
            assert sock.recv(65536) == b"", "the app answered a request whose head never ended"
        except (BrokenPipeError, ConnectionResetError):
            pass  # cut while we were writing


POOL_OWNER = """
import sys, time
from workshop.printing import renderer
pool = renderer._get_pool(2, 10)
pool.submit(renderer.warm_up).result(120)
pids = [str(pid) for pid in pool._processes]
print(" ".join(pids), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_render_processes_die_with_the_process_that_started_them():
    """A gunicorn worker killed (timeout, OOM) used to leave its render processes behind, ~210 MB each time."""
    owner = subprocess.Popen([sys.executable, "-c", POOL_OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "render processes outlived their parent"
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.stdout.close()
        for pid in workers if "workers" in locals() else ():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
