"""SQLite under a gevent server: a writer waiting for the lock another process holds (the task worker writing an
import) waits between greenlets, so every other screen of the process keeps being served meanwhile."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WRITER_UNDER_GEVENT = """
from gevent import monkey
monkey.patch_all()
import sys, gevent
from sqlalchemy import text
from workshop import create_app
from workshop.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1], "SECRET_KEY": "x", "REDIS_URL": None,
                  "SOCKETIO_ASYNC_MODE": "gevent"})
ticks = []
def ticker():
    while True:
        ticks.append(1)
        gevent.sleep(0.005)

with app.app_context():
    db.session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
    db.session.commit()
    print("ready", flush=True)
    sys.stdin.readline()  # the test now holds the write lock
    runner = gevent.spawn(ticker)
    gevent.sleep(0)
    db.session.execute(text("INSERT INTO probe VALUES (1)"))
    db.session.commit()
    runner.kill()
    print(len(ticks), flush=True)
"""


@pytest.mark.slow
def test_a_writer_waiting_for_the_lock_lets_the_other_greenlets_run(tmp_path):
    path = tmp_path / "shared.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER_UNDER_GEVENT, str(path)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()[-2000:]
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing, as the task worker does during an import
        holder.execute("INSERT INTO probe VALUES (0)")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        time.sleep(1.5)
        holder.execute("COMMIT")
        holder.close()
        out, err = writer.communicate(timeout=60)
    finally:
        writer.kill()
    assert writer.returncode == 0, err[-2000:]
    ticks = int(out.strip().splitlines()[-1])
    # While the card waited 1.5 s for the lock, the process's other greenlets ran (every 5 ms asked): with the wait
    # inside SQLite's C busy handler they ran once or not at all.
    assert ticks >= 20, f"the other greenlet ran {ticks} times while a write waited 1.5 s for the lock"
    with sqlite3.connect(path) as check:
        assert sorted(row[0] for row in check.execute("SELECT x FROM probe")) == [0, 1]  # both writes landed
