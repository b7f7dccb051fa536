"""PDF rendering out of the web process, with a content-hash cache on disk and progress for long builds.

Why a separate process: WeasyPrint is pure CPU for seconds on a toolkit; inside a gevent worker it would
stall every live board, inside a thread it would hold the GIL. So rendering runs in a small, lazily started
`ProcessPoolExecutor` ("forkserver" context: children never inherit gevent's patched state or open sockets).

The worker writes the PDF straight into the cache (`<key>.pdf`, atomically) and its progress into
`jobs/<key>.progress`; the web side only waits (gevent-friendly polling) or reads those files, so a status
request answers from any web process. Key = sha256(renderer version + PDF variant + HTML + CSS): the same
content is rendered once, a repeat download is a file read.

This module imports neither Flask nor the app: it is preloaded into the forkserver.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import secrets
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

RENDERER_VERSION = f"passerelles-pdf-4/weasyprint-{version('weasyprint')}"
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


# --- Worker side (runs in the pool's processes) -----------------------------------------------------------


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
            _write_json(self.path, {"page": self.page, "step": self.step, "at": time.time()})


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


@functools.lru_cache(maxsize=8)
def _stylesheet(css: str):
    """Parse the print stylesheet once per process (~90 ms each time otherwise: a third of a sheet's render)."""
    import weasyprint

    return weasyprint.CSS(string=css)


def render_to_cache(html: str, css: str, variant: str | None, cache_dir: str, key: str) -> dict:
    """Render one document into `<cache_dir>/<key>.pdf`; return its page count and duration.

    Top-level so the pool can pickle it; also called in-process by the CLI and tests.
    """
    import weasyprint

    started = time.perf_counter()
    cache = Path(cache_dir)
    (cache / "jobs").mkdir(parents=True, exist_ok=True)
    progress = _ProgressWriter(cache / "jobs" / f"{key}.progress")
    progress_logger = logging.getLogger("weasyprint.progress")
    progress_logger.setLevel(logging.INFO)
    progress_logger.addHandler(progress)
    try:
        # No network or file access while rendering user content: only inline data: URIs.
        fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"], timeout=1)
        document = weasyprint.HTML(string=html, base_url=str(cache), url_fetcher=fetcher).render(
            stylesheets=[_stylesheet(css)], pdf_variant=variant)
        tmp = cache / f".{key}.{os.getpid()}.pdf"
        document.write_pdf(tmp, pdf_variant=variant)
        os.replace(tmp, cache / f"{key}.pdf")
    finally:
        progress_logger.removeHandler(progress)
    meta = {"pages": len(document.pages), "seconds": round(time.perf_counter() - started, 3)}
    _write_json(cache / f"{key}.json", meta)
    return meta


def _worker_init(nice: int) -> None:
    """Run renders below the web process's priority: a live board must not wait for a toolkit's layout."""
    if nice:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - some sandboxes refuse; rendering still works
            pass


def _warm_up() -> bool:
    """Import WeasyPrint and load fonts once per worker, so the first real render is not the slow one."""
    import weasyprint

    weasyprint.HTML(string="<p lang='fr'>Préparation</p>").render(
        stylesheets=[weasyprint.CSS(string="p{font-family:'DejaVu Serif'}")])
    return True


# --- Web side ----------------------------------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_running: dict[str, Future] = {}


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
            context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, max_tasks_per_child=200,
                                        initializer=_worker_init, initargs=(nice,))
            for _ in range(workers):
                _pool.submit(_warm_up)
        return _pool


