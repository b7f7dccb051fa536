"""PDF rendering out of the web process, with a content-hash cache on disk and progress for long builds.

Why a separate process: WeasyPrint is pure CPU for seconds on a toolkit; inside a gevent worker it would
stall every live board, inside a thread it would hold the GIL. So rendering runs in a small, lazily started
`ProcessPoolExecutor` ("forkserver" context: children never inherit gevent's patched state or open sockets).

Jobs reach the workers as files (`weasy.spool`), never as large pipe messages that could block the gevent
process. The worker writes the PDF straight into the cache (`<key>.pdf`, atomically) and its progress into
`jobs/<key>.progress`; the web side only waits (gevent-friendly polling) or reads those files, so a status
request answers from any web process. Key = sha256(renderer version + PDF variant + HTML + CSS): the same
content is rendered once, a repeat download is a file read.

The workers run `worker.py` and `books.py` (preloaded into the forkserver); this module, their web side, imports
neither Flask nor the app either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workshop.greenlets import sleep
from workshop.printing.books import PdfBook, build_book
from workshop.printing.weasy import RENDERER_VERSION, spool, write_json
from workshop.printing.worker import render_to_cache, warm_up, worker_init

DEFAULT_VARIANT = "pdf/ua-1"  # tagged PDF with structure tree and /Lang: readable by screen readers
JOB_TTL = 3600  # seconds a job file stays meaningful
STALE_AFTER = 900  # a job with no progress for that long is considered lost (server restarted mid-render)
_JOB_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfDocument:
    """What to render: a complete HTML page, its print CSS and the file name offered on download."""

    html: str
    css: str
    filename: str
    estimated_pages: int = 1
    variant: str | None = DEFAULT_VARIANT

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        for part in (RENDERER_VERSION, self.variant or "", self.html, "\x00", self.css):
            digest.update(part.encode())
        return digest.hexdigest()


@dataclass
class JobStatus:
    """What the person waiting sees: state, pages laid out so far (n) of an estimate (total)."""

    id: str
    state: str  # running | done | error
    done: int
    total: int
    key: str
    filename: str
    owner: str | None = None
    message: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                "filename": self.filename, "message": self.message}


def _inline(function, *args) -> Future:
    """Run a task here and now, as a finished Future (one worker: no process to start)."""
    future: Future = Future()
    try:
        future.set_result(function(*args))
    except Exception as error:  # noqa: BLE001 - handed over to the caller, like a pool would
        future.set_exception(error)
    return future


# --- Web side ----------------------------------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_running: dict[tuple[str, str], Future] = {}  # (cache dir, content key) -> the render in progress


def _get_pool(workers: int, nice: int = 10) -> ProcessPoolExecutor:
    """Start the pool on first use (not at import: the CLI and most requests never need it)."""
    global _pool
    with _pool_lock:
        if _pool is not None and getattr(_pool, "_broken", False):  # a worker died (OOM...): start afresh
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
            _running.clear()
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["workshop.printing.worker", "workshop.printing.books"])
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, max_tasks_per_child=200,
                                        initializer=worker_init, initargs=(nice,))
            for _ in range(workers):
                _pool.submit(warm_up)
        return _pool


def shutdown_pool() -> None:
    """Stop the workers (tests and benchmarks call this; at exit concurrent.futures does it)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
        _running.clear()


