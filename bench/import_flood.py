"""An admin import of 20,000 structures while a board is live: how long do the other people's cards wait?

    .venv/bin/python bench/import_flood.py                                  # this tree: the import is a job
    .venv/bin/python bench/import_flood.py --code-root /tmp/before --label before   # another tree (e.g. main)
    .venv/bin/python bench/import_flood.py --format annuaire --rows 50000   # another kind of import

`--format`: `structures` (our CSV template), `annuaire` (Annuaire de l'éducation CSV), `qpv` (the ANCT list),
`qpv-outlines` (GeoJSON: `--rows` square outlines, over as many structures imported beforehand, which the import
marks), `practices` (a JSON export of `--rows` sheets, on the practices' import page).

Serves the app as `make run` does (gunicorn, gevent, one worker, gunicorn's default 30 s worker timeout) plus,
when the tree has a task queue, `flask run-worker`; N participants post a card a second each; after a quiet
phase, a coordinator posts the structures import on the admin page. Lean clients (quiet.QuietBoard): N posters
and one screen. Reported: the card-to-screen and ack p95 and worst delay before and during the import, errors, how
long the import took, and whether gunicorn killed its worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import common
import quiet
from common import (
    HOST,
    ROOT,
    SECRET_KEY,
    VENV_BIN,
    ms,
    percentile,
    prepare_database,
    print_json,
    stop_on_sigterm,
    temp_dir,
    worker_class,
)

ADMIN_EMAIL, ADMIN_PASSWORD = "coordination@bench.passerelles", "bench-motdepasse-1"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def structures_csv(rows: int, *, placed: bool = False) -> bytes:
    lines = ["type;nom;uai;code_insee;commune;latitude;longitude"]
    lines += [f"ecole_primaire;École n°{i};{i:07d}A;93066;Saint-Denis;"
              + (f"{48.9005 + (i // 200) * 0.002:.4f};{2.2005 + (i % 200) * 0.002:.4f}" if placed else ";")
              for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


ANNUAIRE_HEADER = ("Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Adresse_1;Code_postal;"
                   "Code_commune;Nom_commune;Ecole_maternelle;Ecole_elementaire;"
                   "Appartenance_Education_Prioritaire;latitude;longitude;etat")


def annuaire_csv(rows: int) -> bytes:
    lines = [ANNUAIRE_HEADER]
    lines += [f"{i:07d}A;École n°{i};Ecole;2 rue de la Paix;93200;{93001 + i % 40};Commune {i % 40};0;1;REP+;"
              f"{48.80 + (i % 200) * 0.001:.4f};{2.20 + (i // 200) * 0.001:.4f};OUVERT" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def qpv_csv(rows: int) -> bytes:
    lines = ["code_qp;lib_qp;insee_com"] + [f"QN{i:05d}M;Quartier n°{i};{93001 + i % 40}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def outlines_geojson(rows: int) -> bytes:
    """`rows` squares, the i-th around the i-th structure of `structures_csv(rows, placed=True)`."""
    import json

    features = []
    for i in range(rows):
        lat, lon = 48.9 + (i // 200) * 0.002, 2.2 + (i % 200) * 0.002
        ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat + 0.001], [lon, lat]]
        features.append({"type": "Feature", "properties": {"code_qp": f"QN{i:05d}M", "lib_qp": f"Quartier n°{i}"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def practices_json(rows: int) -> bytes:
    import json
    import uuid

    items = [{"uuid": str(uuid.UUID(int=i + 1)), "title": f"Fiche n°{i}", "status": "published",
              "summary": "Un café des parents à la sortie de l'école.", "themes": ["parentalité"],
              "obstacles": "La barrière de la langue.", "levers": "Un interprète bénévole.",
              "versions": []} for i in range(rows)]
    return json.dumps({"format": "passerelles.practices", "format_version": 1, "practices": items}).encode()


FILES = {"structures": (structures_csv, "structures.csv"), "annuaire": (annuaire_csv, "annuaire.csv"),
         "qpv": (qpv_csv, "qpv.csv"), "qpv-outlines": (outlines_geojson, "qpv.geojson"),
         "practices": (practices_json, "fiches.json")}


def seed_structures(database_url: str, rows: int) -> None:
    """Structures for an outlines import to mark, imported before the server starts."""
    from workshop import create_app
    from workshop.extensions import db
    from workshop.mapping.imports.run import run_import

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "JOBS_IMMEDIATE": True})
    with app.app_context():
        report = run_import(db.session, structures_csv(rows, placed=True), "structures")
        assert report.should_commit and not report.error, report.error
        db.session.commit()
        db.engine.dispose()


def add_admin(database_url: str) -> None:
    from workshop import create_app
    from workshop.accounts import service as accounts
    from workshop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None,
                      "JOBS_IMMEDIATE": True, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        accounts.create_user(db.session, ADMIN_EMAIL, "Coordination Bench", "admin", ADMIN_PASSWORD)
        db.session.commit()
        db.engine.dispose()


def start(command: list[str], code_root: Path, env: dict, log: Path,
          cpus: set[int] | None = None) -> subprocess.Popen:
    """`cpus`: where the process may run (the web server pinned to its own), else where this one runs."""
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=code_root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True,
                                preexec_fn=common.on_cpus(cpus))


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(10)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def run_import(url: str, fmt: str, data: bytes, timeout: float) -> dict:
    """Log in as the coordinator, post the import, follow its job if there is one; (seconds, outcome)."""
    import requests

    web = requests.Session()
    token = CSRF.search(web.get(f"{url}/connexion", timeout=30).text).group(1)
    web.post(f"{url}/connexion", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token},
             timeout=30)
    page = f"{url}/fiches/import" if fmt == "practices" else f"{url}/admin/cartographie/import"
    token = CSRF.search(web.get(page, timeout=30).text).group(1)
    fields = {"csrf_token": token} if fmt == "practices" else {"format": fmt, "departement": "", "cities": "",
                                                               "csrf_token": token}
    started = time.monotonic()
    try:
        response = web.post(page, allow_redirects=False, timeout=timeout, data=fields,
                            files={"file": (FILES[fmt][1], data, "application/octet-stream")})
    except requests.RequestException as error:
        return {"seconds": round(time.monotonic() - started, 1), "outcome": f"request failed: {type(error).__name__}"}
    answered = round(time.monotonic() - started, 2)
    if response.status_code != 303:
        return {"seconds": answered, "request_s": answered, "outcome": f"HTTP {response.status_code} in the request"}
    state_url = url + response.headers["Location"] + "/etat"
    while time.monotonic() - started < timeout:
        job = web.get(state_url, headers={"Accept": "application/json"}, timeout=30).json()["job"]
        if job["state"] in ("done", "failed"):
            return {"seconds": round(time.monotonic() - started, 1), "request_s": answered,
                    "outcome": f"job {job['state']}", "job": job}
        time.sleep(0.5)
    return {"seconds": round(time.monotonic() - started, 1), "request_s": answered, "outcome": "job timed out"}


async def measure(args, port: int, code: str) -> dict:
    """`clients` lean posters (a card a second each) and a screen: card-to-screen and ack delays before and
    during the import."""
    board = await quiet.QuietBoard(port, code, posters=args.clients, every=1.0).join()
    data = FILES[args.format][0](args.rows)  # built before the window
    imported = await board.measure(asyncio.to_thread(run_import, f"http://{HOST}:{port}", args.format, data,
                                                     args.timeout), args.quiet)
    begin = board.window[0]
    acks_before = [d for s, d, _ok in board.acks if s + d < begin]
    return {**board.summary(), "ack_quiet_p95_ms": ms(percentile(acks_before, 95)),
            "ack_quiet_max_ms": ms(max(acks_before, default=None)), "import": imported}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--format", choices=list(FILES), default="structures")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds of posting before the import")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--code-root", type=Path, default=ROOT, help="the tree whose code is served")
    parser.add_argument("--label", default="this tree")
    common.add_pin_option(parser)  # the task worker runs with the clients: the import is not the web's work
    args = parser.parse_args(argv)
    stop_on_sigterm()
    server_cpus = common.pin_clients(args.pin)
    code_root = args.code_root.resolve()
    with temp_dir("bench-import-") as tmp:
        tmp = Path(tmp)
        seeded = prepare_database(tmp)
        add_admin(seeded.database_url)
        if args.format == "qpv-outlines":
            seed_structures(seeded.database_url, args.rows)
        port = common.free_port()
        env = {**os.environ, "DATABASE_URL": seeded.database_url, "SECRET_KEY": SECRET_KEY, "PYTHONUNBUFFERED": "1",
               "SOCKETIO_ASYNC_MODE": "gevent", "JOBS_QUEUE_FILE": str(tmp / "queue.db"),
               "JOBS_SPOOL_DIR": str(tmp / "spool"), "PYTHONPATH": str(code_root)}
        env.pop("REDIS_URL", None)
        server = worker = None
        try:
            server = start([str(VENV_BIN / "gunicorn"), "-k", worker_class(code_root), "-w", "1",
                            "--worker-connections", "2000",
                            "--bind", f"{HOST}:{port}", "--no-control-socket", "wsgi:app"], code_root, env,
                           tmp / "server.log", server_cpus)
            if (code_root / "workshop" / "jobs").is_dir():
                worker = start([str(VENV_BIN / "flask"), "--app", "workshop", "run-worker"], code_root, env,
                               tmp / "worker.log")
            from workshop.devserver import wait_until_serving

            url = f"http://{HOST}:{port}"
            if not wait_until_serving(server, url, 60, interval=0.2):
                raise RuntimeError((tmp / "server.log").read_text()[-3000:])
            result = asyncio.run(measure(args, port, seeded.code))
        finally:
            stop(worker)
            stop(server)
        log = (tmp / "server.log").read_text(errors="replace")
        result.update(label=args.label, format=args.format, rows=args.rows, clients=args.clients,
                      pinned=bool(server_cpus),
                      web_worker_killed=log.count("WORKER TIMEOUT") + log.count("was sent SIGKILL"))
    r, i = result, result["import"]
    print(f"{args.format} import of {args.rows} rows ({args.label}): {i['outcome']} in {i['seconds']} s "
          f"(request answered in {i.get('request_s', '-')} s); web worker killed: {r['web_worker_killed']}")
    print(f"card acks: quiet p95 / max {r['ack_quiet_p95_ms']} / {r['ack_quiet_max_ms']} ms; during the import "
          f"{r['ack_p95_during_ms']} / {r['ack_max_during_ms']} ms; errors {r['ack_error_kinds']}")
    print("card to screen (another person's delay):")
    print(quiet.HEADER)
    print(quiet.row("import", r, f"loadavg {common.loadavg()}; server pinned: {r['pinned']}"))
    print_json(result)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