def shutdown_pool() -> None:
    """Stop the workers (tests and benchmarks call this; at exit concurrent.futures does it)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
        _running.clear()


def _gevent_active() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def _sleep(seconds: float) -> None:
    if _gevent_active():
        import gevent

        gevent.sleep(seconds)
    else:
        time.sleep(seconds)


class Renderer:
    """The cache and the pool as one object, bound to a cache directory and a number of workers."""

    def __init__(self, cache_dir: str | Path, workers: int | None = None, max_cache_bytes: int = 512 * 1024 * 1024,
                 nice: int = 10):
        self.cache_dir = Path(cache_dir)
        self.workers = max(1, int(workers if workers is not None else min(4, os.cpu_count() or 1)))
        self.nice = nice
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
        """Delete the least recently used PDFs above the size budget; return how many were removed."""
        files = sorted(self.cache_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        total, removed = 0, 0
        for path in files:
            total += path.stat().st_size
            if total > self.max_cache_bytes:
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
                removed += 1
        return removed

    # Aliases: skip building the HTML when nothing it depends on changed ---------------------------------

    def _alias_path(self, alias: str) -> Path:
        return self.cache_dir / "jobs" / f"alias-{hashlib.sha256(alias.encode()).hexdigest()}.json"

    def remember(self, alias: str, document: PdfDocument) -> None:
        """Note that `alias` (a cheap fingerprint of everything a document is made from) gives this content."""
        _write_json(self._alias_path(alias), {"key": document.key, "filename": document.filename})

    def recall(self, alias: str) -> tuple[Path, str] | None:
        """The cached PDF for a fingerprint seen before, without rebuilding its HTML; None if not rendered."""
        try:
            data = json.loads(self._alias_path(alias).read_text())
        except (OSError, ValueError):
            return None
        path = self.path_for(data["key"])
        return (path, data["filename"]) if path.exists() else None

    # Rendering ----------------------------------------------------------------------------------------

    def render_now(self, document: PdfDocument) -> Path:
        """Render in this process (CLI, tests): no pool, same cache."""
        path = self.cached(document)
        if path is None:
            if isinstance(document, PdfBook):
                render_book_to_cache(document, str(self.cache_dir), document.key, self.workers)
            else:
                render_to_cache(document.html, document.css, document.variant, str(self.cache_dir), document.key)
            path = self.path_for(document.key)
        return path

    def start(self, document: PdfDocument, owner: str | None = None) -> JobStatus:
        """Queue a render in the pool (once per content) and return a job the page can poll."""
        key = document.key
        job_id = secrets.token_urlsafe(16)
        total = self.page_count(key) or max(1, document.estimated_pages)
        _write_json(self._job_path(job_id), {"key": key, "filename": document.filename, "owner": owner,
                                             "total": total, "started": time.time()})
        if not self.path_for(key).exists():
            future = _running.get(key)
            if future is None or future.done():
                pool = _get_pool(self.workers, self.nice)
                if isinstance(document, PdfBook):  # one task; its parts fan out over `workers` processes
                    future = pool.submit(render_book_to_cache, document, str(self.cache_dir), key, self.workers)
                else:
                    future = pool.submit(render_to_cache, document.html, document.css, document.variant,
                                         str(self.cache_dir), key)
                _running[key] = future
                future.add_done_callback(lambda f, key=key: self._finished(key, f))
        return self.status(job_id)

    def _finished(self, key: str, future: Future) -> None:
        _running.pop(key, None)
        error = future.exception()
        if error is not None:
            log.error("PDF render %s failed: %r", key[:12], error)
            _write_json(self.cache_dir / "jobs" / f"{key}.error", {"message": repr(error)[:500]})
        else:
            self.prune()

    def wait(self, job: JobStatus, timeout: float, poll: float = 0.05) -> JobStatus:
        """Wait up to `timeout` seconds for a job, yielding to other greenlets/threads while it renders."""
        deadline = time.monotonic() + timeout
        status = job
        while status.state == "running" and time.monotonic() < deadline:
            _sleep(poll)
            status = self.status(job.id) or status
        return status

    def render(self, document: PdfDocument, timeout: float = 60.0) -> Path:
        """Render through the pool and wait for the file (short documents; bench and CLI-free callers)."""
        path = self.cached(document)
        if path is not None:
            return path
        status = self.wait(self.start(document), timeout)
        if status.state != "done":
            raise RuntimeError(status.message or f"PDF not ready after {timeout} s")
        return self.path_for(document.key)

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

    def clean_jobs(self) -> None:
        """Forget job files older than JOB_TTL."""
        limit = time.time() - JOB_TTL
        for path in (self.cache_dir / "jobs").iterdir():
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)


# --- Books: long documents rendered as parts, in parallel, cached part by part, then assembled --------------
#
# A 100-practice toolkit is ~220 pages; WeasyPrint lays it out in one thread at ~0.15 s CPU a page. As a book it
# is cut into parts (front matter, one part per section opening and per practice, back matter). Each practice
# part is content only (no running header/footer), so its PDF depends on the practice alone and is cached by
# its content hash: a re-export with one changed practice lays out that one. The page numbers are known once
# the parts are counted: the front matter (table of contents) and the back matter (index) are rendered with the
# real numbers, a light "running heads" document draws headers and footers ("Page n / N", section) on every
# page, and pypdf stacks it all, then adds the internal links, the bookmarks and the metadata.

PAGE_MARK = re.compile(r"\u27e6pg:([A-Za-z0-9_-]+)\u27e7")  # ⟦pg:anchor⟧ in front/back HTML -> page number


@dataclass(frozen=True)
class PdfBook:
    """A document rendered as parts. `parts`: dicts with kind (front|opening|practice|back), html, anchor
    (where links to the part land), title and level (bookmarks), section (running header). `heads_html`: the
    running-heads page template, `meta`: title, author, subject, lang."""

    parts: tuple
    css: str
    heads_css: str
    meta: dict
    filename: str
    estimated_pages: int = 1
    variant: str | None = None

    @property
    def html(self) -> str:  # what the print preview shows: the parts one after the other
        return "".join(part["html"] for part in self.parts)

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([RENDERER_VERSION, "book", self.parts, self.css, self.heads_css, self.meta],
                                 sort_keys=True).encode())
        return digest.hexdigest()


def _part_key(html: str, css: str) -> str:
    digest = hashlib.sha256()
    for piece in (RENDERER_VERSION, "part", html, "\x00", css):
        digest.update(piece.encode())
    return digest.hexdigest()


def render_part(html: str, css: str, cache_dir: str, key: str) -> dict:
    """Render one part into `<cache_dir>/parts/<key>.pdf` (skipped when cached); return its page count, the
    page of each anchor and the internal links it holds (they are resolved after assembly)."""
    import weasyprint

    folder = Path(cache_dir) / "parts"
    meta_path = folder / f"{key}.json"
    if (folder / f"{key}.pdf").exists():
        try:
            return json.loads(meta_path.read_text())
        except (OSError, ValueError):
            pass
    folder.mkdir(parents=True, exist_ok=True)
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"], timeout=1)
    document = weasyprint.HTML(string=html, base_url=str(folder), url_fetcher=fetcher).render(
        stylesheets=[_stylesheet(css)])
    anchors, links = {}, []
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
        height = page.height * 0.75
        kept = []
        for link in page.links:
            kind, target, rect, _box = link
            if kind == "internal":  # to another part: resolved after assembly, as a link annotation
                x1, y1, x2, y2 = rect
                links.append([number, target, [x1 * 0.75, height - y2 * 0.75, x2 * 0.75, height - y1 * 0.75]])
            else:
                kept.append(link)
        page.links[:] = kept
    tmp = folder / f".{key}.{os.getpid()}.pdf"
    document.write_pdf(tmp)
    os.replace(tmp, folder / f"{key}.pdf")
    meta = {"pages": len(document.pages), "anchors": anchors, "links": links}
    _write_json(meta_path, meta)
    return meta


def _numbered(html: str, pages: dict[str, int] | None) -> str:
    """Fill the ⟦pg:anchor⟧ marks with page numbers (a same-width placeholder while counting)."""
    return PAGE_MARK.sub(lambda m: str(pages.get(m[1], "")) if pages is not None else "000", html)


def _css_text(value: str) -> str:
    """A CSS string literal; `<` escaped too, so no `</style>` can come out of the data."""
    return '"' + re.sub(r'["\\\n\r<]', lambda m: " " if m[0] in "\n\r" else "\\3c " if m[0] == "<"
                        else "\\" + m[0], value) + '"'


def _heads_html(book: PdfBook, sections: list[str]) -> str:
    """One empty page per page of the book, each naming its section: WeasyPrint draws the margin boxes."""
    from html import escape

    pages = "".join(f'<div class="h" style="string-set: section {escape(_css_text(s))}"></div>' for s in sections)
    running, author = _css_text(book.meta["running"]), _css_text(book.meta["author"])
    return (f'<html lang="fr"><head><style>@page {{ @top-left {{ content: {running}; }}'
            f' @bottom-left {{ content: {author}; }} }}</style></head><body>{pages}</body></html>')


def render_book_to_cache(book: PdfBook, cache_dir: str, key: str, workers: int = 1) -> dict:
    """Render a book's parts (in `workers` processes when > 1), number the pages, assemble with pypdf."""
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    started = time.perf_counter()
    cache = Path(cache_dir)
    (cache / "jobs").mkdir(parents=True, exist_ok=True)
    progress = cache / "jobs" / f"{key}.progress"
    parts = list(book.parts)
    done = [0]

    def report(meta: dict) -> None:
        done[0] += meta["pages"]
        _write_json(progress, {"page": done[0], "step": "layout", "at": time.time()})

    def run_all(jobs: list[tuple[str, str]]) -> list[dict]:
        keys = [_part_key(html, css) for html, css in jobs]
        todo = [i for i, k in enumerate(keys) if not (cache / "parts" / f"{k}.pdf").exists()]
        results: dict[int, dict] = {}
        if workers > 1 and len(todo) > 2:
            # Never "fork" here: the caller may have threads (a pool worker's queue feeder, a test server), and a
            # child forked while one of them holds a lock hangs for ever. The forkserver preloads this module.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
                futures = {pool.submit(render_part, jobs[i][0], jobs[i][1], cache_dir, keys[i]): i for i in todo}
                for future, i in futures.items():
                    results[i] = future.result()
                    report(results[i])
        for i, (html, css) in enumerate(jobs):
            if i not in results:
                results[i] = render_part(html, css, cache_dir, keys[i])
                report(results[i])
        return [results[i] for i in range(len(jobs))]

    # 1. Every part; front and back matter with placeholder numbers (their length barely depends on them).
    metas = run_all([(_numbered(p["html"], None), book.css) for p in parts])
    for _attempt in range(3):
        starts, page = [], 1
        for meta in metas:
            starts.append(page)
            page += meta["pages"]
        pages: dict[str, int] = {}
        for part, start, meta in zip(parts, starts, metas, strict=True):
            if part.get("anchor"):
                pages.setdefault(part["anchor"], start)
            for name, number in meta["anchors"].items():
                pages.setdefault(name, start + number)
        numbered = [i for i, p in enumerate(parts) if PAGE_MARK.search(p["html"])]
        # The running heads (one empty page per page) are laid out alongside the numbered parts.
        sections = [p.get("section", "") for p, m in zip(parts, metas, strict=True) for _ in range(m["pages"])]
        heads_html = _heads_html(book, sections)
        again = run_all([(_numbered(parts[i]["html"], pages), book.css) for i in numbered]
                        + [(heads_html, book.heads_css)])
        changed = False
        for i, meta in zip(numbered, again[:len(numbered)], strict=True):
            changed |= meta["pages"] != metas[i]["pages"]
            metas[i] = meta
        if not changed:
            break
    keys = [_part_key(_numbered(p["html"], pages) if i in numbered else _numbered(p["html"], None), book.css)
            for i, p in enumerate(parts)]
    heads_key = _part_key(heads_html, book.heads_css)

    # 2. The assembly: parts one after the other, running heads stamped over every page but the cover.
    _write_json(progress, {"page": len(sections), "step": "pdf", "at": time.time()})
    heads = pypdf.PdfReader(cache / "parts" / f"{heads_key}.pdf")
    writer = pypdf.PdfWriter()
    for part_key in keys:
        writer.append(pypdf.PdfReader(cache / "parts" / f"{part_key}.pdf"), import_outline=False)
    book_pages = list(writer.pages)  # (len(writer.pages) walks the page tree each time)
    if len(heads.pages) != len(book_pages):  # never expected: numbering would be off, so refuse
        raise RuntimeError(f"running heads: {len(heads.pages)} pages for a book of {len(book_pages)}")
    for number, page in enumerate(book_pages):
        if number:  # the cover has no header or footer
            page.merge_page(heads.pages[number])
    # Internal links (table of contents, openings, index) to the pages computed above.
    for start, meta in zip(starts, metas, strict=True):
        for number, target, rect in meta["links"]:
            if target in pages:
                page = book_pages[start - 1 + number]
                destination = book_pages[pages[target] - 1]
                annotation = DictionaryObject({
                    NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
                    NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
                    NameObject("/Dest"): ArrayObject([destination.indirect_reference, NameObject("/Fit")]),
                })
                if "/Annots" not in page:
                    page[NameObject("/Annots")] = ArrayObject()
                page["/Annots"].append(writer._add_object(annotation))
    # Bookmarks: front and back matter titles, sections, and their practices.
    parent = None
    for part, start in zip(parts, starts, strict=True):
        if not part.get("title"):
            continue
        if part.get("level", 1) == 1:
            parent = writer.add_outline_item(title=part["title"], page_number=start - 1)
        else:
            writer.add_outline_item(title=part["title"], page_number=start - 1, parent=parent)
    writer.add_metadata({"/Title": book.meta["title"], "/Author": book.meta["author"],
                         "/Subject": book.meta.get("subject", ""), "/Creator": "Passerelles",
                         "/Producer": f"WeasyPrint {version('weasyprint')} + pypdf {pypdf.__version__}"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(book.meta.get("lang", "fr"))
    writer.page_mode = "/UseOutlines"
    tmp = cache / f".{key}.{os.getpid()}.pdf"
    with open(tmp, "wb") as handle:
        writer.write(handle)
    os.replace(tmp, cache / f"{key}.pdf")
    meta = {"pages": len(book_pages), "seconds": round(time.perf_counter() - started, 3)}
    _write_json(cache / f"{key}.json", meta)
    return meta