class Renderer:
    """The cache and the pool as one object, bound to a cache directory and a number of workers."""

    def __init__(self, cache_dir: str | Path, workers: int | None = None, max_cache_bytes: int = 512 * 1024 * 1024,
                 nice: int = 10, live: Callable[[], int] | None = None):
        """`live`: how many screens follow a live board right now; while any does, a book is laid out on one
        worker at a time, leaving the other cores to the boards (see books.build_book)."""
        self.cache_dir = Path(cache_dir)
        self.workers = max(1, int(workers if workers is not None else min(4, os.cpu_count() or 1)))
        self.nice = nice
        self.live = live
        self.max_cache_bytes = max_cache_bytes
        (self.cache_dir / "jobs").mkdir(parents=True, exist_ok=True)

    # Cache --------------------------------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        return self.cache_dir / f"{key}.pdf"

    def cached(self, document: PdfDocument) -> Path | None:
        """The cached PDF of this exact content, if it was rendered before."""
        path = self.path_for(document.key)
        if path.exists():
            os.utime(path)  # recently used files survive pruning
            return path
        return None

    def page_count(self, key: str) -> int | None:
        try:
            return int(json.loads((self.cache_dir / f"{key}.json").read_text())["pages"])
        except (OSError, ValueError, KeyError):
            return None

    def prune(self) -> int:
        """Keep the cache within its budget after each render: delete the least recently used PDFs (documents
        and book parts) above the size budget, and job files older than JOB_TTL. Return how many PDFs went."""
        files = []
        for path in [*self.cache_dir.glob("*.pdf"), *(self.cache_dir / "parts").glob("*.pdf")]:
            try:
                files.append((path.stat(), path))
            except FileNotFoundError:  # removed meanwhile by another process
                continue
        total, removed = 0, 0
        for stat, path in sorted(files, key=lambda item: item[0].st_mtime, reverse=True):
            total += stat.st_size
            if total > self.max_cache_bytes:
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
                removed += 1
        limit = time.time() - JOB_TTL
        for path in (self.cache_dir / "jobs").glob("*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
        return removed

    def clear(self) -> int:
        """Delete every cached PDF, book part, job and alias: after an erasure, no cached file may keep the erased
        text, and the cache cannot tell which documents held it (it is keyed by content). Return the PDFs gone."""
        removed = 0
        for folder in (self.cache_dir, self.cache_dir / "parts", self.cache_dir / "jobs"):
            for path in folder.glob("*"):
                if path.is_file():
                    removed += path.suffix == ".pdf"
                    path.unlink(missing_ok=True)
        return removed

    # Aliases: skip building the HTML when nothing it depends on changed ---------------------------------

    def _alias_path(self, alias: str) -> Path:
        return self.cache_dir / "jobs" / f"alias-{hashlib.sha256(alias.encode()).hexdigest()}.json"

    def remember(self, alias: str, document: PdfDocument) -> None:
        """Note that `alias` (a cheap fingerprint of everything a document is made from) gives this content."""
        write_json(self._alias_path(alias), {"key": document.key, "filename": document.filename})

    def recall(self, alias: str) -> tuple[Path, str] | None:
        """The cached PDF for a fingerprint seen before, without rebuilding its HTML; None if not rendered."""
        try:
            data = json.loads(self._alias_path(alias).read_text())
        except (OSError, ValueError):
            return None
        path = self.path_for(data["key"])
        return (path, data["filename"]) if path.exists() else None

    # Rendering ----------------------------------------------------------------------------------------

    def render_now(self, document: PdfDocument | PdfBook) -> Path:
        """Render from this process (CLI, tests), waiting for the file; a book's parts still go to the pool's
        `workers` processes (none with one worker). Same cache as the pool."""
        path = self.cached(document)
        if path is None:
            if isinstance(document, PdfBook):
                submit = _get_pool(self.workers, self.nice).submit if self.workers > 1 else _inline
                build_book(document, str(self.cache_dir), document.key, submit, self.workers)
            else:
                render_to_cache(spool(self.cache_dir, document.key, document.html, document.css, document.variant),
                                str(self.cache_dir), document.key)
            path = self.path_for(document.key)
        return path

    def start(self, document: PdfDocument, owner: str | None = None) -> JobStatus:
        """Queue a render in the pool (once per content) and return a job the page can poll."""
        key = document.key
        job_id = secrets.token_urlsafe(16)
        total = self.page_count(key) or max(1, document.estimated_pages)
        write_json(self._job_path(job_id), {"key": key, "filename": document.filename, "owner": owner,
                                             "total": total, "started": time.time()})
        if not self.path_for(key).exists():
            slot = (str(self.cache_dir), key)  # one render per content and cache (tests run several caches)
            future = _running.get(slot)
            if future is None or future.done():
                pool = _get_pool(self.workers, self.nice)
                if isinstance(document, PdfBook):  # parts and assembly are pool tasks; a thread waits on them
                    future = Future()
                    threading.Thread(target=self._build, args=(document, pool, future), daemon=True,
                                     name=f"pdf-book-{key[:8]}").start()
                else:
                    source = spool(self.cache_dir, key, document.html, document.css, document.variant)
                    future = pool.submit(render_to_cache, source, str(self.cache_dir), key)
                _running[slot] = future
                future.add_done_callback(lambda f, key=key: self._finished(key, f))
        return self.status(job_id)

    def _build(self, book: PdfBook, pool: ProcessPoolExecutor, future: Future) -> None:
        try:
            future.set_result(build_book(book, str(self.cache_dir), book.key, pool.submit, self.workers,
                                         pause=lambda: sleep(0), at_once=self._at_once))
        except Exception as error:  # noqa: BLE001 - reported through the future, as a pool task's would be
            future.set_exception(error)

    def _at_once(self) -> int:
        return 1 if self.live is not None and self.live() else self.workers

    def _finished(self, key: str, future: Future) -> None:
        _running.pop((str(self.cache_dir), key), None)
        error = future.exception()
        if error is not None:
            log.error("PDF render %s failed: %r", key[:12], error)
            write_json(self.cache_dir / "jobs" / f"{key}.error", {"message": repr(error)[:500]})
        else:
            self.prune()

    def wait(self, job: JobStatus, timeout: float, poll: float = 0.05) -> JobStatus:
        """Wait up to `timeout` seconds for a job, yielding to other greenlets/threads while it renders."""
        deadline = time.monotonic() + timeout
        status = job
        while status.state == "running" and time.monotonic() < deadline:
            sleep(poll)
            status = self.status(job.id) or status
        return status

    # Jobs ---------------------------------------------------------------------------------------------

    def _job_path(self, job_id: str) -> Path:
        return self.cache_dir / "jobs" / f"{job_id}.job"

    def status(self, job_id: str) -> JobStatus | None:
        """Read a job's state from disk (works from any web process); None for an unknown id."""
        if not job_id or not set(job_id) <= _JOB_ID_CHARS or len(job_id) > 64:
            return None
        try:
            job = json.loads(self._job_path(job_id).read_text())
        except (OSError, ValueError):
            return None
        key, total = job["key"], int(job["total"])
        status = JobStatus(job_id, "running", 0, total, key, job["filename"], job.get("owner"))
        if self.path_for(key).exists():
            status.state, status.done = "done", self.page_count(key) or total
            status.total = status.done
            return status
        error = self.cache_dir / "jobs" / f"{key}.error"
        if error.exists() and error.stat().st_mtime >= job["started"] - 1:
            status.state, status.message = "error", "render failed"
            return status
        progress_path = self.cache_dir / "jobs" / f"{key}.progress"
        try:
            progress = json.loads(progress_path.read_text())
            status.done = min(int(progress.get("page", 0)), max(total - 1, 0))
            last = float(progress.get("at", job["started"]))
        except (OSError, ValueError):
            last = job["started"]
        if status.done >= total - 1 and total > 1:
            status.total = status.done + 1  # the estimate was short: keep the bar honest
        if time.time() - max(last, job["started"]) > STALE_AFTER:
            status.state, status.message = "error", "render lost"
        return status
