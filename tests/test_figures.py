"""Figures a Pemda and Bangda can sign (SPM.md §2, §5, §7): expected values by hand.

- the published TW II 2023 input status (23/34, 237/415, 76/93) reproduced from a period
  whose universe was fixed when it opened, and unchanged after the region list changes;
- a half-filled report has no index anywhere (page, API, roll-ups, recap, annex), never 0;
- official figures count verified reports; the *sementara* switch counts complete drafts;
- DKI Jakarta's six administrative units are never in a universe, and DKI's province
  carries the kab/kota service types.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from indicators.models import ServiceType
from regions.models import Region, User
from regions.services import sync_regions
from reporting import recap
from reporting.dashboards import selectors as d
from reporting.documents import pdf
from reporting.models import Period, PeriodRegion, PeriodUniverseChange, RegionSubmission, Report
from reporting.periods import services as period_services
from reporting.rules import completeness, universe
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report, submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indonesian():
    """Texts are asserted in Indonesian, whatever language an earlier test left active."""
    with translation.override("id"):
        yield


NEW_PAPUA_PROVINCES = ["93", "94", "95", "96"]  # in today's list; e-SPM counted 34 in 2023
DKI_ADMIN_UNITS = {"31.01", "31.71", "31.72", "31.73", "31.74", "31.75"}


def bangda() -> User:
    return User.objects.get(username="bangda.admin")


def api(username: str):
    from django.test import Client

    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


# ----------------------------------------------------------------------------- TW II 2023


def _entered(period: Period, codes: list[str], service: ServiceType) -> None:
    at = timezone.make_aware(dt.datetime(2023, 7, 10, 9))
    Report.objects.bulk_create(
        [
            Report(
                region=r,
                period=period,
                service_type=service,
                status=Report.Status.DRAFT,
                entered_at=at,
            )
            for r in Region.objects.filter(code__in=codes)
        ]
    )


@pytest.fixture
def tw2_2023(db):
    """TW II 2023 as e-SPM measured it: 34 provinces, 415 kabupaten, 93 kota."""
    period = Period.objects.create(
        year=2023, quarter=2, due_date=dt.date(2023, 7, 20), state=Period.State.CLOSED
    )
    universe.snapshot(period, bangda())
    universe.change(
        period,
        bangda(),
        remove=NEW_PAPUA_PROVINCES,
        reason="e-SPM TW II 2023 masih menghitung 34 provinsi (sebelum pemekaran Papua).",
    )
    service = ServiceType.objects.filter(edition__years__year=2023).first()
    assert service is not None
    universe_codes = set(
        PeriodRegion.objects.filter(period=period).values_list("region__code", flat=True)
    )
    by_level = {
        level: sorted(
            Region.objects.filter(code__in=universe_codes, level=level).values_list(
                "code", flat=True
            )
        )
        for level in ("province", "kabupaten", "kota")
    }
    _entered(
        period,
        by_level["province"][:23] + by_level["kabupaten"][:237] + by_level["kota"][:76],
        service,
    )
    return period


def test_tw2_2023_input_status_reproduces_the_published_percentages(tw2_2023):
    rows = {r.level: r for r in d.input_status(bangda(), 2023, 2)}
    assert (rows["province"].entered, rows["province"].total) == (23, 34)
    assert (rows["kabupaten"].entered, rows["kabupaten"].total) == (237, 415)
    assert (rows["kota"].entered, rows["kota"].total) == (76, 93)
    # "23 provinsi (67,65%), 237 kabupaten (57,11%), 76 kota (81,72%)"
    assert rows["province"].entered_pct == Decimal("67.65")
    assert rows["kabupaten"].entered_pct == Decimal("57.11")
    assert rows["kota"].entered_pct == Decimal("81.72")


def test_tw2_2023_figures_are_the_same_on_the_page_and_in_the_api(tw2_2023, login):
    response = login("bangda.admin").get(
        reverse("reporting:dashboard_national"), {"year": 2023, "quarter": 2}
    )
    assert response.status_code == 200
    pcts = {r.level: r.entered_pct for r in response.context["dash"].status}
    assert pcts == {
        "province": Decimal("67.65"),
        "kabupaten": Decimal("57.11"),
        "kota": Decimal("81.72"),
    }
    response = api("bangda.admin").get(
        reverse("api:dashboard-input-status"), {"year": 2023, "quarter": 2}
    )
    assert response.status_code == 200
    rows = {r["level"]: r for r in response.json()["rows"]}
    assert (rows["province"]["total"], rows["province"]["entered_pct"]) == (34, "67.65")
    assert (rows["kabupaten"]["total"], rows["kabupaten"]["entered_pct"]) == (415, "57.11")
    assert (rows["kota"]["total"], rows["kota"]["entered_pct"]) == (93, "81.72")


def test_old_figures_survive_a_change_of_the_region_list(tw2_2023):
    # A kabupaten leaves today's list (the next re-sync deactivates it)…
    Region.objects.filter(code="33.10").update(is_active=False)
    rows = {r.level: r for r in d.input_status(bangda(), 2023, 2)}
    # …TW II 2023 still counts it: the period keeps its own universe.
    assert (rows["kabupaten"].total, rows["kabupaten"].entered_pct) == (415, Decimal("57.11"))
    # A period never opened follows today's list: 415 − 1.
    planned = Period.objects.create(year=2030, quarter=1, due_date=dt.date(2030, 4, 20))
    assert universe.counts(planned)["kabupaten"] == 414


def test_the_universe_change_is_recorded_with_its_reason(tw2_2023):
    edit = PeriodUniverseChange.objects.get(period=tw2_2023, kind="edit")
    assert edit.removed == NEW_PAPUA_PROVINCES and edit.actor == bangda()
    assert "34 provinsi" in edit.reason
    snapshot = PeriodUniverseChange.objects.get(period=tw2_2023, kind="snapshot")
    assert "546" in snapshot.reason


@pytest.mark.parametrize(
    "reason,message",
    [("", "Alasan"), ("   ", "Alasan"), ("\u200b", "Alasan")],
)
def test_a_universe_change_needs_a_visible_reason(tw2_2023, reason, message):
    before = PeriodRegion.objects.filter(period=tw2_2023).count()
    with pytest.raises(universe.UniverseError, match=message):
        universe.change(tw2_2023, bangda(), add=["93"], reason=reason)
    assert PeriodRegion.objects.filter(period=tw2_2023).count() == before


def test_only_bangda_changes_a_universe_and_unknown_codes_change_nothing(tw2_2023):
    before = PeriodRegion.objects.filter(period=tw2_2023).count()
    with pytest.raises(universe.UniverseError, match="Bangda"):
        universe.change(tw2_2023, User.objects.get(username="jateng.biro"), add=["93"], reason="x")
    with pytest.raises(universe.UniverseError, match="99.99"):
        universe.change(tw2_2023, bangda(), add=["93", "99.99"], reason="uji")
    assert PeriodRegion.objects.filter(period=tw2_2023).count() == before


def test_the_universe_page_changes_with_a_reason_and_keeps_what_was_typed(tw2_2023, login):
    client = login("bangda.admin")
    url = reverse("reporting:period_universe", args=[tw2_2023.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "34" in page.content.decode() and "415" in page.content.decode()
    refused = client.post(url, {"add": "93", "reason": ""})
    assert refused.status_code == 400
    assert "93" in refused.content.decode()  # the typed codes are still there
    assert not PeriodRegion.objects.filter(period=tw2_2023, region__code="93").exists()
    done = client.post(url, {"add": "93", "reason": "Papua Selatan ikut dihitung"})
    assert done.status_code == 302
    assert PeriodRegion.objects.filter(period=tw2_2023, region__code="93").exists()
    assert login("jateng.biro").get(url).status_code == 404


# ----------------------------------------------------------------------------- DKI


def test_dki_administrative_units_are_never_in_a_universe_even_after_a_resync():
    sync_regions()
    period = PeriodFactory(year=YEAR, quarter=3)
    universe.snapshot(period, bangda())
    codes = set(PeriodRegion.objects.filter(period=period).values_list("region__code", flat=True))
    assert not codes & DKI_ADMIN_UNITS
    assert universe.counts(period) == {"province": 38, "kabupaten": 415, "kota": 93}
    assert len(codes) == 546


def test_dki_province_carries_the_kabkota_service_types():
    assert universe.service_levels("31", "province") == ("province", "kabkota")
    assert universe.service_levels("33", "province") == ("province",)
    assert universe.service_levels("33.10", "kabupaten") == ("kabkota",)
    st = catalog()
    period = PeriodFactory(quarter=2)
    report("31", st["P-DIK-01"], period, "90")
    report("31", st["K-DIK-01"], period, "70")
    rows = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, 2, by="region")}
    # 2 provincial + 3 kab/kota types expected of DKI: (90 + 70) / 5.
    assert (rows["31"].expected, rows["31"].reported, rows["31"].mean) == (5, 2, Decimal(32))


def test_opening_a_period_gives_dki_43_reports_and_its_units_none(settings):
    period = Period.objects.create(year=2027, quarter=1, due_date=dt.date(2027, 4, 20))
    period_services.open_period(period.pk, bangda(), region_codes=["31", "31.71", "33"])
    made = dict(
        Report.objects.filter(period=period)
        .order_by()
        .values_list("region__code")
        .annotate(n=Count("pk"))
    )
    assert made == {"31": 43, "33": 14}


# ----------------------------------------------------------------------------- official


@pytest.fixture
def two_regions(db):
    """Klaten all three services verified (85 each); Sukoharjo three complete drafts (95)."""
    st = catalog()
    p = PeriodFactory(quarter=2)
    for s in ("K-DIK-01", "K-KES-01", "K-KES-02"):
        report("33.10", st[s], p, "85")
        report("33.11", st[s], p, "95", status=Report.Status.DRAFT)
    submission("33.10", p, RegionSubmission.Status.SUBMITTED)
    return p


def test_official_figures_count_verified_reports_only(two_regions):
    rows = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, 2, by="region")}
    assert (rows["33.10"].mean, rows["33.10"].rank) == (Decimal(85), 1)
    assert (rows["33.11"].mean, rows["33.11"].reported, rows["33.11"].rank) == (None, 0, None)


def test_the_provisional_switch_counts_complete_drafts(two_regions, login):
    rows = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, 2, by="region", provisional=True)}
    assert (rows["33.11"].mean, rows["33.11"].rank) == (Decimal(95), 1)
    assert rows["33.10"].rank == 2
    page = login("bangda.admin").get(
        reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": 2, "sementara": "1"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "SEMENTARA" in html
    official = login("bangda.admin").get(
        reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": 2}
    )
    assert "Angka resmi" in official.content.decode()
    data = api("bangda.admin").get(
        reverse("api:dashboard-capaian"), {"year": YEAR, "quarter": 2, "provisional": "true"}
    )
    assert data.status_code == 200 and data.json()["provisional"] is True
    got = {r["key"]: r for r in data.json()["rows"]}
    assert got["33.11"]["capaian"] == "95.00" and got["33.11"]["rank"] == 1
    # The drill-down lists carry the switch and say so.
    listed = login("bangda.admin").get(
        reverse("reporting:dashboard_regions"),
        {"year": YEAR, "quarter": 2, "level": "kabupaten", "sort": "rank", "sementara": "1"},
    )
    assert listed.status_code == 200 and "SEMENTARA" in listed.content.decode()
    assert [r.key for r in listed.context["rows"] if r.rank][:2] == ["33.11", "33.10"]
    official = login("bangda.admin").get(
        reverse("reporting:dashboard_regions"),
        {"year": YEAR, "quarter": 2, "level": "kabupaten", "sort": "rank"},
    )
    assert "SEMENTARA" not in official.content.decode()
    assert [r.key for r in official.context["rows"] if r.rank] == ["33.10"]


def test_complete_and_partial_reporting_rank_by_the_index_over_all_expected(db):
    """A complete region (3 × 80) ranks above a partial one (2 × 100, 1 missing)."""
    st = catalog()
    p = PeriodFactory(quarter=2)
    for s in ("K-DIK-01", "K-KES-01", "K-KES-02"):
        report("33.10", st[s], p, "80")
    for s in ("K-DIK-01", "K-KES-01"):
        report("35.21", st[s], p, "100")
    rows = {r.key: r for r in d.capaian_rollup(bangda(), YEAR, 2, by="region")}
    assert (rows["33.10"].mean, rows["33.10"].rank) == (Decimal(80), 1)
    # (100 + 100 + 0) / 3 = 66.67; the mean of what was reported (100) is shown beside it.
    assert d.round2(rows["35.21"].mean) == Decimal("66.67") and rows["35.21"].rank == 2
    assert rows["35.21"].mean_reported == Decimal(100)
    assert rows["35.21"].completeness_text == "2 dari 3 layanan"


# ----------------------------------------------------------------------------- half-filled


def _klaten_tw3(code: str) -> Report:
    return Report.objects.select_related("period").get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code=code
    )


def test_a_half_filled_report_has_no_index_anywhere(login):
    """Save only Permasalahan on an empty report (Klaten K-KES-08, TW III)."""
    report_ = _klaten_tw3("K-KES-08")
    assert report_.entered_at is None
    before = d.region_dashboard(bangda(), report_.region, 2026, 3, provisional=True)
    client = login("klaten.dinkes")
    response = client.post(
        reverse("reporting:report_section", kwargs={"pk": report_.pk, "section": "problems"}),
        {"version": report_.version, "problems": "Tenaga kurang", "solutions": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    report_.refresh_from_db()
    assert report_.entered_at is not None and report_.problems == "Tenaga kurang"
    assert report_.capaian_index is None and report_.band == ""
    # The form's panel says so.
    page = client.get(reverse("reporting:report_detail", args=[report_.pk]))
    assert page.status_code == 200
    assert 'data-testid="capaian-incomplete"' in page.content.decode()
    # The API: index null with its reason.
    got = api("klaten.dinkes").get(reverse("api:report-detail", kwargs={"pk": report_.pk}))
    assert got.status_code == 200
    cap = got.json()["capaian"]
    assert (cap["index"], cap["reason"], cap["official"]) == (None, "incomplete", False)
    # Roll-ups: Klaten's figure is exactly what it was; the line says why.
    after = d.region_dashboard(bangda(), report_.region, 2026, 3, provisional=True)
    assert (after.mean, after.mean_reported) == (before.mean, before.mean_reported)
    line = next(x for x in after.lines if x.service.code == "K-KES-08")
    assert (line.index, line.reason_label) == (None, "belum lengkap")
    # The LPPD annex shows "belum lengkap" in that service's TW III cell.
    data = pdf.report_data(report_.region, 2026)
    block = next(s for s in data["services"] if s["code"] == "K-KES-08")
    assert block["cells"][2]["note"] == "belum lengkap" and block["cells"][2]["value"] == ""
    # The province recap counts it as missing, not as 0.
    rows = recap.build(Region.objects.get(code="33"), report_.period).rows
    klaten = next(r for r in rows if r.region.code == "33.10")
    kes = klaten.sectors["KES"]
    assert kes.present + kes.missing == 12


def test_a_report_is_complete_with_served_and_every_quality_item_answered():
    answered = [completeness.Answer("B1", True), completeness.Answer("S1", True)]
    open_item = [completeness.Answer("B1", True), completeness.Answer("S1", False)]
    assert completeness.is_complete(10, 100, answered)
    assert not completeness.is_complete(None, 100, answered)
    assert completeness.is_complete(None, 0, answered)  # a target of 0 needs no served count
    assert completeness.index_missing(5, 100, open_item) == ["1 butir mutu belum dijawab (S1)"]
    assert completeness.is_complete(0, 100, [])  # 0 served is an answer; no items → complete


def test_counted_q_and_counts_agree_on_every_demo_report(db):
    reports = Report.objects.filter(period__year=2026)
    for provisional in (False, True):
        in_sql = set(
            reports.filter(completeness.counted_q(provisional=provisional)).values_list(
                "pk", flat=True
            )
        )
        in_python = {r.pk for r in reports if completeness.counts(r, provisional=provisional)}
        assert in_sql == in_python
        assert in_sql  # the demo has counted reports either way


def test_the_universe_api_reads_and_changes_with_a_reason(tw2_2023):
    url = reverse("api:period-universe", kwargs={"pk": tw2_2023.pk})
    client = api("bangda.admin")
    got = client.get(url)
    assert got.status_code == 200
    body = got.json()
    assert body["counts"] == {"province": 34, "kabupaten": 415, "kota": 93}
    assert (body["total"], body["fixed"]) == (542, True)
    refused = client.post(url, {"add": ["93"], "reason": " "}, content_type="application/json")
    assert refused.status_code == 400
    assert not PeriodRegion.objects.filter(period=tw2_2023, region__code="93").exists()
    done = client.post(
        url, {"add": ["93"], "reason": "Papua Selatan dihitung"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["counts"]["province"] == 35
    assert api("jateng.biro").get(url).status_code == 403


# ----------------------------------------------------------------------------- the demo


def test_the_demo_tells_the_figures_story():
    """README's demo section: candidates, a partial region below a complete one, belum lengkap."""
    dash = d.national_dashboard(bangda(), 2026, 2)
    awards = {level: [r.key for r in rows] for level, rows in dash.awards.items()}
    assert awards == {
        "province": ["33", "31", "35"],
        "kabupaten": ["33.10"],
        "kota": ["36.73"],
    }
    rows = {r.key: r for r in dash.ranking}
    assert rows["33.10"].completeness_text == "29 dari 29 layanan"
    assert rows["35.21"].completeness_text == "26 dari 29 layanan"
    assert rows["35.21"].rank > rows["33.10"].rank and rows["35.21"].timeliness == "missing"
    assert rows["31"].expected == 43 and rows["31"].reported == 43
    # Nothing of DKI's administrative units: no reports, no submissions, not in the universe.
    assert not Report.objects.filter(region__code__in=DKI_ADMIN_UNITS).exists()
    assert not RegionSubmission.objects.filter(region__code__in=DKI_ADMIN_UNITS).exists()
    half = Report.objects.filter(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-02"
    ).get()
    assert half.entered_at is not None and completeness.standing(half).reason == "incomplete"


