"""The same figure in every place: the documents (quarter report, LPPD annex), the report and
review pages, the report list download, the award page — against the dashboards and the API.

- The PDFs' budget is an official figure: only lines of reports whose status counts
  (``rules.completeness.official_statuses``), as the dashboards' ``budget_reports``.
- A province annex's kab/kota recap is the year's universe (``universe.year_period``: the
  year's last *opened* period), a quarter report's the quarter's.
- Percentages are rounded half up to 2 decimals (``rules.capaian.round2``) everywhere: the
  report's realisation rate (``entry.selectors.budget_totals``), the ``num`` filter, the download.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from regions.models import Level, Region, User
from reporting.award import selectors as award_selectors
from reporting.dashboards import selectors as d
from reporting.documents import pdf
from reporting.entry import selectors as entry
from reporting.models import BudgetLine, Period, Report
from reporting.rules import capaian, universe
from reporting.templatetags.entry_tags import num
from reporting.templatetags.figure_tags import dec2
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report

D = Decimal


def line(r: Report, code: str, allocated: int, realised: int) -> BudgetLine:
    return BudgetLine.objects.create(
        report=r,
        activity_code=code,
        activity_name=f"Kegiatan {code}",
        allocated=allocated,
        realised=realised,
    )


def bangda() -> User:
    return User.objects.get(username="bangda.admin")


def activities(data: dict) -> set[str]:
    return {b["activity"].split()[0] for s in data["services"] for b in s["budget"]}


# ---------------------------------------------------------------- 1. PDF budget: official only


@pytest.mark.django_db
def test_quarter_pdf_budget_counts_only_verified_reports_as_the_dashboard():
    st = catalog()
    p = PeriodFactory(quarter=2)
    verified = report("33.10", st["K-DIK-01"], p, "85")
    draft = report("33.10", st["K-KES-01"], p, "90", status=Report.Status.DRAFT)
    submitted = report("33.10", st["K-KES-02"], p, "70", status=Report.Status.SUBMITTED)
    line(verified, "1.01", 1_000_000, 500_000)
    line(draft, "1.02", 2_000_000, 2_000_000)
    line(submitted, "1.03", 4_000_000, 1_000_000)
    klaten = Region.objects.get(code="33.10")

    dash = d.region_dashboard(bangda(), klaten, YEAR, 2, positions=False)
    assert (dash.budget.allocated, dash.budget.realised) == (1_000_000, 500_000)

    data = pdf.report_data(klaten, YEAR, 2)
    assert (data["budget_allocated"], data["budget_realised"], data["budget_pct"]) == (
        "Rp1.000.000",
        "Rp500.000",
        "50,00",
    )
    # The lines of a report that does not count are not listed either (the budget table has
    # no notion of an unverified line): what is listed adds up to the total.
    assert activities(data) == {"1.01"}
    by_code = {s["code"]: s for s in data["services"]}
    assert (by_code["K-KES-01"]["budget"], by_code["K-KES-01"]["budget_allocated"]) == ([], 0)
    assert (by_code["K-KES-02"]["budget"], by_code["K-KES-02"]["budget_realised"]) == ([], 0)
    assert data["has_budget"]


@pytest.mark.django_db
def test_pdf_budget_follows_the_official_status_policy(settings):
    """The policy lives in rules.completeness (SPM_OFFICIAL_REPORT_STATUSES), not in the PDF."""
    settings.SPM_OFFICIAL_REPORT_STATUSES = ("verified", "submitted")
    st = catalog()
    p = PeriodFactory(quarter=2)
    line(report("33.10", st["K-DIK-01"], p, "85"), "1.01", 1_000_000, 500_000)
    submitted = report("33.10", st["K-KES-02"], p, "70", status=Report.Status.SUBMITTED)
    line(submitted, "1.03", 4_000_000, 1_000_000)
    draft = report("33.10", st["K-KES-01"], p, "90", status=Report.Status.DRAFT)
    line(draft, "1.02", 2_000_000, 2_000_000)
    klaten = Region.objects.get(code="33.10")

    dash = d.region_dashboard(bangda(), klaten, YEAR, 2, positions=False)
    assert (dash.budget.allocated, dash.budget.realised, dash.budget.rate) == (
        5_000_000,
        1_500_000,
        D("30.00"),
    )
    data = pdf.report_data(klaten, YEAR, 2)
    assert (data["budget_allocated"], data["budget_realised"], data["budget_pct"]) == (
        "Rp5.000.000",
        "Rp1.500.000",
        "30,00",
    )
    assert activities(data) == {"1.01", "1.03"}


@pytest.mark.django_db
def test_quarter_pdf_with_only_unverified_budget_says_there_is_none():
    st = catalog()
    p = PeriodFactory(quarter=2)
    report("33.10", st["K-DIK-01"], p, "85")
    line(report("33.10", st["K-KES-01"], p, "90", status=Report.Status.DRAFT), "1.02", 800, 1)
    data = pdf.report_data(Region.objects.get(code="33.10"), YEAR, 2)
    assert (data["budget_allocated"], data["budget_realised"], data["budget_pct"]) == (
        pdf.fmt_rupiah(0),
        pdf.fmt_rupiah(0),
        pdf.DASH,
    )
    assert not data["has_budget"] and activities(data) == set()
    html = render_to_string("reporting/pdf/report.html", data)
    assert "Belum ada data anggaran." in html
    assert "Hanya anggaran laporan yang sudah diverifikasi yang dihitung" in html


@pytest.mark.django_db
def test_annex_budget_is_the_latest_verified_quarter_of_each_service():
    """Realisation is cumulative: the annex takes each service's budget from its latest quarter
    that counts — a later draft neither replaces it nor adds to it. The totals are then the
    award's budget component (the reports the annual figure comes from)."""
    st = catalog()
    q1, q2 = PeriodFactory(quarter=1), PeriodFactory(quarter=2)
    dik1 = report("33.10", st["K-DIK-01"], q1, "80")
    dik2 = report("33.10", st["K-DIK-01"], q2, "85", status=Report.Status.DRAFT)
    kes2 = report("33.10", st["K-KES-01"], q2, "60")
    line(dik1, "1.01", 1_000_000, 250_000)
    line(dik2, "1.02", 1_000_000, 900_000)  # the draft of the latest quarter with data
    line(kes2, "2.01", 1_000, 1)
    klaten = Region.objects.get(code="33.10")

    data = pdf.report_data(klaten, YEAR)
    assert activities(data) == {"1.01", "2.01"}
    dik = next(s for s in data["services"] if s["code"] == "K-DIK-01")
    assert dik["latest_quarter"] == "TW II"  # recipients: the latest quarter with data
    assert (dik["budget_allocated"], dik["budget_realised"]) == (1_000_000, 250_000)
    assert (data["budget_allocated"], data["budget_realised"], data["budget_pct"]) == (
        "Rp1.001.000",
        "Rp250.001",
        "24,98",  # 250001 / 1001000 = 24.975…% → 24,98
    )
    rows = award_selectors.scored(bangda(), YEAR, award_selectors.config_for(YEAR))
    budget = next(r for r in rows if r.code == "33.10").components["budget"]
    assert (budget.raw, budget.denominator) == (250_001, 1_001_000)

    # The quarter report of TW II counts the verified K-KES-01 only.
    q2_data = pdf.report_data(klaten, YEAR, 2)
    assert activities(q2_data) == {"2.01"}
    assert q2_data["budget_pct"] == "0,10"


