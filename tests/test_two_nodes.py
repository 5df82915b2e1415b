"""Two web nodes that share nothing but PostgreSQL, Redis and the bucket.

Two gunicorn processes (A and B) and a Celery worker process run on the test database, one
Redis database and the local S3 server, as replicas behind a load balancer would. A person's
requests land on either node: the session made on A is honoured on B, a file uploaded on A
is downloaded from B, a save on A shows on B's dashboard, a job asked for on A is followed
and downloaded on B, login failures spread over both nodes add up to one lockout, and so do
requests counted by a rate limit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from django.utils.html import escape

from regions.models import User
from reporting.models import Evidence, GeneratedDocument, RegionSubmission, Report
from tests.conftest import ensure_seeded
from tests.factories_reporting import PDF_BYTES
from tests.s3_server import S3Server, s3_server

requests = pytest.importorskip("requests")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("two-nodes")]
__all__ = ["s3_server"]  # a fixture, used by name

PASSWORD = "dua-node-rahasia-2026"
BASE_DIR = Path(settings.BASE_DIR)
START_TIMEOUT = 60  # seconds: a busy two-core machine; a few seconds when quiet
JOB_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


@dataclass
class Node:
    url: str
    proc: Proc
    s3: S3Server
    folder: str  # in the bucket

    def stored(self) -> list[str]:
        """The private files in the bucket, as names of the storage."""
        prefix = f"{self.folder}/private/"
        return [key.removeprefix(prefix) for key in self.s3.keys(prefix)]


def _start(name: str, argv: list[str], env: dict[str, str], tmp: Path) -> Proc:
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603 — our own interpreter, fixed arguments
            [sys.executable, *argv], cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Proc(name, popen, log)


def _ready(node: Node) -> bool:
    if node.proc.popen.poll() is not None:
        raise AssertionError(f"{node.proc.name} exited:\n{node.proc.tail()}")
    try:
        return requests.get(f"{node.url}/akun/login/", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the app
        return False


@pytest.fixture
def nodes(transactional_db, s3_server, settings, tmp_path) -> Iterator[tuple[Node, Node]]:
    """Web nodes A and B and one Celery worker, on this test's database, Redis and bucket."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("several nodes need PostgreSQL (SQLite is one machine's file)")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("several nodes need Redis (REDIS_URL)")
    ensure_seeded()
    import redis

    location = f"nodes-{uuid.uuid4().hex[:12]}"
    queue = f"espm-nodes-{uuid.uuid4().hex[:12]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        **s3_server.env(location),
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_QUEUE": queue,
        # The nodes' cache keys (rate-limit counters too) apart from other tests' on this Redis.
        "CACHE_KEY_PREFIX": location,
        "API_THROTTLE_TOKEN": "3/minute",
        "CELERY_DOCUMENTS_QUEUE": "",  # the one worker takes the document builds too
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SECRET_KEY": "two-nodes-test-secret-" + "x" * 40,
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }
    # Both nodes hold the same password hash; the test process's fast hasher is not theirs.
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "twonodessalt")
    User.objects.filter(is_demo=True).update(password=hashed)
    procs: list[Proc] = []
    try:
        made = []
        web = ["-m", "gunicorn", "espm.wsgi", "-w", "1", "--threads", "4", "--no-control-socket"]
        for name in ("a", "b"):
            port = _free_port()
            # Each node its own disk: a file that went there and not to the bucket is lost.
            disk = {**env, "PRIVATE_ROOT": str(tmp_path / f"disk-{name}")}
            proc = _start(f"node-{name}", [*web, "-b", f"127.0.0.1:{port}"], disk, tmp_path)
            procs.append(proc)
            made.append(Node(f"http://127.0.0.1:{port}", proc, s3_server, location))
        worker = "-m celery -A espm worker -P solo -l WARNING --without-gossip --without-mingle"
        disk = {**env, "PRIVATE_ROOT": str(tmp_path / "disk-worker")}
        procs.append(_start("worker", [*worker.split(), "-Q", queue], disk, tmp_path))
        for node in made:
            wait_for(lambda node=node: _ready(node), START_TIMEOUT, f"{node.proc.name} to serve")
        yield made[0], made[1]
    except BaseException:  # a process that did not start: show what it said
        for proc in procs:
            print(f"--- {proc.name}\n{proc.tail()}")
        raise
    finally:
        for proc in procs:
            proc.stop()
        redis.Redis.from_url(redis_url).delete(queue)


def _csrf(session: Any) -> dict[str, str]:
    return {"X-CSRFToken": session.cookies["csrftoken"]}


