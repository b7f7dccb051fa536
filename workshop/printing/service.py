"""The app's renderer: one per app, bound to its cache folder and worker count, giving way to live boards."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from workshop.live import presence
from workshop.printing.books import PdfBook
from workshop.printing.renderer import PdfDocument, Renderer


def get_renderer() -> Renderer:
    """One Renderer per app: cache in PDF_CACHE_DIR (default instance/pdf-cache), PDF_WORKERS processes."""
    app = current_app._get_current_object()
    renderer = app.extensions.get("pdf_renderer")
    if renderer is None:
        cache_dir = app.config.get("PDF_CACHE_DIR") or str(Path(app.instance_path) / "pdf-cache")
        renderer = app.extensions["pdf_renderer"] = Renderer(
            cache_dir, int(app.config.get("PDF_WORKERS") or 2), nice=int(app.config.get("PDF_WORKER_NICE", 10)),
            live=presence.live_screens)
    return renderer


STALE = "pdf_cache_stale"  # session.info key: this transaction erased text that cached PDFs may hold


def forget_cached_pdfs(session: Session) -> None:
    """Empty the PDF cache once this transaction commits (never before: a rolled-back erasure erased nothing).
    Services call it; the front that commits triggers it."""
    session.info[STALE] = True


def _clear_if_stale(session: Session) -> None:
    if session.info.pop(STALE, False) and has_app_context():
        get_renderer().clear()


def _drop_mark(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction rolled back (a savepoint's rollback keeps the mark)
        session.info.pop(STALE, None)


def install() -> None:
    """Listen to every commit for a pending cache clear (called by create_app; idempotent)."""
    if not event.contains(Session, "after_commit", _clear_if_stale):
        event.listen(Session, "after_commit", _clear_if_stale)
        event.listen(Session, "after_soft_rollback", _drop_mark)


def render_file(document: PdfDocument | PdfBook) -> tuple[Path, int]:
    """Render in this process, waiting (CLI): the cached file and its page count."""
    renderer = get_renderer()
    path = renderer.render_now(document)
    return path, renderer.page_count(document.key) or 0
