"""One figure, one number: the region page's positions follow the *sementara* switch, and the
sector, service-type and band figures count exactly the reports of the ranking's regions.

Expected values are worked out by hand: the test catalog has three kab/kota service types,
and a period's universe is every active autonomous region unless Bangda changed it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regions.models import Region, User
from reporting.dashboards import selectors as d
from reporting.models import Report
from reporting.rules import universe
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report

KABKOTA = ("K-DIK-01", "K-KES-01", "K-KES-02")
# Regions expected to report kab/kota services nationally: 415 kabupaten + 93 kota + DKI.
NATION_KABKOTA = 415 + 93 + 1


@pytest.fixture
def bangda(db):
    return User.objects.get(username="bangda.admin")


def test_region_page_positions_follow_the_provisional_switch(bangda):
    st = catalog()
    p = PeriodFactory(quarter=2)
    for code in KABKOTA:
        report("33.10", st[code], p, "85")  # verified: 85 official and provisional
        report("33.11", st[code], p, "100", status=Report.Status.DRAFT)  # complete drafts
    nat = d.national_dashboard(bangda, YEAR, 2, provisional=True)
    assert {r.key: r.rank for r in nat.ranking if r.rank} == {"33.11": 1, "33.10": 2}

    def page(code: str, provisional: bool) -> d.RegionDashboard:
        region = Region.objects.get(code=code)
        return d.region_dashboard(bangda, region, YEAR, 2, provisional=provisional)

    sukoharjo, klaten = page("33.11", True), page("33.10", True)
    assert sukoharjo.mean == Decimal("100.00")
    assert (sukoharjo.national.rank, sukoharjo.national.province_rank) == (1, 1)
    assert (klaten.national.rank, klaten.national.province_rank) == (2, 2)
    assert (klaten.national_of, klaten.province_of) == (2, 2)
    # Official figures: the drafts do not count, Klaten stands alone.
    official = page("33.10", False)
    assert (official.national.rank, official.national_of, official.province_of) == (1, 1, 1)
    assert page("33.11", False).national.rank is None


@pytest.fixture
def klaten_left_out(bangda):
    """Klaten (33.10) and Sukoharjo (33.11) report every kab/kota service at 85; Bangda takes
    Klaten out of the period's universe: it is not measured, so its reports count nowhere."""
    st = catalog()
    p = PeriodFactory(quarter=2)
    for code in ("33.10", "33.11"):
        for service in KABKOTA:
            report(code, st[service], p, "85")
    universe.snapshot(p, bangda)
    universe.change(p, bangda, remove=["33.10"], reason="dikeluarkan dari periode ini (uji)")
    return p


@pytest.mark.parametrize("province", [None, "33"])
def test_a_region_outside_the_universe_counts_in_no_figure(bangda, klaten_left_out, province):
    prov = Region.objects.get(code=province) if province else None
    dash = d.national_dashboard(bangda, YEAR, 2, province=prov)
    assert "33.10" not in {r.key for r in dash.ranking}
    # Kab/kota of Jawa Tengah: 29 kabupaten + 6 kota = 35, less Klaten.
    expected_regions = 34 if province else NATION_KABKOTA - 1
    k_dik = {r.key: r for r in dash.service_types}["K-DIK-01"]
    assert (k_dik.expected, k_dik.reported, k_dik.mean_reported) == (
        expected_regions,
        1,
        Decimal("85.00"),
    )
    kes = {r.key: r for r in dash.sectors}["KES"]
    assert kes.reported == 2  # Sukoharjo's two health services
    bands = {b.band: b.count for b in dash.bands}
    assert bands["Tuntas Madya"] == 3
    assert dash.reported_reports == 3 == sum(r.reported for r in dash.ranking)
    # The API's roll-up by sector reads the same rows without a ranking at hand.
    by_sector = {r.key: r for r in d.capaian_rollup(bangda, YEAR, 2, "sector", province=prov)}
    assert by_sector["KES"].reported == 2


def test_the_maintained_rows_serve_when_every_counted_report_is_in_the_universe(bangda):
    st = catalog()
    p = PeriodFactory(quarter=2)
    for service in KABKOTA:
        report("33.10", st[service], p, "85")
    scope = d.scope_for(bangda)
    with CaptureQueriesContext(connection) as ctx:
        rows = d.service_band_totals(scope, p, counted_in_universe=3)
    assert sum(r["n"] for r in rows) == 3
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "reporting_servicefigure" in tables and "reporting_report" not in tables
    # A count that disagrees (a region outside the universe) reads the reports instead.
    with CaptureQueriesContext(connection) as ctx:
        rows = d.service_band_totals(scope, p, counted_in_universe=2)
    assert sum(r["n"] for r in rows) == 3  # all three are in today's universe after all
    assert "reporting_report" in " ".join(q["sql"] for q in ctx.captured_queries)
