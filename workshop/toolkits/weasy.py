"""What every render task shares: the renderer's version (part of every cache key), one font set-up and parsed
stylesheet per process, and atomic writes of the small JSON files the web side reads (progress, page counts).

Imports neither Flask nor the app: it runs in the render pool.
"""

from __future__ import annotations

import functools
import json
import os
from importlib.metadata import version
from pathlib import Path

RENDERER_VERSION = f"passerelles-pdf-5/weasyprint-{version('weasyprint')}"


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


@functools.lru_cache(maxsize=1)
def font_config():
    """One font configuration per process: fontconfig and Pango set up once, not for every document."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.lru_cache(maxsize=8)
def stylesheet(css: str, config=None):
    """Parse the print stylesheet once per process (~90 ms each time otherwise: a third of a sheet's render)."""
    import weasyprint

    return weasyprint.CSS(string=css, font_config=config)