# ---------------------------------------------------------------- 2. annex recap: year's universe


def _year_with_planned_quarters() -> set[str]:
    catalog()
    q1 = PeriodFactory(quarter=1)
    q2 = PeriodFactory(quarter=2)
    PeriodFactory(quarter=3, state=Period.State.PLANNED)
    PeriodFactory(quarter=4, state=Period.State.PLANNED, due_date=dt.date(YEAR + 1, 1, 20))
    for p in (q1, q2):
        universe.snapshot(p, bangda())
    universe.change(q2, bangda(), remove=["33.10"], reason="tidak lagi melapor sejak TW II (uji)")
    return set(
        universe.regions_of(universe.year_period(YEAR))
        .filter(province_code="33", level__in=[Level.KABUPATEN, Level.KOTA])
        .values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_annex_recap_is_the_universe_of_the_years_last_opened_period():
    year_universe = _year_with_planned_quarters()
    assert universe.year_period(YEAR).quarter == 2
    assert "33.10" not in year_universe and len(year_universe) == 34
    data = pdf.report_data(Region.objects.get(code="33"), YEAR)
    assert [r["code"] for r in data["recap"]] == sorted(year_universe)
    assert data["recap_plan_share"].startswith("0 dari 34 kabupaten/kota")


@pytest.mark.django_db
def test_quarter_report_recap_is_the_quarters_own_universe():
    _year_with_planned_quarters()
    jateng = Region.objects.get(code="33")
    q1 = {r["code"] for r in pdf.report_data(jateng, YEAR, 1)["recap"]}
    q2 = {r["code"] for r in pdf.report_data(jateng, YEAR, 2)["recap"]}
    assert "33.10" in q1 and len(q1) == 35
    assert q2 == q1 - {"33.10"}


@pytest.mark.django_db
def test_annex_recap_of_a_year_not_opened_yet_is_todays_universe():
    catalog()
    PeriodFactory(quarter=1, state=Period.State.PLANNED)
    assert universe.year_period(YEAR) is None
    today = set(
        universe.regions_of(None)
        .filter(province_code="33", level__in=[Level.KABUPATEN, Level.KOTA])
        .values_list("code", flat=True)
    )
    data = pdf.report_data(Region.objects.get(code="33"), YEAR)
    assert {r["code"] for r in data["recap"]} == today and len(today) == 35


# ---------------------------------------------------------------- 3. a report's realisation rate


@pytest.mark.django_db
def test_realisation_rate_same_on_report_page_dashboard_and_pdf():
    st = catalog()
    p = PeriodFactory(quarter=2)
    r = report("33.10", st["K-DIK-01"], p, "85")
    budget_line = line(r, "1.01", 800, 1)  # 1 / 800 = 0.125 % → half up 0.13
    dash = d.region_dashboard(bangda(), Region.objects.get(code="33.10"), YEAR, 2, positions=False)
    assert dash.budget.rate == D("0.13")
    assert pdf.report_data(Region.objects.get(code="33.10"), YEAR, 2)["budget_pct"] == "0,13"
    totals = entry.budget_totals([budget_line])
    assert totals["pct"] == D("0.13") and isinstance(totals["pct"], Decimal)
    with translation.override("id"):
        # the entry page's totals line and the review page's footer
        assert "(0,13%)" in render_to_string(
            "reporting/_budget_totals.html", {"budget_totals": totals}
        )
        assert num(totals["pct"]) == "0,13"


@pytest.mark.parametrize(
    ("realised", "allocated", "pct"),
    [
        (1, 800, "0.13"),  # 0.125: the half goes up
        (3, 800, "0.38"),  # 0.375
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (0, 800, "0.00"),
        (800, 800, "100.00"),
        (99_999, 100_000, "100.00"),  # 99.999 → 100.00
        (12_345, 100_000, "12.35"),
        (123_449_999, 1_000_000_000, "12.34"),  # 12.3449999 → down
        (987_654_321_987, 1_000_000_000_000, "98.77"),  # large rupiah, exact in Decimal
    ],
)
def test_budget_totals_rate_is_round2_in_decimal(realised, allocated, pct):
    lines = [BudgetLine(allocated=allocated, realised=realised)]
    got = entry.budget_totals(lines)["pct"]
    assert got == D(pct) and str(got) == pct
    assert got == d.pct(realised, allocated)  # the dashboards' rate


def test_budget_totals_without_allocation_has_no_rate():
    assert entry.budget_totals([])["pct"] is None
    assert entry.budget_totals([BudgetLine(allocated=0, realised=0)])["pct"] is None


@pytest.mark.django_db
def test_report_list_download_rounds_half_up():
    st = catalog()
    p = PeriodFactory(quarter=2)
    r = report("33.10", st["K-DIK-01"], p, "20.025")
    Report.objects.filter(pk=r.pk).update(recipients_pct=D("0.125"), quality_pct=D("66.665"))
    headers, rows = entry.report_table(Report.objects.filter(pk=r.pk))
    (row,) = list(rows)
    cells = dict(zip(headers, row, strict=False))
    assert cells["Indeks capaian"] == 20.03
    assert cells["Capaian penerima (%)"] == 0.13
    assert cells["Capaian mutu (%)"] == 66.67


# ---------------------------------------------------------------- 4. the num filter: half up


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("12.345"), "12,35"),  # x.xx5 → up
        (D("12.344999"), "12,34"),  # x.xx4999 → down
        (D("12.3450001"), "12,35"),
        (D("20.025"), "20,03"),  # the capaian panel's index
        (D("0.005"), "0,01"),
        (D("0.004999"), "0,00"),
        (D("0.125"), "0,13"),
        (D("2.675"), "2,68"),
        (D("0"), "0,00"),
        (0, "0,00"),
        (D("-0.004"), "0,00"),  # rounds to zero: no sign (dec2, floatformat)
        (D("-12.345"), "-12,35"),  # half away from zero, as round2
        (D("-12.344999"), "-12,34"),
        (D("99.995"), "100,00"),
        (D("1234.5"), "1.234,50"),
        (D("999999.995"), "1.000.000,00"),
        (D("1234567.895"), "1.234.567,90"),
        (D("1234567890123.455"), "1.234.567.890.123,46"),
        (12.345, "12,35"),  # a float is read as its text, not as binary 12.3449…
        (0.125, "0,13"),
        ("20.025", "20,03"),
        (7, "7,00"),
        (None, "—"),
        ("", "—"),
    ],
    ids=repr,
)
def test_num_rounds_half_up_with_indonesian_grouping(value, text):
    assert num(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("2.5"), 0, "3"),
        (D("3.5"), 0, "4"),
        (D("1234.5"), 0, "1.235"),
        (D("0.05"), 1, "0,1"),
        (D("0.04999"), 1, "0,0"),
        (D("1234567.25"), 1, "1.234.567,3"),
        (D("1.0005"), 3, "1,001"),
        (D("1.0005"), "3", "1,001"),  # the template passes text
    ],
)
def test_num_other_places_round_half_up(value, places, text):
    assert num(value, places) == text


