"""The embedded default (SQLite, `make run`): settings that survive parallel writes.

`make test` runs this file, the audit trail and the matrix's page cases on SQLite as well.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Eight threads each read a counter then write it back, in one transaction each: with
# SQLite's default DEFERRED transactions the read lock cannot be upgraded while another
# reader holds one ("database is locked" at once, the busy timeout does not help).
PARALLEL_WRITES = textwrap.dedent(
    """
    import os, threading, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "espm.settings"
    django.setup()
    from django.db import connection, connections, transaction
    with connection.cursor() as c:
        c.execute("CREATE TABLE counter (n integer)")
        c.execute("INSERT INTO counter VALUES (0)")
        mode = c.execute("PRAGMA journal_mode").fetchone()[0]
    errors = []
    barrier = threading.Barrier(8)

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic(), connection.cursor() as c:
                    n = c.execute("SELECT n FROM counter").fetchone()[0]
                    c.execute("UPDATE counter SET n = %s", [n + 1])
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    with connection.cursor() as c:
        total = c.execute("SELECT n FROM counter").fetchone()[0]
    print(mode, total, len(errors), errors[:1])
    """
)


def _run_on_sqlite(tmp_path: Path, code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'espm.sqlite3'}"
    out = subprocess.run(  # noqa: S603 — our own interpreter and a fixed script
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_parallel_writes_on_sqlite_wait_instead_of_failing(tmp_path):
    mode, total, errors, first = _run_on_sqlite(tmp_path, PARALLEL_WRITES).split(" ", 3)
    assert mode == "wal"
    assert errors == "0", first
    assert total == str(8 * 5)  # no lost update either: each transaction held the write lock


def test_embedded_default_settings():
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='espm.settings'; django.setup();"
        "from django.conf import settings as s; o=s.DATABASES['default']['OPTIONS'];"
        "print(s.DATABASES['default']['ENGINE'], o['transaction_mode'], o['timeout'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE", "20"]


@pytest.mark.django_db
def test_audit_csv_lists_every_row_of_the_page(login):
    """On SQLite the UNION of history tables failed: the page 500'd and the CSV had a header only."""
    from django.urls import reverse

    client = login("klaten.inspektorat")
    page = client.get(reverse("reporting:audit_trail"))
    assert page.status_code == 200
    total = page.context["page"].paginator.count
    assert total > 0
    csv_response = client.get(reverse("reporting:audit_trail_csv"))
    assert csv_response.status_code == 200
    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 1 + min(total, 20_000)
