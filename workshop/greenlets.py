"""Waiting and blocking work that must not hold up the other greenlets of a gevent server.

Under `gunicorn -k gevent` every live board of the process runs on one OS thread: a blocking call or a long
CPU-bound stretch there makes every screen wait. Elsewhere (CLI, tests, the threading server) these helpers are
plain calls. gevent is imported inside the functions: the PDF forkserver and its workers import this module and
must stay free of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def gevent_active() -> bool:
    """Whether this process is a gevent server (threading monkey-patched)."""
    try:
        from gevent import monkey  # see the module docstring
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def sleep(seconds: float) -> None:
    """Wait without holding up the other greenlets of a gevent server."""
    if gevent_active():
        import gevent  # see the module docstring

        gevent.sleep(seconds)
    else:
        time.sleep(seconds)


def cooperate() -> None:
    """Let other greenlets run between two pieces of work done in the web process."""
    if gevent_active():
        sleep(0)


def off_loop(function: Callable[..., T], *args) -> T:
    """Call `function(*args)` in a real OS thread of gevent's pool under gevent, so that the other greenlets run
    meanwhile; a plain call otherwise. For C code that releases the GIL (argon2: 0.3 s a password). The function
    gets no Flask context: resolve settings before."""
    if gevent_active():
        import gevent  # see the module docstring

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)
