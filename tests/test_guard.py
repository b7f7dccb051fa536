"""The request guard in the process (workshop/guard.py): bodies over the limit refused unread, per-address caps,
the map import's larger allowance, argon2 off the gevent loop. The same against a real gunicorn server:
tests/test_flood.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from workshop.addresses import client_key, request_key
from workshop.guard import BodyTooLarge, GuardedInput, Limits, RequestGuard

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


class Unreadable(io.RawIOBase):
    """A request body that must never be read (the guard refuses it from its declared length)."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def call(wsgi_app, path: str, *, method: str = "POST", length: int | None = None, body=None,
         json_wanted: bool = True, address: str = "203.0.113.5", headers: dict | None = None,
         environ_extra: dict | None = None):
    environ = EnvironBuilder(path=path, method=method, headers={
        "Accept": "application/json" if json_wanted else "text/html", **(headers or {})}).get_environ()
    environ["REMOTE_ADDR"] = address
    environ.update(environ_extra or {})
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
        environ["CONTENT_TYPE"] = "application/octet-stream"
    if body is not None:
        environ["wsgi.input"] = body
    app_iter, status, response_headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    data = b"".join(app_iter)
    if hasattr(app_iter, "close"):
        app_iter.close()
    return int(status.split()[0]), dict(response_headers), data


@pytest.mark.parametrize("path", ["/", "/connexion", "/carte", "/socket.io/", "/api/nowhere"])
def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(app, path):
    status, headers, body = call(app.wsgi_app, path, length=200 * MB, body=Unreadable())
    assert status == 413
    assert headers["Connection"] == "close"
    error = json.loads(body)["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "Fichier trop volumineux : 20 Mo au plus. Rien n'a été enregistré."


def test_the_refusal_page_is_french_html_without_script(app):
    status, headers, body = call(app.wsgi_app, "/", length=200 * MB, body=Unreadable(), json_wanted=False)
    page = body.decode()
    assert status == 413
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in page and "Fichier trop volumineux" in page and "<script" not in page
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_chunked_body_is_cut_at_the_limit_as_it_is_read(app):
    """A chunked body declares no length: it is counted as it is read, and refused past the limit."""
    stream = GuardedInput(io.BytesIO(b"x" * (3 * MB)), MB, None, True, Limits.from_config(app.config))
    with pytest.raises(BodyTooLarge):
        stream.read()
    boundary = "passerelles"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
            .encode() + b"x" * (21 * MB))
    status, headers, answer = call(app.wsgi_app, "/connexion", body=io.BytesIO(body), headers={
        "Transfer-Encoding": "chunked", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        environ_extra={"wsgi.input_terminated": True})  # as gunicorn says of a chunked body
    assert status == 413
    assert headers["Connection"] == "close"
    assert json.loads(answer)["error"] == {"code": "too_large", "message": "Fichier trop volumineux."}


def test_an_unread_body_closes_the_connection_instead_of_being_drained(app):
    """gunicorn drains what the app left unread before the next request of a keep-alive connection: a view
    that ignores a body (here a 405) answers with the connection closed instead."""
    status, headers, _body = call(app.wsgi_app, "/", length=5 * MB, body=io.BytesIO(b"x" * (5 * MB)))
    assert status == 405
    assert headers["Connection"] == "close"


def test_the_map_import_accepts_files_over_the_default_limit(app, client, make_user, login):
    """The import page said 200 MB in the code but refused anything over 20 MB (the form was parsed, by CSRF,
    before the view raised the limit)."""
    login(make_user("admin"))
    big = b"colonne_inconnue;autre\r\n" + b"x;y\r\n" * (5 * MB)  # 25 MB
    boundary = "passerelles-import"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nannuaire\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"annuaire.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + big + f"\r\n--{boundary}--\r\n".encode()
    # Bytes, not a file tuple: the test client would spool it to a temporary file it never closes.
    response = client.post("/admin/cartographie/import", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]  # queued: the job reads it
    page = client.get(response.headers["Location"])
    assert page.status_code == 400 and "En-tête non reconnu" in page.get_data(as_text=True)
    assert "Fichier de 200 Mo au plus." in client.get("/admin/cartographie/import").get_data(as_text=True)
    status, _headers, body = call(app.wsgi_app, "/admin/cartographie/import", length=201 * MB, body=Unreadable())
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
    assert "200 Mo" in json.loads(body)["error"]["message"]


def test_requests_in_progress_are_capped_per_address_and_sockets_apart():
    """Beyond the cap, an address gets 429 too_many_connections; other addresses and its Socket.IO connections
    (a classroom behind one NAT) still pass."""
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_app(environ, start_response):
        if environ["PATH_INFO"] == "/lent":
            entered.release()
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    limits = Limits(default_body=MB, body_by_path={}, min_rate=1024, grace=30, max_requests=3, max_sockets=5)
    guard = RequestGuard(slow_app, limits)
    threads = [threading.Thread(target=call, args=(guard, "/lent"), kwargs={"method": "GET"}) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in threads:
            assert entered.acquire(timeout=10)
        status, headers, body = call(guard, "/", method="GET")
        assert status == 429 and headers["Connection"] == "close"
        assert json.loads(body)["error"] == {
            "code": "too_many_connections",
            "message": "Trop de connexions en cours depuis votre adresse : patientez un instant puis rechargez "
                       "la page."}
        assert call(guard, "/", method="GET", address="198.51.100.9")[0] == 200
        assert call(guard, "/socket.io/", method="GET")[0] == 200
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert call(guard, "/", method="GET")[0] == 200  # slots are given back when a response ends
    assert guard.slots.counts == {}


def test_ipv6_addresses_of_one_subscriber_share_one_cap():
    """A phone or a home box holds a whole IPv6 /64: drawing a new address per request must not escape the cap."""
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_app(environ, start_response):
        entered.release()
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    guard = RequestGuard(slow_app, Limits(default_body=MB, body_by_path={}, min_rate=1024, grace=30,
                                          max_requests=2, max_sockets=5))
    threads = [threading.Thread(target=call, args=(guard, "/lent"), kwargs={"method": "GET", "address": address})
               for address in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9")]
    for thread in threads:
        thread.start()
    try:
        for _ in threads:
            assert entered.acquire(timeout=10)
        assert call(guard, "/", method="GET", address="2001:db8:1:2:abcd::77")[0] == 429
        assert guard.slots.counts == {("2001:db8:1:2::/64", "request"): 2}
    finally:
        release.set()
        for thread in threads:
            thread.join(10)


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.5", "203.0.113.5"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.5", "203.0.113.5"), ("fe80::1%eth0", "fe80::/64"), (None, "?"), ("", "?"),
    ("unix:/run/x.sock", "unix:/run/x.sock")])