def test_the_report_list_tells_incomplete_from_not_entered(login):
    """Klaten DINKES, TW III of the demo: K-KES-02 is half filled, K-KES-08 untouched."""
    client = login("klaten.dinkes")
    url = reverse("reporting:report_list")
    tw3 = Period.objects.get(year=2026, quarter=3)
    half = client.get(url, {"periode": tw3.pk, "capaian": "belum-lengkap"})
    assert half.status_code == 200
    codes = {r.service_type.code for r in half.context["page"]}
    assert "K-KES-02" in codes and "K-KES-08" not in codes
    assert all(r.entered_at and r.capaian_index is None for r in half.context["page"])
    empty = client.get(url, {"periode": tw3.pk, "capaian": "belum"})
    assert empty.status_code == 200
    codes = {r.service_type.code for r in empty.context["page"]}
    assert "K-KES-08" in codes and "K-KES-02" not in codes
    counts = client.get(url, {"periode": tw3.pk}).context["band_counts"]
    assert counts["belum-lengkap"] == half.context["total"]
    assert counts["belum"] == empty.context["total"]


# ----------------------------------------------------------------------------- annual


def test_the_annual_figure_is_the_latest_counted_quarter_and_provisional_until_tw4(login):
    st = catalog()
    q1, q2 = PeriodFactory(quarter=1), PeriodFactory(quarter=2)
    report("33.10", st["K-DIK-01"], q1, "60")
    report("33.10", st["K-DIK-01"], q2, "80")
    report("33.10", st["K-KES-01"], q2, "90")
    report("33.10", st["K-KES-02"], q2, "40", status=Report.Status.DRAFT)  # not official
    response = login("klaten.tapem").get(
        reverse("reporting:dashboard_region", args=["33.10"]), {"year": YEAR, "quarter": 2}
    )
    assert response.status_code == 200
    annual = response.context["dash"].annual
    got = {line.code: (line.index, line.quarter) for line in annual.lines}
    assert got == {
        "K-DIK-01": (Decimal(80), 2),  # cumulative: TW II supersedes TW I
        "K-KES-01": (Decimal(90), 2),
        "K-KES-02": (None, None),
    }
    assert d.round2(annual.overall.index) == Decimal("56.67")  # (80 + 90 + 0) / 3
    assert annual.overall.mean_reported == Decimal(85)
    assert not annual.complete_year
    assert d.round2(annual.quarter_rollups[0].index) == Decimal("20.00")  # TW I: 60 / 3
    html = response.content.decode()
    assert 'data-testid="annual"' in html and "sementara" in html
    # TW IV counted for every service: the year is final.
    q4 = PeriodFactory(quarter=4, due_date=dt.date(YEAR + 1, 1, 20))
    for code in ("K-DIK-01", "K-KES-01", "K-KES-02"):
        report("33.10", st[code], q4, "70")
    annual = d.region_dashboard(bangda(), Region.objects.get(code="33.10"), YEAR, 4).annual
    assert annual.complete_year and annual.overall.index == Decimal(70)
    provisional = d.region_dashboard(
        bangda(), Region.objects.get(code="33.10"), YEAR, 2, provisional=True
    ).annual
    assert {x.code: x.index for x in provisional.lines}["K-KES-02"] == Decimal(70)


