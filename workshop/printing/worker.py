"""The render worker's side: lay out a spooled document into the cache, reporting progress as it goes.

Runs in the pool's processes (preloaded into the forkserver), and in-process for the CLI and tests.
Imports neither Flask nor the app.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

from workshop.printing.weasy import font_config, lay_out, unspool, write_json, write_pdf


class _ProgressWriter(logging.Handler):
    """Turn WeasyPrint's progress log ("Step 5 - Creating layout - Page 12") into a small JSON file."""

    def __init__(self, path: Path):
        super().__init__(level=logging.INFO)
        self.path = path
        self.page = 0
        self.step = "html"
        self.last_write = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Creating layout - Page" in message:
            try:
                self.page = max(self.page, int(message.rsplit("Page", 1)[1].split()[0]))
            except (IndexError, ValueError):
                return
            self.step = "layout"
        elif "Creating PDF" in message:
            self.step = "pdf"
        now = time.monotonic()
        if now - self.last_write > 0.15 or self.step == "pdf":
            self.last_write = now
            write_json(self.path, {"page": self.page, "step": self.step, "at": time.time()})


def render_to_cache(source: str, cache_dir: str, key: str) -> dict:
    """Render a spooled document (see `spool`) into `<cache_dir>/<key>.pdf`; return its page count and duration.

    Top-level so the pool can pickle it; also called in-process by the CLI and tests.
    """
    html, css, variant = unspool(source)
    started = time.perf_counter()
    cache = Path(cache_dir)
    (cache / "jobs").mkdir(parents=True, exist_ok=True)
    progress = _ProgressWriter(cache / "jobs" / f"{key}.progress")
    progress_logger = logging.getLogger("weasyprint.progress")
    progress_logger.setLevel(logging.INFO)
    progress_logger.addHandler(progress)
    try:
        document = lay_out(html, css, variant, str(cache))
        # The page count before the PDF: a status read that finds the PDF also finds its true length.
        write_json(cache / f"{key}.json", {"pages": len(document.pages)})
        write_pdf(document, cache / f"{key}.pdf", variant)
    finally:
        progress_logger.removeHandler(progress)
    meta = {"pages": len(document.pages), "seconds": round(time.perf_counter() - started, 3)}
    write_json(cache / f"{key}.json", meta)
    return meta


def die_with_parent() -> None:
    """End this render worker as soon as the web process that asked for it dies (killed for a timeout, OOM).

    The worker is forked by the forkserver, so the kernel's parent-death signal would follow the forkserver, which
    itself lives as long as any worker holds its "alive" pipe: killed gunicorn workers left their render processes
    behind, ~210 MB each time. multiprocessing hands every worker a sentinel of the process that started it; a
    thread waits on it (no CPU) and exits the process when it closes. The forkserver then exits with its last
    worker."""
    parent = multiprocessing.parent_process()
    if parent is None:  # called outside a pool (tests)
        return

    def watch() -> None:
        parent.join()  # returns when the parent's end of the sentinel closes: it died
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def worker_init(nice: int) -> None:
    """Die with the forkserver (see die_with_parent), and run renders below the web process's priority: a live
    board must not wait for a toolkit's layout.

    SCHED_IDLE rather than a nice level: a niced process still holds a core until the scheduler's wake-up
    granularity lets the web process in (measured: live-board p95 +64 % at nice 10); an idle-class process
    gives the core up as soon as anything else wants it."""
    die_with_parent()
    if not nice:
        return
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux, or refused: fall back to a nice level
        try:
            os.nice(nice)
        except OSError:
            pass


def warm_up() -> bool:
    """Import WeasyPrint and load fonts once per worker, so the first real render is not the slow one."""
    import weasyprint  # in the render worker only: the web process never imports WeasyPrint

    weasyprint.HTML(string="<p lang='fr'>Préparation</p>").render(
        stylesheets=[weasyprint.CSS(string="p{font-family:'DejaVu Serif'}")], font_config=font_config())
    return True
