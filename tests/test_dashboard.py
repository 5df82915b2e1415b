"""Dashboards with a small scenario computed by hand (test catalog year 2031, TW II).

Expected per region: 2 provincial and 3 kab/kota service types (tests/factories_dashboard.py);
DKI Jakarta's province (31) carries both (5). The universe is today's 546 regions (38
provinces, 415 kabupaten, 93 kota: DKI's six administrative units do not report). Official
figures count verified reports only; a region's figure is the index over all its expected
service types, a missing one counting 0 (SPM.md §5).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from regions.models import Region, User
from reporting.dashboards import selectors as d
from reporting.models import RegionSubmission
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report, submission

S = RegionSubmission.Status


@pytest.fixture(autouse=True)
def _indonesian():
    """Texts are asserted in Indonesian, whatever language an earlier test left active."""
    with translation.override("id"):
        yield


Q = 2


@pytest.fixture
def scenario(db):
    st = catalog()
    p = PeriodFactory(quarter=Q)
    # Provinces: 33 complete + accepted on time; 35 one service missing, submitted late;
    # 36 has a report row that nobody has filled in yet.
    report("33", st["P-DIK-01"], p, "90")
    report("33", st["P-KES-01"], p, "70")
    submission("33", p, S.ACCEPTED)
    report("35", st["P-DIK-01"], p, "80")
    submission("35", p, S.SUBMITTED, days_before_due=-2)
    report("36", st["P-DIK-01"], p, None, entered=False)
    # Kabupaten: three at 85.00 to exercise the tie rule, one at 50.
    for code in ("33.10", "33.13", "33.11"):
        for s in ("K-DIK-01", "K-KES-01", "K-KES-02"):
            report(code, st[s], p, "85")
    submission("33.10", p, S.SUBMITTED)
    submission("33.13", p, S.SUBMITTED)
    report("35.21", st["K-DIK-01"], p, "80")
    report("35.21", st["K-KES-01"], p, "90")
    # Sent after the period's due date but before its own (reopened) due date: on time.
    submission("35.21", p, S.SUBMITTED, due_date=p.due_date.replace(day=31), days_before_due=6)
    report("33.12", st["K-DIK-01"], p, "50", status="draft")
    # Kota: Serang entered, its submission was returned.
    report("36.73", st["K-KES-01"], p, "100")
    submission("36.73", p, S.RETURNED)
    return p


def bangda():
    return User.objects.get(username="bangda.admin")


def by_level(rows):
    return {r.level: r for r in rows}


def test_input_status_counts_and_percentages_by_hand(scenario):
    rows = by_level(d.input_status(bangda(), YEAR, Q))
    prov, kab, kota = rows["province"], rows["kabupaten"], rows["kota"]
    assert (prov.total, prov.entered, prov.submitted, prov.accepted, prov.nothing) == (
        38,
        2,
        2,
        1,
        36,
    )
    assert (prov.entered_pct, prov.accepted_pct, prov.nothing_pct) == (
        Decimal("5.26"),
        Decimal("2.63"),
        Decimal("94.74"),
    )
    assert (prov.on_time, prov.late, prov.missing) == (1, 1, 36)
    assert (kab.total, kab.entered, kab.submitted, kab.accepted, kab.nothing) == (415, 5, 3, 0, 410)
    # 5 / 415 = 1.2048…, 3 / 415 = 0.7228…
    assert (kab.entered_pct, kab.submitted_pct) == (Decimal("1.20"), Decimal("0.72"))
    assert (kab.on_time, kab.late, kab.missing) == (3, 0, 412)
    assert (kota.total, kota.entered, kota.submitted, kota.nothing) == (93, 1, 0, 92)
    assert kota.entered_pct == Decimal("1.08")  # 1 / 93 = 1.0752…


def test_no_period_yet_counts_everyone_as_nothing(scenario):
    rows = by_level(d.input_status(bangda(), YEAR, 4))
    assert rows["kota"].total == 93 and rows["kota"].nothing == 93 and rows["kota"].entered == 0


def test_region_rollup_counts_missing_reports(scenario):
    rows = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, Q, by="region")}
    ngawi = rows["35.21"]
    # (80 + 90 + 0) / 3 expected; the mean of what was reported, (80 + 90) / 2, beside it.
    assert d.round2(ngawi.mean) == Decimal("56.67")
    assert (ngawi.mean_reported, ngawi.reported, ngawi.missing) == (Decimal(85), 2, 1)
    assert ngawi.completeness_text == "2 dari 3 layanan"
    assert (rows["35"].mean, rows["35"].mean_reported, rows["35"].missing) == (
        Decimal(40),
        Decimal(80),
        1,
    )
    # A draft does not count in official figures: Sukoharjo has none, so no figure and no rank.
    assert (rows["33.12"].mean, rows["33.12"].reported, rows["33.12"].rank) == (None, 0, None)
    # The unfilled report row of Banten is missing, not a zero.
    assert (rows["36"].mean, rows["36"].reported, rows["36"].missing) == (None, 0, 2)
    assert rows["51.01"].missing == 3 and rows["51.01"].rank is None


def test_sector_and_service_type_rollups(scenario):
    sectors = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, Q, by="sector")}
    # K- services are expected of 415 kabupaten + 93 kota + DKI's province = 509.
    assert sectors["DIK"].reported == 6 and sectors["DIK"].expected == 38 + 509
    # 90 + 80 + 3 × 85 + 80 = 505 (the draft 50 of 33.12 does not count).
    assert d.round2(sectors["DIK"].mean_reported) == Decimal("84.17")  # 505 / 6
    assert d.round2(sectors["DIK"].mean) == Decimal("0.92")  # 505 / 547
    assert sectors["KES"].reported == 9 and sectors["KES"].missing == 38 + 509 * 2 - 9
    assert d.round2(sectors["KES"].mean_reported) == Decimal("85.56")  # 770 / 9
    assert d.round2(sectors["KES"].mean) == Decimal("0.73")  # 770 / 1056
    types = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, Q, by="service_type")}
    assert (types["P-KES-01"].mean_reported, types["P-KES-01"].missing) == (Decimal(70), 37)
    assert d.round2(types["P-KES-01"].mean) == Decimal("1.84")  # 70 / 38


def test_ranking_order_and_tie_rule(scenario):
    ranking = d.capaian_rollup(bangda(), YEAR, Q, by="region")
    kab = [r.key for r in ranking if r.level == "kabupaten" and r.rank is not None]
    # 85.00 × 3 (all three services): on time by code (33.10 < 33.13), then not sent (33.11);
    # Ngawi's partial reporting, (80 + 90 + 0) / 3 = 56.67, ranks below all of them even though
    # the mean of what it reported (85) is the same. The draft of 33.12 does not count.
    assert kab == ["33.10", "33.13", "33.11", "35.21"]
    prov = [r.key for r in ranking if r.level == "province" and r.rank is not None]
    assert prov == ["33", "35"]  # (90 + 70) / 2 = 80 before (80 + 0) / 2 = 40
    rows = {r.key: r for r in ranking}
    assert (rows["33.10"].rank, rows["33.10"].province_rank) == (1, 1)
    assert (rows["35.21"].rank, rows["35.21"].province_rank) == (4, 1)
    assert rows["33.11"].province_rank == 3


def test_award_candidates_follow_the_rule(scenario, settings):
    dash = d.national_dashboard(bangda(), YEAR, Q)
    assert [r.key for r in dash.awards["kabupaten"]] == ["33.10", "33.13"]
    assert [r.key for r in dash.awards["province"]] == ["33"]
    settings.SPM_AWARD_RULE = {"max_missing": 1, "require_on_time": False, "top": 3}
    dash = d.national_dashboard(bangda(), YEAR, Q)
    assert [r.key for r in dash.awards["kabupaten"]] == ["33.10", "33.13", "33.11"]
    # 7 regions have a figure: 80, 40, 85, 85, 85, 170/3, 100/3 → 465 / 7 = 66.4285…
    assert d.round2(dash.average) == Decimal("66.43")
    assert dash.averaged_of == (7, 546)
    levels = {label: (n, m) for label, _mean, n, m in dash.level_averages}
    assert levels == {"Provinsi": (2, 38), "Kabupaten": (4, 415), "Kota": (1, 93)}


def test_sector_viewer_sees_only_its_sector(scenario):
    viewer = User.objects.get(username="kemenkes.viewer")
    rows = by_level(d.input_status(viewer, YEAR, Q))
    assert rows["province"].total == 38 and rows["province"].entered == 1  # only 33 has KES
    assert rows["kabupaten"].entered == 4  # 33.12 reported DIK only
    sectors = d.capaian_rollup(viewer, YEAR, Q, by="sector")
    assert [s.key for s in sectors] == ["KES"]
    regions = {r.key: r for r in d.capaian_rollup(viewer, YEAR, Q, by="region")}
    assert regions["33"].mean == Decimal(70) and regions["33"].expected == 1
    assert regions["35.21"].reported == 1 and regions["35.21"].expected == 2
    assert regions["35.21"].mean == Decimal(45)  # (90 + 0) / 2


def test_a_viewer_of_two_sectors_sees_them_named_and_separated(scenario, login):
    from regions.models import Membership
    from regions.roles import Role

    viewer = User.objects.get(username="kemenkes.viewer")
    national = Region.objects.get(code="00")
    Membership.objects.create(
        user=viewer, role=Role.SECTOR_VIEWER, region=national, sector_code="DIK"
    )
    dash = d.national_dashboard(viewer, YEAR, Q)
    assert dash.sector_limit_names == ["Kesehatan", "Pendidikan"]
    html = login("kemenkes.viewer").get(
        reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": Q}
    )
    assert "Kesehatan, Pendidikan" in html.content.decode()


def test_province_dashboard_scope_and_contacts(scenario, login):
    client = login("jateng.biro")
    response = client.get(
        reverse("reporting:dashboard_province", args=["33"]), {"year": YEAR, "quarter": Q}
    )
    assert response.status_code == 200
    dash = response.context["dash"]
    rows = by_level(dash.status)
    assert rows["province"].total == 1 and rows["kabupaten"].total == 29 and rows["kota"].total == 6
    assert rows["kabupaten"].entered == 4
    assert {r["code"] for r in dash.not_entered} >= {"33.01", "33.71"}
    assert "33.10" not in {r["code"] for r in dash.not_entered}
    assert all(r.province_code == "33" for r in dash.ranking)
    assert [r.key for r in dash.top("kabupaten")] == ["33.10", "33.13", "33.11"]


def test_region_dashboard_missing_trend_and_rank(scenario, login):
    st = catalog()
    earlier = PeriodFactory(quarter=1)
    report("35.21", st["K-DIK-01"], earlier, "60")
    response = login("ngawi.dinkes").get(
        reverse("reporting:dashboard_region", args=["35.21"]), {"year": YEAR, "quarter": Q}
    )
    assert response.status_code == 200
    # An OPD reads its own agency's part: its assigned (health) services only.
    assert {line.service.code for line in response.context["dash"].lines} <= {
        "K-KES-01",
        "K-KES-02",
    }
    response = login("ngawi.tapem").get(
        reverse("reporting:dashboard_region", args=["35.21"]), {"year": YEAR, "quarter": Q}
    )
    dash = response.context["dash"]
    assert [m.service.code for m in dash.missing] == ["K-KES-02"]
    assert dash.trend_periods == [(YEAR, 1), (YEAR, 2)]
    # Over the 3 expected services: TW I 60 / 3, TW II (80 + 90) / 3.
    assert dash.overall_trend == [Decimal("20.00"), Decimal("56.67")]
    assert (dash.mean, dash.mean_reported, dash.completeness_text) == (
        Decimal("56.67"),
        Decimal("85.00"),
        "2 dari 3 layanan",
    )
    assert (dash.national.rank, dash.national.province_rank, dash.national_of) == (4, 1, 4)
    assert dash.province_of == 1
    # The data tables: the same figures, without the positions (the peers are not read).
    data = (
        login("ngawi.tapem")
        .get(
            reverse("reporting:dashboard_region_data", args=["35.21"]), {"year": YEAR, "quarter": Q}
        )
        .json()
    )
    capaian = {r["code"]: r["capaian"] for r in data["tables"]["services"]["rows"]}
    assert capaian["K-KES-02"] is None
    assert sorted(v for v in capaian.values() if v is not None) == ["80.00", "90.00"]
    assert data["tables"]["trend"]["rows"][-1] == {
        "code": "Rata-rata wilayah",
        f"p{YEAR}_1": "20.00",
        f"p{YEAR}_2": "56.67",
    }
    region = Region.objects.get(code="35.21")
    bare = d.region_dashboard(
        User.objects.get(username="ngawi.tapem"), region, YEAR, Q, positions=False
    )
    assert (bare.national, bare.national_of, bare.province_of) == (None, None, None)


def _count(response) -> int:
    return int(response.content.decode().split('data-count="')[1].split('"')[0])


def test_drilldown_lists_match_dashboard_figures(scenario, login):
    client = login("bangda.admin")
    response = client.get(reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": Q})
    dash = response.context["dash"]
    url = reverse("reporting:dashboard_regions")
    for row in dash.status:
        for status in ("entered", "submitted", "accepted", "nothing", "on_time", "late", "missing"):
            listed = client.get(
                url, {"year": YEAR, "quarter": Q, "level": row.level, "status": status}
            )
            assert _count(listed) == getattr(row, status), (row.level, status)
    reports = reverse("reporting:dashboard_reports")
    for band in dash.bands:
        if band.band != d.MISSING_BAND:
            listed = client.get(reports, {"year": YEAR, "quarter": Q, "band": band.band})
            assert _count(listed) == band.count, band.band
    for sector in dash.sectors:
        listed = client.get(reports, {"year": YEAR, "quarter": Q, "sector": sector.key})
        assert _count(listed) == sector.reported


def test_drilldown_is_scoped(scenario, login):
    response = login("klaten.tapem").get(
        reverse("reporting:dashboard_reports"), {"year": YEAR, "quarter": Q}
    )
    assert _count(response) == 3  # Klaten's own three reports only
    response = login("klaten.tapem").get(
        reverse("reporting:dashboard_regions"), {"year": YEAR, "quarter": Q, "province": "35"}
    )
    assert response.status_code == 404


def test_downloads_hold_the_same_figures(scenario, login):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_national_data")
    data = json.loads(client.get(url, {"year": YEAR, "quarter": Q}).content)
    kota = next(r for r in data["tables"]["input_status"]["rows"] if r["level"] == "kota")
    assert (kota["total"], kota["entered"], kota["entered_pct"]) == (93, 1, "1.08")
    response = client.get(
        url, {"year": YEAR, "quarter": Q, "table": "input_status", "format": "csv"}
    )
    assert response.status_code == 200
    # The Indonesian UI's CSV is the one Indonesian Excel splits: ';' and a decimal comma.
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[3][:4] == ["Kota", "93", "1", "1,08"]
    response = client.get(url, {"year": YEAR, "quarter": Q, "table": "ranking", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(url, {"table": "nope", "format": "csv"}).status_code == 404


def test_pages_render_charts_without_inline_styles(scenario, login):
    for user, name, args in [
        ("bangda.admin", "reporting:dashboard_national", []),
        ("jateng.biro", "reporting:dashboard_province", ["33"]),
        ("klaten.dinkes", "reporting:dashboard_region", ["33.10"]),
    ]:
        response = login(user).get(reverse(name, args=args), {"year": YEAR, "quarter": Q})
        html = response.content.decode()
        assert response.status_code == 200 and "<svg" in html
        assert "style=" not in html and "<script>" not in html


def test_dashboard_entry_redirects_by_role(login):
    assert login("bangda.admin").get(reverse("reporting:dashboard")).url.endswith("/nasional/")
    assert login("jateng.biro").get(reverse("reporting:dashboard")).url.endswith("/provinsi/33/")
    assert (
        login("klaten.dinkes").get(reverse("reporting:dashboard")).url.endswith("/wilayah/33.10/")
    )
    assert login("klaten.tapem").get(reverse("reporting:dashboard_national")).status_code == 403


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "user,name,args",
    [
        ("bangda.admin", "reporting:dashboard_national", []),
        ("bangda.admin", "reporting:dashboard_national_data", []),
        ("jateng.biro", "reporting:dashboard_province", ["33"]),
        ("klaten.tapem", "reporting:dashboard_region", ["33.10"]),
        ("bangda.admin", "reporting:dashboard_regions", []),
    ],
)
def test_query_count_is_constant(
    scenario, login, django_assert_max_num_queries, settings, user, name, args
):
    """Computing the figures (cache off) costs the same queries whatever the number of regions."""
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = login(user)
    url = reverse(name, args=args)
    params = {"year": YEAR, "quarter": Q}
    with django_assert_max_num_queries(20):
        assert client.get(url, params).status_code == 200
    before = _queries(client, url, params)
    st = catalog()
    for region in Region.objects.filter(province_code="33", level="kabupaten")[:15]:
        for s in ("K-DIK-01", "K-KES-01"):
            if not region.reports.filter(period=scenario, service_type=st[s]).exists():
                report(region.code, st[s], scenario, "75")
    assert _queries(client, url, params) == before


def test_page_counts_equal_the_sql_aggregate(scenario):
    user = bangda()
    page = d.national_dashboard(user, YEAR, Q)
    assert [r.as_dict() for r in page.status] == [
        r.as_dict() for r in d.input_status(user, YEAR, Q)
    ]
    prov = Region.objects.get(code="33")
    page = d.national_dashboard(user, YEAR, Q, province=prov)
    assert [r.as_dict() for r in page.status] == [
        r.as_dict() for r in d.input_status(user, YEAR, Q, province=prov)
    ]


def test_home_panel_reads_the_meeting_sentence(scenario, login, settings):
    response = login("bangda.admin").get(reverse("home"))
    assert response.status_code == 200
    assert reverse("reporting:dashboard_national") in response.content.decode()
    response = login("klaten.dinkes").get(reverse("home"))
    assert reverse("reporting:dashboard_region", args=["33.10"]) in response.content.decode()


def test_api_returns_the_dashboard_figures(scenario, login):
    client = login("bangda.admin")
    page = client.get(reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": Q})
    dash = page.context["dash"]
    api = client.get("/api/v1/dashboard/input-status/", {"year": YEAR, "quarter": Q}).json()
    for row, api_row in zip(dash.status, api["rows"], strict=True):
        assert (api_row["level"], api_row["total"], api_row["entered"]) == (
            row.level,
            row.total,
            row.entered,
        )
        assert api_row["entered_pct"] == str(row.entered_pct)
    api = client.get(
        "/api/v1/dashboard/capaian/", {"year": YEAR, "quarter": Q, "by": "sector"}
    ).json()
    assert {r["key"]: (r["reported"], r["missing"]) for r in api["rows"]} == {
        s.key: (s.reported, s.missing) for s in dash.sectors
    }


def test_figures_link_to_their_drilldown(scenario, login):
    html = (
        login("bangda.admin")
        .get(reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": Q})
        .content.decode()
    )
    regions = reverse("reporting:dashboard_regions")
    assert f'href="{regions}?year={YEAR}&amp;quarter={Q}&amp;level=kota&amp;status=entered"' in html
    assert (
        f'href="{reverse("reporting:dashboard_reports")}?year={YEAR}&amp;quarter={Q}&amp;sector=KES"'
        in html
    )


def test_a_province_page_ranks_dki_against_all_its_services_as_the_national_page(db, login):
    """DKI Jakarta (31) reports the provincial and the kab/kota services: 2 + 3 = 5 expected
    in the test catalog. Its index: (100 + 100 + 100) / 5 = 60.00; Jawa Tengah (33):
    (90 + 70) / 2 = 80.00. So 33 is first and 31 second of the 2 ranked provinces — on the
    national dashboard and on each one's own page (measured against 3 services, DKI would
    read 100.00 and come first)."""
    st = catalog()
    p = PeriodFactory(quarter=Q)
    report("33", st["P-DIK-01"], p, "90")
    report("33", st["P-KES-01"], p, "70")
    for code in ("P-DIK-01", "P-KES-01", "K-DIK-01"):
        report("31", st[code], p, "100")
    admin = login("bangda.admin")
    params = {"year": YEAR, "quarter": Q}
    national = admin.get(reverse("reporting:dashboard_national"), params).context["dash"]
    provinces = {r.key: (r.rank, r.mean_display, r.expected) for r in national.ranking if r.rank}
    assert provinces == {"33": (1, Decimal("80.00"), 2), "31": (2, Decimal("60.00"), 5)}
    for code, rank, mean in (("33", 1, Decimal("80.00")), ("31", 2, Decimal("60.00"))):
        page = admin.get(reverse("reporting:dashboard_region", args=[code]), params)
        dash = page.context["dash"]
        assert (dash.national.rank, dash.national.mean_display, dash.national_of) == (rank, mean, 2)
        assert f"#{rank} <small>dari 2 secara nasional" in page.content.decode()


def random_quarter(seed: int) -> tuple[list[str], list[str]]:
    """A random quarter of four provinces (DKI Jakarta with its kab/kota services among them)
    and twelve kab/kota of 33 and 35: random indices (ties on the rounded index happen),
    verified and draft reports, missing reports, on-time, late and absent submissions."""
    import random

    rng = random.Random(seed)
    st = catalog()
    p = PeriodFactory(quarter=Q)
    provinces = ["31", "33", "35", "36"]
    kabkota = list(
        Region.objects.filter(province_code__in=["33", "35"], level__in=["kabupaten", "kota"])
        .order_by("code")
        .values_list("code", flat=True)[:12]
    )
    statuses = [S.ACCEPTED, S.SUBMITTED, None]
    for code in provinces + kabkota:
        levels = (
            ("province", "kabkota")
            if code == "31"
            else (("province",) if code in provinces else ("kabkota",))
        )
        for service in st.values():
            if service.level in levels and rng.random() < 0.8:
                # Two decimals drawn from a few values: ties on the rounded index happen.
                index = str(rng.choice([40, 60, 75, 80, 90, 99]) + rng.choice([0, 0.001, 0.5]))
                status = rng.choice(["verified", "verified", "draft"])
                report(code, service, p, index, status=status)
        sub = rng.choice(statuses)
        if sub is not None:
            submission(code, p, sub, days_before_due=rng.choice([3, 0, -2]))
    return provinces, kabkota


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_region_page_shows_the_position_the_national_ranking_gives(db, seed):
    """One ranking, one authority: every region page's positions are the national dashboard's."""
    provinces, kabkota = random_quarter(seed)
    admin = bangda()
    national = {r.key: r for r in d.national_dashboard(admin, YEAR, Q).ranking}
    ranked_in_level: dict[str, int] = {}
    ranked_in_province: dict[str, int] = {}
    for r in national.values():
        if r.rank is not None:
            ranked_in_level[r.level] = ranked_in_level.get(r.level, 0) + 1
            if r.province_rank is not None:
                ranked_in_province[r.province_code] = ranked_in_province.get(r.province_code, 0) + 1
    assert ranked_in_level  # the scenario ranks somebody
    for code in provinces + kabkota:
        region = Region.objects.get(code=code)
        page = d.region_dashboard(admin, region, YEAR, Q)
        mine = national[code]
        assert page.national is not None, code
        assert (page.national.rank, page.national.province_rank) == (
            mine.rank,
            mine.province_rank,
        ), code
        assert (page.national.mean, page.national.expected) == (mine.mean, mine.expected), code
        assert page.national_of == ranked_in_level.get(region.level, 0), code
        # A province has no provincial position (its peers are the provinces): none is shown.
        in_province = 0 if region.is_province else ranked_in_province.get(region.province_code, 0)
        assert page.province_of == in_province, code


@pytest.mark.parametrize("seed", [1, 2])
def test_a_province_dashboard_shows_each_region_as_the_national_one(db, seed):
    """A region's figures are the same on the national and on its province's dashboard: index,
    counts, timeliness and input status (only the rank differs: it is within the province)."""
    random_quarter(seed)
    admin = bangda()

    def figures(r):
        return (
            r.mean,
            r.mean_reported,
            r.reported,
            r.expected,
            r.timeliness,
            r.entered,
            r.submitted,
            r.accepted,
            r.band,
        )

    national = {r.key: figures(r) for r in d.national_dashboard(admin, YEAR, Q).ranking}
    for code in ("31", "33", "35"):
        province = Region.objects.get(code=code)
        rows = d.national_dashboard(admin, YEAR, Q, province=province).ranking
        assert rows, code
        assert {r.key: figures(r) for r in rows} == {r.key: national[r.key] for r in rows}
