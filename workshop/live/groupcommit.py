"""Commands of one board that arrive together run together: one transaction, one commit, one broadcast pass.

Each command of a board runs under the board's lock (its seq is taken in its transaction). One transaction per
command made the lock the limit of a busy board: about 7 ms of CPU per card, most of it the transaction's fixed
part (loading the board, its control state, the commit), so cards beyond ~100/s queued behind the lock. Here the
command that takes the lock (the leader) runs every command waiting on that board, in arrival order, in its own
session and transaction, each inside a savepoint so that one refused command undoes only itself; then it commits
once, broadcasts the events in seq order and wakes the others with their outcomes. A lone command is a batch of
one: nothing waits for company.

Under gevent with SQLite nothing in a batch yields to other greenlets: cards read from other sockets meanwhile
would wait for the batch to end, then find the lock free and each lead a batch of one. So the leader, before
taking its batch, lets the other greenlets run (a few times, while more commands keep arriving): the commands
already read from the sockets join the line first, at the cost of a loop iteration or two.

A busy board whose screens all take frames is also paced (`pace`): frames leave at most every fanout.WINDOW, so
a card committed sooner reaches no screen sooner. A leader whose board's last batch was led by someone else waits
until a little more than WINDOW after that batch began (fanout.pace), and the cards that come meanwhile share its
transaction (36 cards from 6 people in turn: 34-36 commits became 14-15; at 200 cards/s from 20 people the
server's CPU per card fell by 40-50 %). A lone sender, posting one card after the other, never waits: nobody
else's card would share its batch.

Who leads: whoever finds the lock free. A command that finds it taken waits to be woken, either done or asked to
lead (the lock holder, on leaving, asks the first command still waiting), so no command is ever left behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from workshop.greenlets import cooperate, sleep

MAX_BATCH = 100  # commands in one transaction at most: the first in line does not wait for a long batch
GATHER = 3  # times a leader lets other greenlets run, at most, for commands to join its batch


@dataclass
class Job:
    """One command waiting for its turn, then its outcome (or the error it raised)."""

    run: Any  # what the batch runner needs (the kernel's context, command and payload)
    by: Any = None  # who sent it (None: unknown, never paced)
    outcome: Any = None
    error: BaseException | None = None
    done: bool = False
    signal: threading.Event = field(default_factory=threading.Event)  # done, or asked to lead


class Line:
    """The commands waiting on one board, and the lock that lets one of them lead."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mutex = threading.Lock()
        self._jobs: list[Job] = []
        self._led_by: Any = None  # who led the last batch, and when it started
        self._led_at = 0.0

    def run(self, job: Job, batch: Callable[[list[Job], Job], None], on_wait: Callable[[], None],
            pace: Callable[[], float] | None = None) -> Job:
        """Queue `job` and return once a leader (perhaps this caller) ran it. `batch(jobs, leader)` runs a batch
        with the leader's means (its database session) and sets every job's outcome or error; `on_wait` is
        called once if this caller must wait (to give back its database connection meanwhile); `pace()`: the
        seconds between the starts of two batches led by different senders (0: no wait)."""
        with self._mutex:
            self._jobs.append(job)
        waited = False
        while not job.done:
            # locked() first: gevent's failed non-blocking acquire yields to other greenlets (for spin locks),
            # and this one would hold its database connection meanwhile (60 were held so at 200 cards/s).
            if not self._lock.locked() and self._lock.acquire(blocking=False):
                try:
                    while not job.done:
                        self._keep_pace(job, pace)
                        self._gather()
                        with self._mutex:
                            jobs, self._jobs = self._jobs[:MAX_BATCH], self._jobs[MAX_BATCH:]
                        self._led_by, self._led_at = job.by, time.monotonic()
                        _run(batch, jobs, job)
                finally:
                    self._lock.release()
                    self._hand_over()
            else:
                if not waited:
                    waited = True
                    on_wait()
                job.signal.wait()
                job.signal.clear()
        return job

    def _keep_pace(self, job: Job, pace: Callable[[], float] | None) -> None:
        """When someone else led the last batch, start this one `pace()` seconds after that one began: the
        commands that come meanwhile join it."""
        if pace is None or job.by is None or self._led_by in (None, job.by):
            return
        wait = self._led_at + pace() - time.monotonic()
        if wait > 0:
            sleep(wait)

    def _gather(self) -> None:
        """Let the commands already received on other sockets join the line (gevent; a no-op elsewhere)."""
        waiting = len(self._jobs)
        for _ in range(GATHER):
            cooperate()
            if len(self._jobs) == waiting or len(self._jobs) >= MAX_BATCH:
                return
            waiting = len(self._jobs)

    def _hand_over(self) -> None:
        """Ask the first command still waiting to lead (it may find the lock taken by a newcomer, who then
        runs it)."""
        with self._mutex:
            first = self._jobs[0] if self._jobs else None
        if first is not None:
            first.signal.set()

    @property
    def waiting(self) -> int:
        """How many commands wait to run (tests queue commands behind `held` and count them so)."""
        return len(self._jobs)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep the board's commands waiting meanwhile, as a running batch does (tests queue commands so)."""
        with self._lock:
            yield
        self._hand_over()


def _run(batch: Callable[[list[Job], Job], None], jobs: list[Job], leader: Job) -> None:
    try:
        batch(jobs, leader)
    except BaseException as error:  # the batch as a whole failed (its commit): every job answers that error
        for job in jobs:
            job.error = error
        if not isinstance(error, Exception):
            raise
    finally:
        for job in jobs:
            job.done = True
            job.signal.set()