def test_num_is_round2_and_the_dashboards_dec2():
    """Over every step of a thousandth from -3 to 3 (and a large range), num prints round2's
    figure, the dashboards' dec2 figure with Indonesian thousands grouping."""
    values = [D(i) / 1000 for i in range(-3000, 3001)]
    values += [D(i) * D("1000.005") for i in range(0, 2000, 7)]
    with translation.override("id"):
        for v in values:
            expected = f"{capaian.round2(v):,.2f}".replace(",", "_").replace(".", ",")
            expected = expected.replace("_", ".")
            if capaian.round2(v).is_zero():
                expected = "0,00"
            assert num(v) == expected, v
            assert num(v).replace(".", "") == dec2(v), v
            assert num(v) == pdf.fmt_number(v) or capaian.round2(v).is_zero(), v


def test_num_in_a_template_and_the_capaian_panel_index():
    # target 3200, served 1 → 0.03125 %; one quality item fully met → 100 %
    c = capaian.compute(1, 3200, [capaian.QualityInput(D(1), D(1))])
    assert c.index == D("20.025")
    assert str(capaian.round2(c.index)) == "20.03"  # dashboards / API / PDF
    with translation.override("id"):
        html = Template("{% load entry_tags %}{{ v|num }} {{ v|num:1 }}").render(
            Context({"v": c.index})
        )
    assert html == "20,03 20,0"


@pytest.mark.django_db
def test_award_page_component_matches_the_api(login):
    st = catalog()
    p = PeriodFactory(quarter=2)
    r = report("33.10", st["K-DIK-01"], p, "85")
    line(r, "1.01", 100_000, 12_345)  # 12.345 % → half up 12.35
    token, _ = Token.objects.get_or_create(user=bangda())
    api = Client(headers={"Authorization": f"Token {token.key}"})
    data = api.get("/api/v1/award/", {"year": YEAR, "category": "kabupaten"}).json()
    row = next(x for x in data["results"] if x["code"] == "33.10")
    component = next(c for c in row["components"] if c["key"] == "budget")
    assert component["score"] == "12.35"

    page = login("bangda.admin").get(
        reverse("reporting:award"), {"year": YEAR, "category": "kabupaten"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    chunk = html.split('<span class="muted">33.10</span>', 1)[1].split("</tr>", 1)[0]
    assert "12,35" in chunk and "12,34" not in chunk
