"""What a busy render worker costs the other processes of this machine, scheduling aside.

    .venv/bin/python bench/contention.py

Prints, alone and then next to two idle-class (SCHED_IDLE, as the render workers) busy processes: the
wake-up latency of a process answering a pipe (what a gevent server waiting for a socket goes through) and
the time of a CPU-bound loop. If both barely move, a slower live board during a render comes from the shared
caches and memory bandwidth, not from the scheduler.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

BUSY = {
    "spin": "while True: pass",
    "memory": "a = bytearray(300_000_000)\nwhile True:\n    for i in range(0, len(a), 4096): a[i] = (a[i] + 1) & 255",
}


def wake_up(rounds: int = 3000) -> tuple[float, float]:
    """p50 and p95 in µs of a ping-pong with a child process through two pipes, 1 ms apart."""
    ping_r, ping_w = os.pipe()
    pong_r, pong_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for _ in range(rounds):
            os.read(ping_r, 1)
            os.write(pong_w, b"x")
        os._exit(0)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        os.write(ping_w, b"x")
        os.read(pong_r, 1)
        times.append(time.perf_counter() - started)
        time.sleep(0.001)
    os.waitpid(pid, 0)
    times.sort()
    return round(times[len(times) // 2] * 1e6, 1), round(times[int(len(times) * 0.95)] * 1e6, 1)


def loop_ms(repeat: int = 7) -> float:
    """Median time of a pure-Python CPU-bound loop."""
    durations = []
    for _ in range(repeat):
        started, total = time.perf_counter(), 0
        for i in range(3_000_000):
            total += i * i % 7
        durations.append(time.perf_counter() - started)
    return round(sorted(durations)[repeat // 2] * 1000, 1)


def main() -> int:
    print(f"alone: wake-up p50/p95 {wake_up()} µs, loop {loop_ms()} ms")
    for name, code in BUSY.items():
        idle = "import os; os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n" + code
        busy = [subprocess.Popen([sys.executable, "-c", idle]) for _ in range(2)]
        try:
            time.sleep(1.5)
            print(f"two idle-class {name} processes: wake-up p50/p95 {wake_up()} µs, loop {loop_ms()} ms")
        finally:
            for process in busy:
                process.kill()
                process.wait()
    print(f"alone again: wake-up p50/p95 {wake_up()} µs, loop {loop_ms()} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
