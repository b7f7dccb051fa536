"""`make bench`: the default set of measurements, each in its own process with its own server, then one table.

    .venv/bin/python bench/run_all.py                 # gevent 100/300/1000, threading 300, join storms
    .venv/bin/python bench/run_all.py --duration 10   # shorter posting phase
    .venv/bin/python bench/run_all.py --only fanout   # or: storm
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
RUN_TIMEOUT = 900  # seconds; a bench that takes longer is killed and reported as failed

FANOUT = [("gevent", 100), ("gevent", 300), ("threading", 300), ("gevent", 1000)]
STORMS = [("gevent", 300), ("threading", 300)]


def _run(script: str, args: list[str]) -> dict | None:
    command = [PYTHON, str(BENCH / script), *args]
    print("$ " + " ".join(["python", f"bench/{script}", *args]), flush=True)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = child.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.terminate()  # SIGTERM: the bench stops its server on the way out
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
        print(f"  timed out after {RUN_TIMEOUT} s", flush=True)
        return None
    lines = stdout.splitlines()
    print("\n".join(line for line in lines if not line.startswith("RESULT ")), flush=True)
    if child.returncode != 0:
        print(stderr[-3000:], flush=True)
        return None
    results = [json.loads(line[len("RESULT "):]) for line in lines if line.startswith("RESULT ")]
    return results[-1] if results else None


def _cell(value) -> str:
    return "-" if value is None else str(value)


def fanout_table(rows: list[dict]) -> str:
    head = ("| mode | N | p50 ms | p95 ms | max ms | all screens p95 ms | lost | errors | server CPU % "
            "| server waited for CPU s | threads | loadavg |")
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        errors = r["join_errors"] + sum(r["send_errors"].values()) + r["disconnects"]
        lines.append(f"| {r['mode']} | {r['joined']}/{r['participants']} | {_cell(r['p50_ms'])} | {_cell(r['p95_ms'])} "
                     f"| {_cell(r['max_ms'])} | {_cell(r['all_screens_p95_ms'])} | {r['lost']} | {errors} "
                     f"| {r['server_run']['cpu_pct']} | {_cell(r['server_run']['runqueue_wait_s'])} "
                     f"| {r['server_threads_max']} | {r['load_before']} |")
    return "\n".join(lines)


def storm_table(rows: list[dict]) -> str:
    lines = ["| mode | joins | ok | errors | join ack p50 ms | p95 ms | connect+join p95 ms | all joined s "
             "| server CPU % | server waited for CPU s | threads | loadavg |", "|---" * 12 + "|"]
    for r in rows:
        lines.append(f"| {r['mode']} | {r['participants']} in {r['within']:g} s | {r['joins_ok']} | {r['errors']} "
                     f"| {_cell(r['join_p50_ms'])} | {_cell(r['join_p95_ms'])} | {_cell(r['arrival_p95_ms'])} "
                     f"| {r['all_joined_s']} | {r['server']['cpu_pct']} | {_cell(r['server']['runqueue_wait_s'])} "
                     f"| {r['server_threads_max']} | {r['load_before']} |")
    return "\n".join(lines)


# The figures each capability's issue names; these scripts print their own tables.
DOMAIN_BENCHES = (
    ("join_queries.py", []),
    ("join_storm.py", ["--mode", "gevent", "--participants", "300", "--within", "3", "--profiles"]),
    ("vote_storm.py", ["--participants", "300", "--duration", "10"]),
    ("reveal.py", ["--participants", "300", "--cards", "500"]),
    ("search.py", []),
    ("map.py", []),
    ("programme.py", []),
    ("networks.py", []),
    ("pdf.py", ["--control"]),
    ("contention.py", []),
    ("abuse.py", ["--cards", "6000", "--duration", "10"]),
    ("import_flood.py", []),
    ("big_body.py", []),
    ("slow_uploads.py", []),
    ("mail_notifications.py", []),
    ("meetings.py", []),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the default benches and print a table.")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting per fan-out run")
    parser.add_argument("--only", choices=("fanout", "storm", "domains"), default=None)
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 600:
        parser.error("duration: 1 to 600 s")
    fanout, storms, failed = [], [], 0
    if args.only in (None, "fanout"):
        for mode, n in FANOUT:
            result = _run("board_fanout.py", ["--mode", mode, "--participants", str(n),
                                              "--duration", f"{args.duration:g}"])
            failed += result is None
            fanout += [result] if result else []
    if args.only in (None, "storm"):
        for mode, n in STORMS:
            result = _run("join_storm.py", ["--mode", mode, "--participants", str(n), "--within", "3"])
            failed += result is None
            storms += [result] if result else []
    if args.only in (None, "domains"):
        for script, script_args in DOMAIN_BENCHES:
            print(f"\n== bench/{script} {' '.join(script_args)}", flush=True)
            failed += subprocess.run([PYTHON, str(BENCH / script), *script_args], timeout=RUN_TIMEOUT).returncode != 0
    print("\nCard fan-out: 20 participants post 10 cards/s in total; latency = card sent -> `event` on a screen")
    print(fanout_table(fanout))
    print("\nJoin storm")
    print(storm_table(storms))
    if failed:
        print(f"\n{failed} bench run(s) failed (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
