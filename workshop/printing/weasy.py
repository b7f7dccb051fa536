"""What every render task shares: the renderer's version (part of every cache key), one font set-up and parsed
stylesheet per process, and atomic writes of the small JSON files the web side reads (progress, page counts).

Imports neither Flask nor the app: it runs in the render pool.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
from importlib.metadata import version
from pathlib import Path

RENDERER_VERSION = f"passerelles-pdf-5/weasyprint-{version('weasyprint')}"


def write_json(path: Path, data: dict) -> None:
    """Write atomically; the folder is made again if the cache was emptied while the server runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def spool(cache_dir: str | Path, key: str, html: str, css: str, variant: str | None) -> str:
    """Hand a render job to the pool as a file and return its path.

    Why: the pool's tasks travel through a pipe; while the workers are busy a pipe of 64 KB fills with a few
    HTML payloads, and the next write blocks the whole gevent web process (measured: live boards stalled 1-2 s
    while a toolkit rendered). A path is a few bytes.
    """
    path = Path(cache_dir) / "jobs" / f"{key}.{secrets.token_hex(4)}.job"  # two builds may share a part
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"html": html, "css": css, "variant": variant})
    return str(path)


def unspool(source: str) -> tuple[str, str, str | None]:
    """The (html, css, variant) of a spooled job; the file is removed (stale ones expire with the job files)."""
    path = Path(source)
    job = json.loads(path.read_text())
    path.unlink(missing_ok=True)
    return job["html"], job["css"], job["variant"]


@functools.lru_cache(maxsize=1)
def font_config():
    """One font configuration per process: fontconfig and Pango set up once, not for every document."""
    from weasyprint.text.fonts import FontConfiguration  # render worker only: keeps WeasyPrint off the web process

    return FontConfiguration()


@functools.lru_cache(maxsize=8)
def stylesheet(css: str, config=None):
    """Parse the print stylesheet once per process (~90 ms each time otherwise: a third of a sheet's render)."""
    import weasyprint  # render worker only: keeps WeasyPrint off the web process

    return weasyprint.CSS(string=css, font_config=config)


def lay_out(html: str, css: str, variant: str | None, base_url: str):
    """Lay out a document. No network or file access while rendering user content: only inline data: URIs."""
    import weasyprint  # render worker only: keeps WeasyPrint off the web process

    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"], timeout=1)
    config = font_config()
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=[stylesheet(css, config)], font_config=config, pdf_variant=variant)


def write_pdf(document, path: Path, variant: str | None) -> None:
    """Write a laid-out document atomically: a reader of the cache never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    document.write_pdf(tmp, pdf_variant=variant)
    os.replace(tmp, path)
