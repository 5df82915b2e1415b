"""The consistent dashboard cache: reused while nothing changed, never once something did.

Transactional tests: the cache is only used outside a transaction with writes of its own,
i.e. as in production, where every save is its own committed transaction.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.models import Region, User
from reporting.dashboards import cache as dc
from reporting.models import Report
from reporting.rules.capaian import band_for
from tests.conftest import ensure_seeded
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report

Q = 2
PARAMS = {"year": YEAR, "quarter": Q}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def committed():
    if connection.vendor != "postgresql":
        pytest.skip("the fingerprint reads PostgreSQL's xmin")
    ensure_seeded()
    st = catalog()
    p = PeriodFactory(quarter=Q)
    klaten = report("33.10", st["K-DIK-01"], p, "60")
    report("33.10", st["K-KES-01"], p, "80")
    report("33", st["P-DIK-01"], p, "90")
    return klaten


def client(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def counted(c: Client, url: str, params=PARAMS) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    # The figures (the frame around them holds a per-request CSRF token).
    return len(ctx.captured_queries), html[html.index('<main id="main">') :]


def set_index(pk: int, value: str) -> None:
    """A bulk update: no model save, no signal — the fingerprint must still see it."""
    Report.objects.filter(pk=pk).update(capaian_index=Decimal(value), band=band_for(Decimal(value)))


def tables(c: Client, url: str) -> dict:
    return json.loads(c.get(url, PARAMS).content)["tables"]


def check_repeated_reads_are_reused_and_every_commit_shows_at_once(committed):
    admin = client("bangda.admin")
    for name, args in (
        ("reporting:dashboard_national", []),
        ("reporting:dashboard_province", ["33"]),
        ("reporting:dashboard_region", ["33.10"]),
    ):
        url = reverse(name, args=args)
        first, html = counted(admin, url)
        again, html_again = counted(admin, url)
        assert again < first and again <= 9, (name, first, again)
        assert html_again == html
        set_index(committed.pk, "97.5")
        changed, html_changed = counted(admin, url)
        assert changed > again, name  # computed afresh after the commit
        assert html_changed != html
        set_index(committed.pk, "60")

    data = reverse("reporting:dashboard_region_data", args=["33.10"])
    before = tables(admin, data)["services"]["rows"]
    assert tables(admin, data)["services"]["rows"] == before
    set_index(committed.pk, "12.5")
    rows = {r["code"]: r for r in tables(admin, data)["services"]["rows"]}
    assert rows["K-DIK-01"]["capaian"] == "12.50"


def check_contacts_and_new_reports_are_not_served_stale(committed):
    biro = client("jateng.biro")
    url = reverse("reporting:dashboard_province", args=["33"])
    _n, html = counted(biro, url)
    Region.objects.filter(code="33.11").update(contact_name="Kontak Baru Uji Cache")
    _n, html = counted(biro, url)
    assert "Kontak Baru Uji Cache" in html
    data = reverse("reporting:dashboard_province_data", args=["33"])
    reported = {r["code"]: r["reported"] for r in tables(biro, data)["ranking"]["rows"]}
    report("33.11", catalog()["K-DIK-01"], committed.period, "70")
    after = {r["code"]: r["reported"] for r in tables(biro, data)["ranking"]["rows"]}
    assert after["33.11"] == reported["33.11"] + 1
    Report.objects.filter(region__code="33.11", period=committed.period).delete()
    assert {r["code"]: r["reported"] for r in tables(biro, data)["ranking"]["rows"]} == reported


def check_a_save_elsewhere_reaches_the_region_pages_rank(committed):
    """The region page ranks the region among all of its level: a report counted in another
    region (read from the maintained rows, not the period's reports) changes it at once."""
    dik = catalog()["K-DIK-01"]  # before the first read: it writes the catalog year
    tapem = client("klaten.tapem")
    url = reverse("reporting:dashboard_region", args=["33.10"])
    counted(tapem, url)
    again, html = counted(tapem, url)
    assert again <= 9  # served from the cache
    assert "dari 1 kabupaten/kota di provinsinya" in html
    report("33.11", dik, committed.period, "99")
    _n, html = counted(tapem, url)
    assert "dari 2 kabupaten/kota di provinsinya" in html
    Report.objects.filter(region__code="33.11", period=committed.period).delete()


def check_region_data_is_kept_through_a_save_elsewhere(committed):
    """The region's data tables carry no ranking positions, so their key watches only the
    region's own rows: a report saved in another region keeps the body (no query of the
    build), one saved in the region shows at once."""
    dik = catalog()["K-DIK-01"]
    tapem = client("klaten.tapem")
    url = reverse("reporting:dashboard_region_data", args=["33.10"])
    tables(tapem, url)
    with CaptureQueriesContext(connection) as cached_read:
        before = tables(tapem, url)
    report("33.11", dik, committed.period, "99")
    with CaptureQueriesContext(connection) as after_elsewhere:
        assert tables(tapem, url) == before
    assert len(after_elsewhere.captured_queries) == len(cached_read.captured_queries)
    set_index(committed.pk, "12.5")
    rows = {r["code"]: r for r in tables(tapem, url)["services"]["rows"]}
    assert rows["K-DIK-01"]["capaian"] == "12.50"
    Report.objects.filter(region__code="33.11", period=committed.period).delete()
    set_index(committed.pk, "60")


def check_region_pages_share_one_ranking(committed, monkeypatch):
    """Every region page of a level shows its place in one national ranking: computed once
    for all readers while the period's figures stand, afresh after a save anywhere."""
    from reporting.dashboards import selectors

    st = catalog()
    computed = []
    real = selectors.peer_positions

    def spy(*args):
        computed.append(args[0])
        return real(*args)

    monkeypatch.setattr(selectors, "peer_positions", spy)
    klaten = (client("klaten.tapem"), reverse("reporting:dashboard_region", args=["33.10"]))
    ngawi = (client("ngawi.tapem"), reverse("reporting:dashboard_region", args=["35.21"]))
    counted(*klaten)
    _n, html = counted(*ngawi)  # another user, another region, another province
    assert computed == [("kabupaten", "kota")]
    assert "Belum diperingkat pada periode ini." in html
    # Ngawi's two reports at 99 outrank Klaten's 60 and 80 over the same expected services.
    report("35.21", st["K-DIK-01"], committed.period, "99")
    report("35.21", st["K-KES-01"], committed.period, "99")
    _n, html = counted(*ngawi)
    assert "#1 <small>dari 2 secara nasional" in html
    _n, html = counted(*klaten)
    assert "#2 <small>dari 2 secara nasional" in html
    assert computed == [("kabupaten", "kota")] * 2
    Report.objects.filter(region__code="35.21", period=committed.period).delete()


def check_users_share_a_body_only_with_the_same_grants(committed):
    url = reverse("reporting:dashboard_national_data")
    everything = tables(client("bangda.admin"), url)
    sector = tables(client("kemenkes.viewer"), url)  # read after the admin's body was cached
    assert {r["key"] for r in sector["sectors"]["rows"]} == {"KES"}
    assert {r["key"] for r in everything["sectors"]["rows"]} >= {"DIK", "KES"}
    admin = User.objects.get(username="bangda.admin")
    viewer = User.objects.get(username="kemenkes.viewer")
    assert dc.scope_signature(admin) != dc.scope_signature(viewer)


def check_the_language_is_part_of_the_key(committed):
    admin = client("bangda.admin")
    url = reverse("reporting:dashboard_national")
    _n, indonesian = counted(admin, url)
    admin.cookies["django_language"] = "en"
    response = admin.get(url, PARAMS)
    english = response.content.decode()
    assert 'lang="en"' in english
    assert english[english.index('<main id="main">') :] != indonesian


def check_nothing_is_cached_inside_a_transaction_with_its_own_writes(committed, settings):
    calls = []
    key = dc.Key("test", (1,), dc.national_parts(YEAR, Q, figures=False))
    admin = User.objects.get(username="bangda.admin")
    with transaction.atomic():
        set_index(committed.pk, "55")
        assert dc.cache_key(admin, key) is None
        dc.cached(admin, key, lambda: calls.append(1))
        dc.cached(admin, key, lambda: calls.append(1))
    assert len(calls) == 2
    assert dc.cached(admin, key, lambda: "built") == "built"
    assert dc.cached(admin, key, lambda: "again") == "built"  # reused: nothing changed
    settings.DASHBOARD_CACHE_SECONDS = 0
    assert dc.cached(admin, key, lambda: "off") == "off"


# One database, seeded once per test: each transactional test re-seeds after the flush.


def test_reused_while_unchanged_and_fresh_after_every_commit(committed):
    check_repeated_reads_are_reused_and_every_commit_shows_at_once(committed)
    check_contacts_and_new_reports_are_not_served_stale(committed)
    check_a_save_elsewhere_reaches_the_region_pages_rank(committed)
    check_region_data_is_kept_through_a_save_elsewhere(committed)


def test_region_pages_share_one_ranking(committed, monkeypatch):
    check_region_pages_share_one_ranking(committed, monkeypatch)


def test_key_separates_scopes_and_languages_and_skips_own_writes(committed, settings):
    check_users_share_a_body_only_with_the_same_grants(committed)
    check_the_language_is_part_of_the_key(committed)
    check_nothing_is_cached_inside_a_transaction_with_its_own_writes(committed, settings)


@pytest.mark.django_db(transaction=False)
def test_the_process_memory_is_bounded_by_entries_bytes_and_age(settings, monkeypatch):
    settings.DASHBOARD_LOCAL_ENTRIES = 2
    settings.DASHBOARD_LOCAL_BYTES = 10
    memory = dc.RecentEntries()
    memory.set("a", "aaaa", 60)
    memory.set("b", "bbbb", 60)
    assert memory.get("a") == "aaaa"  # now the most recent: "b" goes first
    memory.set("c", "cc", 60)
    assert (memory.get("a"), memory.get("b"), memory.get("c")) == ("aaaa", None, "cc")
    memory.set("d", "dddddd", 60)  # 4 + 2 + 6 bytes > 10: the oldest goes
    assert memory.get("a") is None and memory.get("d") == "dddddd"
    memory.set("big", "x" * 11, 60)  # larger than the whole memory: not kept
    assert memory.get("big") is None and memory.get("d") == "dddddd"
    now = dc.time.monotonic()
    monkeypatch.setattr(dc.time, "monotonic", lambda: now + 61)
    assert memory.get("d") is None  # older than the cache's lifetime
    settings.DASHBOARD_LOCAL_ENTRIES = 0
    memory.set("e", "e", 60)
    assert memory.get("e") is None  # 0 turns the process memory off
