"""The test cast is the demo cast: the same named users as `seed_demo` and the docs.

The session database is loaded once per xdist worker with the official region list,
the SPM catalog and the demo data; each test runs in a transaction rolled back after it.
Transactional tests (browser, Celery worker) flush tables, so they call `ensure_seeded`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.utils import translation

from regions.demo import KEY_USERS
from regions.models import Region, User
from tests.cast import AWKWARD_USERS, seed_awkward_cast
from tests.cast import is_seeded as awkward_cast_seeded

# Speed only: tests need no slow password hashing.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> None:
    call_command("load_regions", verbosity=0)
    try:
        call_command("load_catalog", verbosity=0)
    except Exception as exc:  # the command exists once the catalog is in the tree
        if "Unknown command" not in str(exc):
            raise
    call_command("seed_demo", verbosity=0)
    seed_awkward_cast()


def ensure_seeded() -> None:
    # 555 = root + 38 provinces + 514 kab/kota of today's list + 2 ended Papua provinces.
    if (
        not User.objects.filter(username="bangda.admin").exists()
        or Region.objects.count() < 555
        or not awkward_cast_seeded()
    ):
        _seed()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # A new test database is always seeded; one kept with --reuse-db (`make mutate`, one
    # pytest session per mutant) only when it is not seeded yet.
    with django_db_blocker.unblock():
        ensure_seeded()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the UI's default language (Indonesian): a request made in English
    leaves English active in the thread, and the next test's texts made outside a request
    (import messages, PDFs, tasks) would come out in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def cast(db) -> dict[str, User]:
    """The demo users and the awkward ones of tests/cast.py, by username."""
    users = User.objects.filter(Q(is_demo=True) | Q(username__in=AWKWARD_USERS))
    return {u.username: u for u in users}


@pytest.fixture
def login(db):
    """login("klaten.dinkes") → a Django test client logged in as that demo user."""

    def _login(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture
def celery_eager():
    """Celery tasks run inline, as in the embedded default (no REDIS_URL), whatever the env says."""
    from espm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = saved


@pytest.fixture
def region(db):
    def _region(code: str) -> Region:
        return Region.objects.get(code=code)

    return _region


__all__ = ["KEY_USERS", "ensure_seeded"]


def pytest_collection_modifyitems(config, items):
    """Under `make mutate`, a mutant's tests run fastest first.

    mutmut runs each mutant's tests with ``-x``: the first failing test kills it and ends the
    run. Ordered by the durations mutmut recorded for each test (``mutmut-stats.json``, in the
    folder it runs the tests from), a killed mutant is found after the cheap tests rather than
    after whichever slow ones happened to come first. Outside a mutant run nothing changes.
    """
    if os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats", "fail", "list_all_tests"):
        return
    stats = Path("mutmut-stats.json")
    if not stats.is_file():
        return
    durations = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