def test_the_key_an_address_is_counted_under(address, key):
    assert client_key(address) == key


@pytest.mark.parametrize(("address", "key"), [("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), ("", "?")])
def test_the_views_and_flask_limiter_count_a_request_under_the_same_key(app, address, key):
    """One key per requester everywhere: the views' and events' own limits and Flask-Limiter's (which counted an
    unknown address as 127.0.0.1, a key no view used). The application's own limiter, as create_app set it up
    (setting up the shared limiter again for a throwaway app would change it for the apps after it)."""
    from workshop.extensions import limiter

    @app.get("/limited")
    @limiter.limit("100/minute")
    def limited() -> str:
        return limiter.current_limit.key

    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        assert request_key() == key
    counted = app.test_client().get("/limited", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    assert f"/{key}/" in counted


def test_proxy_fix_counts_the_forwarded_address(tmp_path):
    """Behind a proxy every request comes from the proxy's address: the cap must count the client's."""
    from workshop import create_app
    from workshop.guard import RequestGuard as Guard

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db",
                      "PROXY_FIX": True, "REDIS_URL": None, "SOCKETIO_ASYNC_MODE": "threading"})
    guard = app.wsgi_app.app
    assert isinstance(guard, Guard)
    seen = []
    guard.app = lambda environ, start_response: (seen.append(environ["REMOTE_ADDR"]),
                                                 start_response("200 OK", []), [b""])[2]
    call(app.wsgi_app, "/", method="GET", address="10.0.0.1", headers={"X-Forwarded-For": "198.51.100.20"})
    assert seen == ["198.51.100.20"]


ARGON2_UNDER_GEVENT = """
from gevent import monkey
monkey.patch_all()
import gevent, sys
from workshop import create_app
from workshop.accounts import service as accounts
from workshop.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "REDIS_URL": None,
                  "SOCKETIO_ASYNC_MODE": "gevent", "ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536})
ticks = []
def ticker():
    while True:
        ticks.append(1)
        gevent.sleep(0.001)

with app.app_context():
    db.create_all()
    accounts.create_user(db.session, "a@exemple.fr", "A", "member", "motdepasse-1")
    runner = gevent.spawn(ticker)
    gevent.sleep(0)
    before = len(ticks)
    for _ in range(3):
        accounts.authenticate(db.session, "a@exemple.fr", "motdepasse-1")
    print(len(ticks) - before)
    runner.kill()
"""


def test_password_hashing_lets_the_other_greenlets_run():
    """Under gevent, a login (argon2, ~0.3 s) used to stop every greenlet (every live board) while it hashed."""
    result = subprocess.run([sys.executable, "-c", ARGON2_UNDER_GEVENT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    ticks = int(result.stdout.strip().splitlines()[-1])
    assert ticks >= 3, f"the other greenlet ran {ticks} times during three password checks"