def login(node: Node, username: str) -> Any:
    session = requests.Session()
    page = session.get(f"{node.url}/akun/login/", timeout=10)
    assert page.status_code == 200
    response = session.post(
        f"{node.url}/akun/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=20,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _person_moves_between_nodes(a: Node, b: Node) -> None:
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-01"
    )
    dinkes = login(a, "klaten.dinkes")
    home = dinkes.get(f"{b.url}/", allow_redirects=False, timeout=10)  # A's session, on B
    assert home.status_code == 200  # not the redirect to the login page
    name = escape(str(User.objects.get(username="klaten.dinkes")))
    assert f">{name}</a>" in home.text

    # Upload on A, download on B (the file is in the bucket, not on A's disk).
    upload = dinkes.post(
        a.url + reverse("reporting:evidence_upload", args=[report.pk]),
        files={"file": ("kohort.pdf", PDF_BYTES, "application/pdf")},
        data={"description": "rekap"},
        headers={**_csrf(dinkes), "HX-Request": "true"},
        timeout=20,
    )
    assert upload.status_code == 200, upload.text[:500]
    evidence = Evidence.objects.get(report=report, original_name="kohort.pdf")
    assert evidence.file.name in a.stored()
    tapem = login(b, "klaten.tapem")
    for node in (b, a):
        download = tapem.get(
            node.url + reverse("reporting:evidence_download", args=[evidence.pk]),
            allow_redirects=False,
            timeout=20,
        )
        assert download.status_code == 200
        assert download.content == PDF_BYTES
        assert download.headers["Content-Disposition"] == 'attachment; filename="kohort.pdf"'
    outsider = login(a, "ngawi.dinkes")
    assert (
        outsider.get(
            b.url + reverse("reporting:evidence_download", args=[evidence.pk]), timeout=10
        ).status_code
        == 404
    )

    # Save on A, the dashboard on B: K-KES-01 had 12 301 served of a 12 597 target, every
    # quality item met: 0.8 × 12 301 / 12 597 × 100 + 0.2 × 100 = 98.12. Served 12 597 → 100.00.
    dashboard = b.url + reverse("reporting:dashboard_region_data", args=["33.10"])

    def kes01() -> dict[str, Any]:
        response = tapem.get(
            dashboard, params={"year": 2026, "quarter": 3, "sementara": "1"}, timeout=30
        )
        assert response.status_code == 200
        rows = response.json()["tables"]["services"]["rows"]
        return next(row for row in rows if row["code"] == "K-KES-01")

    assert (kes01()["capaian"], kes01()["band"]) == ("98.12", "Tuntas Utama")  # B caches it
    report.refresh_from_db()
    saved = dinkes.post(
        a.url + reverse("reporting:report_section", args=[report.pk, "recipients"]),
        data={"version": report.version, "recipients_served": "12597", "breakdown": ""},
        headers={**_csrf(dinkes), "HX-Request": "true"},
        timeout=20,
    )
    assert saved.status_code == 200, saved.text[:500]
    assert Report.objects.get(pk=report.pk).recipients_served == 12597
    assert (kes01()["capaian"], kes01()["band"]) == ("100.00", "Tuntas Paripurna")


def _job_asked_on_one_node_is_followed_on_the_other(a: Node, b: Node) -> None:
    sub = RegionSubmission.objects.get(region__code="33", period__year=2026, period__quarter=2)
    biro = login(a, "jateng.biro")
    asked = biro.post(
        a.url + reverse("reporting:recap_pdf", args=[sub.pk]),
        headers=_csrf(biro),
        allow_redirects=False,
        timeout=20,
    )
    assert asked.status_code == 302, asked.text[:500]
    doc = GeneratedDocument.objects.get(kind="recap")
    assert asked.headers["Location"] == reverse("reporting:document_status", args=[doc.pk])
    status_url = b.url + asked.headers["Location"]

    def finished() -> str:
        page = biro.get(status_url, headers={"HX-Request": "true"}, timeout=20)
        assert page.status_code == 200
        return page.text if "doc-done" in page.text or "doc-failed" in page.text else ""

    page = wait_for(finished, JOB_TIMEOUT, "the worker to build the recap")
    assert "doc-done" in page and "rekap-spm-33-2026-tw2.pdf" in page
    assert f'href="{reverse("reporting:document_download", args=[doc.pk])}"' in page
    download = biro.get(
        b.url + reverse("reporting:document_download", args=[doc.pk]),
        allow_redirects=False,
        timeout=20,
    )
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    doc.refresh_from_db()
    assert doc.file.name in a.stored()
    assert download.content.startswith(b"%PDF") and len(download.content) == doc.size


def _login_failures_on_both_nodes_add_up_to_one_lockout(a: Node, b: Node) -> None:
    limit = settings.AXES_FAILURE_LIMIT  # 5

    def attempt(node: Node, password: str) -> int:
        session = requests.Session()
        session.get(f"{node.url}/akun/login/", timeout=10)
        return session.post(
            f"{node.url}/akun/login/",
            data={
                "username": "serang.tapem",
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=20,
        ).status_code

    for i in range(limit - 1):
        assert attempt((a, b)[i % 2], "salah-sekali") == 200  # the form again, with its error
    assert attempt(b, "salah-lagi") == 429  # the fifth failure, wherever it lands, locks
    assert attempt(a, PASSWORD) == 429  # and A knows it: the right password is refused too


def _rate_limits_count_requests_on_both_nodes(a: Node, b: Node) -> None:
    """The token exchange allows 3 a minute per address here (API_THROTTLE_TOKEN): two on A
    and one on B use them up, so the fourth is refused wherever it lands."""
    token_url = reverse("api:token-obtain")

    def exchange(node: Node) -> int:
        return requests.post(node.url + token_url, json={}, timeout=20).status_code

    assert [exchange(a), exchange(b), exchange(a)] == [400, 400, 400]  # counted, then refused
    assert exchange(b) == 429
    assert exchange(a) == 429


def test_requests_land_on_either_node(nodes):
    """One test, one set of processes: a transactional test empties the seeded database
    after it, and seeding again costs more than all of these steps."""
    a, b = nodes
    _person_moves_between_nodes(a, b)
    _job_asked_on_one_node_is_followed_on_the_other(a, b)
    _login_failures_on_both_nodes_add_up_to_one_lockout(a, b)
    _rate_limits_count_requests_on_both_nodes(a, b)
