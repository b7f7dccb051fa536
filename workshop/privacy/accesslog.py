"""The access log without personal data: gunicorn's logger (loaded by gunicorn alone, `--logger-class`) with the
remote address, the query string (join codes typed on /rejoindre), the join code of /j/CODE and the referer
left out, whatever format is asked for."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

MASK = "-"
_JOIN = re.compile(r"^/j/[^/?]+")


def masked_path(path: str | None) -> str:
    """The path with a join code replaced: /j/ABCD2345 -> /j/*."""
    return _JOIN.sub("/j/*", path or "")


class PrivateAccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = masked_path(environ.get("PATH_INFO"))
        atoms.update(h=MASK, q=MASK, f=MASK, U=path, r=f"{atoms.get('m')} {path} {atoms.get('H')}")
        for key in [k for k in atoms if k.startswith("{")]:  # headers (X-Forwarded-For, Referer, Cookie...)
            atoms[key] = MASK
        return atoms
