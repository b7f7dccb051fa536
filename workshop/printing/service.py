"""The app's renderer: one per app, bound to its cache folder and worker count, giving way to live boards."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

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


def render_file(document: PdfDocument | PdfBook) -> tuple[Path, int]:
    """Render in this process, waiting (CLI): the cached file and its page count."""
    renderer = get_renderer()
    path = renderer.render_now(document)
    return path, renderer.page_count(document.key) or 0
