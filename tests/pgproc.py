"""A private PostgreSQL cluster that a process-level test may stop (an outage) and start again on the same port.

CI's PostgreSQL is started by .ci/run and shared by the whole pass: a test cannot restart it. This one is made with
initdb and pg_ctl from /usr/lib/postgresql/*/bin (the newest), in a directory of its own, trust authentication on
127.0.0.1, without fsync (nothing to keep after the test), as the postgres account when we are root (initdb
refuses root), like .ci/run. `PostgresMissing` when the binaries are not installed (bash .ci/system-deps).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from workshop import devserver


class PostgresMissing(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if (Path(d) / "initdb").exists()]
    if not found:
        raise PostgresMissing("PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin; "
                              "bash .ci/system-deps installs them)")
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


class PrivatePostgres:
    def __init__(self):
        self.bin = _bin_dir()
        # Not under pytest's tmp_path: the postgres account cannot enter root's 0700 directories.
        self.dir = Path(tempfile.mkdtemp(prefix="passerelles-pg-"))
        self.port = devserver.free_port(5450, 5499)
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        tried, log = [self.port], self.dir / "server.log"
        while True:
            seen = log.stat().st_size if log.exists() else 0
            try:
                return self.start()
            except RuntimeError:  # another run on this machine took the free port first: the next one
                told = log.read_bytes()[seen:].decode(errors="replace") if log.exists() else ""
                if "already in use" not in told or len(tried) == 5:
                    raise
                self.port = devserver.free_port(5450, 5499, exclude=tuple(tried))
                tried.append(self.port)

    def start(self) -> PrivatePostgres:
        """Start and return once it accepts connections (pg_ctl -w)."""
        # No fsync (the OS keeps what was written: only the server crashes here), but synchronous_commit stays on:
        # off, a stop -m immediate lost the last acknowledged cards (and participants), as a real crash would.
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.dir / "data"), "-l",
                  str(self.dir / "server.log"), "-o", options)
        return self

    def stop(self) -> None:
        """An outage: stop at once (-m immediate, as a crash; the next start recovers), every connection cut."""
        self._run("pg_ctl", "stop", "-D", str(self.dir / "data"), "-m", "immediate")

    def close(self) -> None:
        try:
            self.stop()
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
