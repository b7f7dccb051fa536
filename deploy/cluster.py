"""`make run-cluster`: the production topology on one machine, to try it.

A private PostgreSQL cluster and a Redis in a temporary directory, N gunicorn + gevent processes (3 by default),
the task worker, and nginx in front of them with deploy/nginx.conf, on http://HOST:PORT. Ctrl-C stops all of it
and removes the temporary directory. Needs PostgreSQL, redis-server and nginx from Debian (`make system-deps`).

The functions that write nginx's configuration are also what tests/test_proxy.py runs.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python deploy/cluster.py`: this tree's workshop package
    sys.path.insert(0, str(ROOT))

from workshop import devserver  # noqa: E402

SITE = ROOT / "deploy" / "nginx.conf"
BIN = ROOT / ".venv" / "bin"
ACCESS_LOG = ["--access-logfile", "-", "--logger-class", "workshop.privacy.accesslog.PrivateAccessLogger",
              "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms']


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def site_config(listen: str, upstream_ports: list[int]) -> str:
    """deploy/nginx.conf with its listen address and its upstream's servers replaced."""
    text = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n" for port in upstream_ports)
    text, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+[^\n]*\n(?:    server 127\.0\.0\.1:\d+[^\n]*\n)*",
                      servers, text, count=1)
    assert n == 1, "deploy/nginx.conf: upstream servers not found"
    text, n = re.subn(r"(?m)^    listen [^;]+;", f"    listen {listen};", text, count=1)
    assert n == 1, "deploy/nginx.conf: listen not found"
    return text


def write_nginx_config(run_dir: Path, listen: str, upstream_ports: list[int]) -> Path:
    """A whole nginx configuration, runnable without root, whose every file lives in run_dir."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "site.conf").write_text(site_config(listen, upstream_ports))
    temp = "".join(f"    {kind}_temp_path {run_dir}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = (f"daemon off;\nmaster_process on;\nworker_processes 1;\npid {run_dir}/nginx.pid;\n"
            f"error_log {run_dir}/error.log warn;\n"
            + ("user root;\n" if os.geteuid() == 0 else "")
            + "events { worker_connections 4096; }\n"
            f"http {{\n    access_log off;\n{temp}    include {run_dir}/site.conf;\n}}\n")
    path = run_dir / "nginx.conf"
    path.write_text(main)
    return path


def start_nginx(run_dir: Path, listen: str, upstream_ports: list[int], log) -> subprocess.Popen:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (make system-deps installs it)")
    conf = write_nginx_config(run_dir, listen, upstream_ports)
    check = subprocess.run([binary, "-t", "-q", "-p", str(run_dir), "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx rejected the configuration:\n{check.stderr}")
    return subprocess.Popen([binary, "-p", str(run_dir), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Return once `url` answers its home page; exit if the process exits first or the time is up."""
    if not devserver.wait_until_serving(proc, url, timeout, interval=0.2):
        raise SystemExit(f"nothing answered on {url} within {timeout} s")
    if proc.poll() is not None:
        raise SystemExit(f"{proc.args[0]} exited ({proc.returncode}) before answering on {url}")


class Cluster:
    def __init__(self, host: str, port: int, processes: int):
        self.host, self.port, self.processes = host, port, processes
        self.tmp = Path(tempfile.mkdtemp(prefix="passerelles-cluster."))
        self.children: list[subprocess.Popen] = []
        self.postgres: devserver.PostgresServer | None = None
        self.failed = False

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115  (the child's until it exits)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.children.append(proc)
        return proc

    def start_postgres(self) -> str:
        if os.geteuid() == 0:  # the postgres account must enter it to reach its cluster's directory
            shutil.chown(self.tmp, "postgres")
        self.postgres = devserver.PostgresServer(self.tmp / "pg", 5500, 5509, settings={"max_connections": "200"})
        return self.postgres.init().url

    def start_redis(self) -> str:
        binary = devserver.redis_binary()
        if binary is None:
            raise SystemExit(devserver.REDIS_MISSING)
        port = devserver.free_port(6380, 6399)
        self._spawn("redis", devserver.redis_command(binary, port, self.tmp))
        return f"redis://127.0.0.1:{port}/0"

    def run(self) -> None:
        public = f"http://{self.host}:{self.port}"
        with socket.socket() as s:
            if s.connect_ex((self.host, self.port)) == 0:
                raise SystemExit(f"{self.host}:{self.port} is taken: choose another PORT")
        self.failed = True  # until everything answers: a failed start keeps its logs
        env = dict(os.environ, DATABASE_URL=self.start_postgres(), REDIS_URL=self.start_redis(),
                   SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
                   SOCKETIO_ASYNC_MODE="gevent", PROXY_FIX="1", PUBLIC_URL=public, PYTHONUNBUFFERED="1")
        flask = [str(BIN / "flask"), "--app", "workshop"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True)
        ports = devserver.free_ports(self.processes, 8001, 8999)
        for i, port in enumerate(ports, 1):
            self._spawn(f"web{i}", [str(BIN / "gunicorn"), "-k", "gevent", "-w", "1", "--worker-connections",
                                    "2000", "--bind", f"127.0.0.1:{port}", *ACCESS_LOG, "--graceful-timeout", "5",
                                    "--no-control-socket", "wsgi:app"], env)
        self._spawn("worker", [*flask, "run-worker"], env)
        for port, proc in zip(ports, self.children[-1 - len(ports):-1], strict=True):
            wait_http(f"http://127.0.0.1:{port}", proc)
        with open(self.tmp / "nginx.log", "ab") as log:
            self.children.append(start_nginx(self.tmp / "nginx", f"{self.host}:{self.port}", ports, log))
        wait_http(public, self.children[-1])
        print(f"Passerelles: {public} (nginx, ip_hash) -> {self.processes} processes on ports "
              f"{', '.join(map(str, ports))}; PostgreSQL {env['DATABASE_URL']}; Redis {env['REDIS_URL']};\n"
              f"task worker running. Logs: {self.tmp}/*.log. Ctrl-C stops everything.", flush=True)
        self.failed = False
        self.watch()

    def watch(self) -> None:
        """Say when a child exits, and go on: killing a process or Redis is how one tries the faults out."""
        told: set[int] = set()
        while True:
            time.sleep(0.5)
            for proc in self.children:
                if proc.poll() is not None and proc.pid not in told:
                    told.add(proc.pid)
                    print(f"{Path(proc.args[0]).name} (pid {proc.pid}) exited with {proc.returncode}", flush=True)

    def stop(self) -> None:
        for proc in reversed(self.children):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.children:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.postgres:
            self.postgres.close("fast")
        if self.failed:
            print(f"Logs kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    cluster = Cluster(args.host, args.port, args.processes)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        cluster.run()
    except KeyboardInterrupt:
        pass
    except RuntimeError as error:  # no free port, PostgreSQL or nginx missing...: said, without a traceback
        raise SystemExit(str(error)) from None
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
