"""The tables a cached dashboard reads are the tables its fingerprint watches — both ways.

A dashboard body is reused while the fingerprint of its key's parts (``count`` and ``xmin``
of each table's rows) is unchanged. If a dashboard began to read a table its key does not
watch, a change there would be served stale; if a key watched a table no build reads, every
unrelated write would throw the cache away. Here every cached build of every dashboard page
and data endpoint runs with its SQL captured, and the tables (not the rows) named in its
``FROM``/``JOIN`` clauses are compared with the parts of the key it was cached under.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.dashboards import cache as dc
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report

Q = 2
PARAMS = {"year": YEAR, "quarter": Q}
TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"([a-z0-9_]+)"', re.IGNORECASE)

# Read by a build but not part of the figures: who is asking. The user's grants are part of
# every key already (``scope_signature``), so these may be read without being watched.
WHO_ASKS = {"regions_user", "regions_membership", "django_session"}

PAGES = [
    ("reporting:dashboard_national", []),
    ("reporting:dashboard_national_data", []),
    ("reporting:dashboard_province", ["33"]),
    ("reporting:dashboard_province_data", ["33"]),
    ("reporting:dashboard_region", ["33.10"]),
    ("reporting:dashboard_region_data", ["33.10"]),
    ("reporting:quality_dashboard", []),
    ("reporting:quality_dashboard_data", []),
]


@pytest.fixture
def built(db, login, monkeypatch):
    """Every (key, tables read) of the cached builds while the dashboards are opened."""
    st = catalog()
    p = PeriodFactory(quarter=Q)
    report("33.10", st["K-DIK-01"], p, "60")
    report("33.10", st["K-KES-01"], p, "80")
    report("33", st["P-DIK-01"], p, "90")
    seen: list[tuple[dc.Key, set[str]]] = []

    def build_and_record(user, key, build):
        with CaptureQueriesContext(connection) as ctx:
            value = build()
        read = {t.lower() for q in ctx.captured_queries for t in TABLE.findall(q["sql"])}
        seen.append((key, read))
        return value

    monkeypatch.setattr(dc, "cached", build_and_record)
    visits = [("bangda.admin", page) for page in PAGES] + [
        # An agency's operator reads its region's dashboard limited to its own services.
        ("klaten.dinkes", ("reporting:dashboard_region", ["33.10"])),
        ("klaten.dinkes", ("reporting:dashboard_region_data", ["33.10"])),
    ]
    # The data-quality view narrowed to a province and to one region.
    visits += [
        ("bangda.admin", (name, [], {"province": "33"}))
        for name in ("reporting:quality_dashboard", "reporting:quality_dashboard_data")
    ]
    visits += [
        ("bangda.admin", (name, [], {"region": "33.10"}))
        for name in ("reporting:quality_dashboard", "reporting:quality_dashboard_data")
    ]
    for username, (name, args, *narrow) in visits:
        params = {**PARAMS, **(narrow[0] if narrow else {})}
        response = login(username).get(reverse(name, args=args), params)
        assert response.status_code == 200, (username, name)
    return seen


def test_every_table_a_cached_build_reads_is_watched_by_its_key(built):
    kinds = {key.kind for key, _read in built}
    # Every dashboard above went through the cache (none bypasses it).
    assert {"national", "national-data", "province", "province-data", "region"} <= kinds
    assert any(k.startswith("quality") for k in kinds)
    for key, read in built:
        watched = {table for table, _where, _params in key.parts}
        assert read, key.kind  # the build ran its queries inside the spy
        unwatched = read - watched - WHO_ASKS
        assert not unwatched, f"{key.kind} reads {sorted(unwatched)} without watching them"


def test_every_watched_table_is_read_by_some_build_of_its_dashboard(built):
    read_by_kind: dict[str, set[str]] = defaultdict(set)
    watched_by_kind: dict[str, set[str]] = defaultdict(set)
    for key, read in built:
        read_by_kind[key.kind] |= read
        watched_by_kind[key.kind] |= {table for table, _w, _p in key.parts}
    for kind, watched in watched_by_kind.items():
        idle = watched - read_by_kind[kind]
        assert not idle, f"{kind} watches {sorted(idle)} that none of its builds reads"
