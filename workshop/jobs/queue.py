"""The app's Huey queue and its tasks, built in create_app from an explicit list of task modules.

A task module marks its functions with `@job_task(...)`; marking only sets an attribute, so importing a module
registers nothing. `install(app, modules)` makes the queue (SQLite in instance/ by default, Redis when REDIS_URL
is set, immediate when JOBS_IMMEDIATE) and binds each marked function to it under a stable name, wrapped so that
it runs in an app context of this app. The web process and the worker build the same list, so a task queued by
one is found by name in the other.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

ATTRIBUTE = "job_task"


@dataclass(frozen=True)
class TaskSpec:
    """How a function runs as a task: its queue name, and for a periodic one, when (a huey `crontab`)."""

    name: str
    periodic: Callable[[Any], bool] | None = None


def job_task(name: str, *, periodic: Callable[[Any], bool] | None = None) -> Callable:
    """Mark a function as the task `name` (run every time `periodic` says so, if given)."""

    def mark(function: Callable) -> Callable:
        setattr(function, ATTRIBUTE, TaskSpec(name, periodic))
        return function

    return mark


def make_huey(config: dict) -> Huey:
    """Immediate (in-process, tests), Redis when REDIS_URL is set, else a SQLite file in instance/."""
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey("passerelles", immediate=True)
    if config.get("REDIS_URL"):
        return RedisHuey("passerelles", url=config["REDIS_URL"])
    path = Path(config["JOBS_QUEUE_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("passerelles", filename=str(path))


class Queue:
    """The app's queue: `enqueue(function, *args)` for a marked function; `huey` for the consumer."""

    def __init__(self, app: Flask, huey: Huey, modules: Iterable[ModuleType]):
        self.huey = huey
        self._tasks: dict[Callable, Any] = {}
        for module in modules:
            for _name, function in inspect.getmembers(module, inspect.isfunction):
                if (spec := getattr(function, ATTRIBUTE, None)) is not None:
                    self._tasks[function] = self._bind(app, function, spec)

    def _bind(self, app: Flask, function: Callable, spec: TaskSpec):
        def run(*args):
            with app.app_context():
                return function(*args)

        run.__name__ = function.__name__
        if spec.periodic is not None:
            return self.huey.periodic_task(spec.periodic, name=spec.name)(run)
        return self.huey.task(name=spec.name)(run)

    def enqueue(self, function: Callable, *args) -> None:
        """Queue one run of a marked function (at once, in this process, in immediate mode)."""
        self._tasks[function](*args)

    @property
    def names(self) -> list[str]:
        return sorted(task.name for task in self._tasks.values())


def install(app: Flask, modules: Iterable[ModuleType]) -> Queue:
    queue = app.extensions["jobs"] = Queue(app, make_huey(app.config), modules)
    return queue


def get_queue() -> Queue:
    return current_app.extensions["jobs"]


def enqueue(function: Callable, *args) -> None:
    """Queue `function(*args)` on the current app's queue."""
    get_queue().enqueue(function, *args)