def test_the_annual_table_downloads_with_the_region_data(login):
    st = catalog()
    report("33.10", st["K-DIK-01"], PeriodFactory(quarter=1), "60")
    report("33.10", st["K-KES-01"], PeriodFactory(quarter=2), "90")
    response = login("klaten.tapem").get(
        reverse("reporting:dashboard_region_data", args=["33.10"]), {"year": YEAR, "quarter": 2}
    )
    assert response.status_code == 200
    table = response.json()["tables"]["annual"]
    rows = {r["code"]: r for r in table["rows"]}
    assert (rows["K-DIK-01"]["annual"], rows["K-DIK-01"]["from_quarter"]) == ("60.00", 1)
    assert (rows["K-KES-01"]["annual"], rows["K-KES-01"]["tw2"]) == ("90.00", "90.00")
    assert rows["K-KES-02"]["annual"] is None
    assert rows[""]["annual"] == "50.00"  # (60 + 90 + 0) / 3
    assert "sementara" in table["title"]


def test_the_annual_api_gives_the_dashboards_figures():
    st = catalog()
    report("33.10", st["K-DIK-01"], PeriodFactory(quarter=1), "60")
    report("33.10", st["K-KES-01"], PeriodFactory(quarter=2), "90")
    client = api("klaten.tapem")
    got = client.get(reverse("api:dashboard-annual"), {"region": "33.10", "year": YEAR})
    assert got.status_code == 200
    body = got.json()
    assert (body["final"], body["overall"]["capaian"]) == (False, "50.00")  # (60 + 90 + 0) / 3
    assert (body["overall"]["reported"], body["overall"]["expected"]) == (2, 3)
    assert [q["capaian"] for q in body["quarters"]] == ["20.00", "30.00", None, None]
    lines = {x["code"]: x for x in body["lines"]}
    assert (lines["K-DIK-01"]["annual"], lines["K-DIK-01"]["from_quarter"]) == ("60.00", 1)
    assert lines["K-KES-02"]["annual"] is None
    assert client.get(reverse("api:dashboard-annual"), {"region": "35.21"}).status_code == 404
    assert client.get(reverse("api:dashboard-annual"), {"region": "x"}).status_code == 400
