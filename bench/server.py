"""Serve the app with gunicorn on loopback as in production (DEBUG off), for benchmarks and
the load test. Not a benchmark module itself (bench/run.py only runs ``bench_*``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    database_url: str, workers: int = 2, threads: int = 1, port: int | None = None
) -> Iterator[str]:
    """Yield the base URL of a gunicorn serving ``database_url``; stop it afterwards."""
    with gunicorn_process(database_url, workers, threads, port) as (base, _pid):
        yield base


@contextmanager
def gunicorn_process(
    database_url: str,
    workers: int = 2,
    threads: int = 1,
    port: int | None = None,
    redis_url: str = "",
) -> Iterator[tuple[str, int]]:
    """Yield the base URL and the master's pid of a gunicorn serving ``database_url``.

    With ``redis_url`` the workers share their cache and read sessions through Redis, as the
    production web nodes do (docker-compose.yml); Celery tasks still run in the request (no
    worker is started), which only makes a request heavier than in production. Without it the
    cache is each process's own and sessions are read from PostgreSQL, as ``make run``.
    """
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        # The load test creates sessions directly and drives many users from one IP.
        "API_THROTTLE_USER": "100000/hour",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    else:
        env.pop("REDIS_URL", None)  # cache + Celery stay in-process, as `make run`
    cmd = [
        str(GUNICORN),
        "espm.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        cmd += ["-k", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/akun/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.5)
        yield base, proc.pid
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def login(base: str, username: str, password: str) -> requests.Session:
    """Log in through the login form, as a person would (CSRF cookie + token)."""
    s = requests.Session()
    page = s.get(f"{base}/akun/login/", timeout=30)
    page.raise_for_status()
    token = s.cookies.get("csrftoken", "")
    r = s.post(
        f"{base}/akun/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/akun/login/"},
        timeout=60,
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise RuntimeError(f"login as {username} failed ({r.status_code})")
    s.headers["X-CSRFToken"] = s.cookies.get("csrftoken", token)
    return s
