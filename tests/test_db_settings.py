"""PostgreSQL prepares the statements a connection repeats unless told not to (a
transaction-pooling pgbouncer); the embedded SQLite default has nothing to prepare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READ = (
    "import json, os, django; os.environ['DJANGO_SETTINGS_MODULE']='espm.settings'; django.setup();"
    "from django.conf import settings as s; d=s.DATABASES['default'];"
    "print(json.dumps([d['ENGINE'], d.get('OPTIONS', {}), d['CONN_MAX_AGE']]))"
)


def database_settings(**env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.pop("DB_PREPARED_STATEMENTS", None)
    clean.update(env, SECRET_KEY="settings-test-" + "k" * 40)
    out = subprocess.run(  # noqa: S603 — our own interpreter and a fixed script
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


PG = "postgres://espm:secret@db:5432/espm"


def test_postgresql_prepares_repeated_statements_by_default():
    engine, options, max_age = database_settings(DATABASE_URL=PG)
    assert engine == "django.db.backends.postgresql"
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    assert max_age == 60  # prepared statements live as long as the connection is reused


@pytest.mark.parametrize("value", ["0", "false", "no"])
def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(value):
    engine, options, _ = database_settings(DATABASE_URL=PG, DB_PREPARED_STATEMENTS=value)
    assert engine == "django.db.backends.postgresql" and "server_side_binding" not in options


def test_sqlite_prepares_nothing():
    engine, options, max_age = database_settings()
    assert engine == "django.db.backends.sqlite3" and "server_side_binding" not in options
    assert max_age == 0
