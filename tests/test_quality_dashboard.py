"""The data-quality view with a small scenario computed by hand (test catalog 2031, TW II).

Expected per region (tests/factories_dashboard.py): 2 provincial service types for a province,
3 kab/kota ones for a kabupaten/kota. Jawa Tengah (33) is the province and 35 kab/kota (29
kabupaten, 6 kota), so its view expects 2 + 35 × 3 = 107 reports. Nationally 38 provinces × 2
+ (415 kabupaten + 93 kota + DKI's province) × 3 = 1.603.

Flags (ReportCheck rows):

=======  ==========  =================  =========================================
region   service     rule               state
=======  ==========  =================  =========================================
33       P-DIK-01    ANGGARAN-LEBIH ×2  error (two budget lines), open
33.10    K-DIK-01    ANGGARAN-LEBIH     error, open
33.10    K-DIK-01    MELEBIHI-TARGET    warning, explained by the operator (open)
33.10    K-KES-01    CUM-TURUN          warning, unexplained (open)
33.10    K-KES-01    RINCIAN-JUMLAH     warning, confirmed by the verifier (closed)
33.10    K-KES-02    MELEBIHI-TARGET    warning, confirmed, numbers changed since (open)
33.12    K-DIK-01    UJI-NONAKTIF       warning of an inactive rule (never counted)
35.21    K-DIK-01    CUM-TURUN          warning, unexplained (open)
=======  ==========  =================  =========================================
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from regions.models import Region, User
from reporting.models import RegionSubmission, Report, ReportCheck, ValidationRule
from reporting.quality import dashboard as q
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report, submission

S = RegionSubmission.Status
Q = 2
URL = reverse("reporting:quality_dashboard")
DATA = reverse("reporting:quality_dashboard_data")
REPORTS = reverse("reporting:quality_reports")
API = "/api/v1/dashboard/data-quality/"
PERIOD = f"year={YEAR}&quarter={Q}"


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


def _rule(code: str) -> ValidationRule:
    return ValidationRule.objects.get(code=code)


def _flag(r: Report, code: str, key: str = "", **extra) -> ReportCheck:
    rule = _rule(code)
    values = extra.pop("values", {"served": 120, "target": 100})
    return ReportCheck.objects.create(
        report=r,
        rule=rule,
        item_key=key,
        severity=rule.severity,
        section=rule.section,
        values=values,
        **extra,
    )


@pytest.fixture
def scenario(db):
    st = catalog()
    p = PeriodFactory(quarter=Q)
    ValidationRule.objects.create(
        code="UJI-NONAKTIF",
        kind=ValidationRule.Kind.EXPRESSION,
        severity=ValidationRule.Severity.WARNING,
        each=ValidationRule.Each.REPORT,
        section="recipients",
        expression="served > 0",
        message_id="Uji",
        message_en="Test",
        reason="Uji",
        is_active=False,
    )
    now = timezone.now()
    # Jawa Tengah: both services complete, one verified; sent a day early.
    p_dik = report("33", st["P-DIK-01"], p, "90")
    report("33", st["P-KES-01"], p, "70", status=Report.Status.DRAFT)
    submission("33", p, S.ACCEPTED)
    _flag(p_dik, "ANGGARAN-LEBIH", "line:1")
    _flag(p_dik, "ANGGARAN-LEBIH", "line:2")
    # Klaten: verified, complete but submitted, entered but incomplete; sent 2 days late.
    k_dik = report("33.10", st["K-DIK-01"], p, "85")
    k_kes1 = report("33.10", st["K-KES-01"], p, "60", status=Report.Status.SUBMITTED)
    k_kes2 = report("33.10", st["K-KES-02"], p, None, status=Report.Status.DRAFT)
    submission("33.10", p, S.SUBMITTED, days_before_due=-2)
    _flag(k_dik, "ANGGARAN-LEBIH", "line:7")
    _flag(k_dik, "MELEBIHI-TARGET", explanation="Target tahun ini direvisi naik.")
    _flag(k_kes1, "CUM-TURUN", values={"served": 80, "prev_served": 95, "target": 100})
    confirmed = {"served": 100, "breakdown_total": 90, "target": 100}
    _flag(
        k_kes1,
        "RINCIAN-JUMLAH",
        values=confirmed,
        confirmed_note="Dicek dengan register.",
        confirmed_values=confirmed,
        confirmed_at=now,
    )
    _flag(
        k_kes2,
        "MELEBIHI-TARGET",
        values={"served": 130, "target": 100},
        confirmed_note="Dicek.",
        confirmed_values={"served": 120, "target": 100},
        confirmed_at=now,
    )
    # Karanganyar (33.11) has nothing at all; Sukoharjo (33.12) one verified report whose only
    # flag belongs to an inactive rule.
    sk = report("33.12", st["K-DIK-01"], p, "50")
    _flag(sk, "UJI-NONAKTIF")
    # Ngawi, another province: never in Jawa Tengah's or Klaten's figures.
    ng = report("35.21", st["K-DIK-01"], p, "80")
    _flag(ng, "CUM-TURUN", values={"served": 10, "prev_served": 12, "target": 100})
    return p


def user(name: str) -> User:
    return User.objects.get(username=name)


def _rows(view: q.QualityView) -> dict[str, q.RegionRow]:
    return {r.code: r for r in view.regions}


def _text(response) -> str:
    """The page's HTML with its whitespace runs as single spaces."""
    return " ".join(response.content.decode().split())


def _counts(f) -> tuple:
    return (f.errors, f.warnings, f.unexplained, f.explained, f.warnings_total, f.flagged_reports)


# ----------------------------------------------------------------------------- figures


def test_universe_of_the_hand_computed_numbers(scenario):
    """The fixture's denominators: Jawa Tengah's 29 kabupaten and 6 kota."""
    regions = Region.objects.filter(province_code="33", is_active=True, is_autonomous=True)
    assert regions.filter(level="kabupaten").count() == 29
    assert regions.filter(level="kota").count() == 6


def test_region_rows_by_hand(scenario):
    view = q.quality_view(user("jateng.biro"), YEAR, Q, province=Region.objects.get(code="33"))
    rows = _rows(view)
    assert len(rows) == 36
    klaten = rows["33.10"]
    assert (klaten.expected, klaten.entered, klaten.complete, klaten.verified) == (3, 3, 2, 1)
    assert klaten.complete_pct == Decimal("66.67") and klaten.verified_pct == Decimal("33.33")
    # errors 1; open warnings: explained MELEBIHI, CUM-TURUN, re-opened MELEBIHI = 3, of which
    # 2 unexplained; 4 warnings in all (the confirmed RINCIAN too), so 2 explained.
    assert _counts(klaten.flags) == (1, 3, 2, 2, 4, 3)
    assert klaten.flags.explained_pct == Decimal("50.00")
    assert klaten.flagged_pct == Decimal("100.00")
    assert klaten.timeliness == "late"
    assert klaten.due_date == scenario.due_date
    assert klaten.submitted_on == scenario.due_date + dt.timedelta(days=2)

    prov = rows["33"]
    assert (prov.expected, prov.entered, prov.complete, prov.verified) == (2, 2, 2, 1)
    assert _counts(prov.flags) == (2, 0, 0, 0, 0, 1)
    assert prov.timeliness == "on_time"
    assert prov.submitted_on == scenario.due_date - dt.timedelta(days=1)

    sukoharjo = rows["33.12"]  # an inactive rule's flag counts nowhere
    assert (sukoharjo.entered, sukoharjo.complete) == (1, 1)
    assert _counts(sukoharjo.checked) == (0, 0, 0, 0, 0, 0)
    assert sukoharjo.timeliness == "missing" and sukoharjo.submitted_on is None

    nothing = rows["33.11"]  # nothing entered: no flag count at all, never a reassuring 0
    assert (nothing.expected, nothing.entered, nothing.complete) == (3, 0, 0)
    assert nothing.checked is None and nothing.flagged_pct is None
    assert nothing.as_dict()["errors"] is None
    assert "35.21" not in rows


def test_province_totals_and_levels_by_hand(scenario):
    view = q.quality_view(user("jateng.biro"), YEAR, Q, province=Region.objects.get(code="33"))
    t = view.total
    assert (t.regions, t.expected, t.entered, t.complete, t.verified) == (36, 107, 6, 5, 3)
    assert t.complete_pct == Decimal("4.67")  # 5 / 107 = 4,672…
    assert (t.on_time, t.late, t.missing) == (1, 1, 34)
    assert _counts(t.flags) == (3, 3, 2, 2, 4, 4)
    levels = {g.key: g for g in view.levels}
    assert list(levels) == ["province", "kabupaten", "kota"]
    kab = levels["kabupaten"]
    assert (kab.regions, kab.expected, kab.entered, kab.complete, kab.verified) == (29, 87, 4, 3, 2)
    assert _counts(kab.flags) == (1, 3, 2, 2, 4, 3)
    kota = levels["kota"]
    assert (kota.regions, kota.expected, kota.entered) == (6, 18, 0)
    assert kota.checked is None


def test_rules_by_hand(scenario):
    view = q.quality_view(user("jateng.biro"), YEAR, Q, province=Region.objects.get(code="33"))
    rules = {r.code: r for r in view.rules}
    assert "UJI-NONAKTIF" not in rules
    budget = rules["ANGGARAN-LEBIH"]
    assert (budget.errors, budget.warnings, budget.reports, budget.regions) == (3, 0, 2, 2)
    over = rules["MELEBIHI-TARGET"]
    assert (over.warnings, over.unexplained, over.explained, over.warnings_total) == (2, 1, 1, 2)
    assert (over.reports, over.regions) == (2, 1)
    cum = rules["CUM-TURUN"]  # Ngawi's is not in Jawa Tengah
    assert (cum.warnings, cum.unexplained, cum.explained, cum.reports, cum.regions) == (
        1,
        1,
        0,
        1,
        1,
    )
    breakdown = rules["RINCIAN-JUMLAH"]  # confirmed: explained, no longer open
    assert (breakdown.warnings, breakdown.explained, breakdown.warnings_total) == (0, 1, 1)
    assert breakdown.explained_pct == Decimal("100.00") and breakdown.reports == 0
    assert "…" in over.description and "{" not in over.description


def test_national_view_by_hand(scenario):
    view = q.quality_view(user("bangda.admin"), YEAR, Q)
    t = view.total
    assert (t.regions, t.expected, t.entered, t.complete, t.verified) == (546, 1603, 7, 6, 4)
    assert _counts(t.flags) == (3, 4, 3, 2, 5, 5)
    provinces = {g.key: g for g in view.provinces}
    assert len(provinces) == 38
    assert provinces["33"].label == "Jawa Tengah" and provinces["33"].expected == 107
    assert _counts(provinces["35"].flags) == (0, 1, 1, 0, 1, 1)
    assert provinces["36"].checked is None


def test_region_verifier_sees_only_their_region(scenario):
    view = q.quality_view(user("klaten.tapem"), YEAR, Q)
    assert [r.code for r in view.regions] == ["33.10"]
    rules = {r.code: r for r in view.rules}
    assert rules["CUM-TURUN"].warnings == 1 and rules["ANGGARAN-LEBIH"].errors == 1


def test_sector_viewer_sees_their_sector_only(scenario):
    view = q.quality_view(user("kemenkes.viewer"), YEAR, Q, province=Region.objects.get(code="33"))
    t = view.total
    # KES only: 1 provincial + 2 kab/kota services → 1 + 35 × 2 = 71 expected.
    assert (t.expected, t.entered, t.complete, t.verified) == (71, 3, 2, 0)
    assert _counts(t.flags) == (0, 2, 2, 1, 3, 2)


# ----------------------------------------------------------------------------- pages


def test_region_page_defaults_to_the_verifier_region_with_reports(scenario, login):
    r = login("klaten.tapem").get(f"{URL}?{PERIOD}")
    assert r.status_code == 200
    html = _text(r)
    assert "Kualitas data Kabupaten Klaten" in html
    assert "2 dari 3 laporan (66,67%)" in html  # complete
    assert "2 dari 4 peringatan (50,00%)" in html  # explained
    assert "3 dari 3 laporan terisi (100,00%)" in html
    assert "Terlambat" in html
    lines = r.context["lines"]
    assert [line.service_code for line in lines] == ["K-DIK-01", "K-KES-01", "K-KES-02"]
    k_kes1 = lines[1]
    assert [c.rule.code for c in k_kes1.checks] == ["CUM-TURUN", "RINCIAN-JUMLAH"]
    assert "turun dari 95" in k_kes1.checks[0].text and "menjadi 80" in k_kes1.checks[0].text
    assert reverse("reporting:report_review", args=[k_kes1.report.pk]) in html
    assert "Target tahun ini direvisi naik." in html
    assert "Dicek dengan register." in html
    assert "Ngawi" not in html


def test_missing_reports_are_listed_not_zero(scenario, login):
    r = login("jateng.biro").get(f"{URL}?{PERIOD}&region=33.11")
    assert r.status_code == 200
    lines = r.context["lines"]
    assert [(line.service_code, line.completeness_label) for line in lines] == [
        ("K-DIK-01", "Tidak ada laporan"),
        ("K-KES-01", "Tidak ada laporan"),
        ("K-KES-02", "Tidak ada laporan"),
    ]
    html = _text(r)
    assert "0 dari 3 laporan (0,00%)" in html
    assert 'data-testid="sum-errors"> — </dd>' in html


def test_province_page_lists_its_regions(scenario, login):
    r = login("jateng.biro").get(f"{URL}?{PERIOD}")
    assert r.status_code == 200
    assert r.context["mode"] == "province"
    html = _text(r)
    assert 'data-region="33.10"' in html and 'data-region="35.21"' not in html
    assert "5 dari 107 laporan (4,67%)" in html
    assert "1 dari 36 wilayah (2,78%)" in html  # on time


def test_national_page_for_bangda(scenario, login, django_assert_max_num_queries):
    """546 regions in a fixed number of queries (13 with the session, user, roles and bell)."""
    client = login("bangda.admin")
    client.get(f"{URL}?{PERIOD}")
    with django_assert_max_num_queries(13):
        r = client.get(f"{URL}?{PERIOD}")
    assert r.status_code == 200 and r.context["mode"] == "national"
    html = _text(r)
    assert 'data-province="33"' in html and "6 dari 1.603 laporan (0,37%)" in html


def test_page_in_english(scenario, login, settings):
    c = login("jateng.biro")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _text(c.get(f"{URL}?{PERIOD}"))
    assert "Data quality Jawa Tengah" in html
    assert "5 of 107 reports (4,67%)" in html and "2 of 4 warnings (50,00%)" in html
    assert "Laporan lengkap" not in html and "peringatan" not in html


def test_opd_staff_are_refused(scenario, login):
    assert login("klaten.dinkes").get(f"{URL}?{PERIOD}").status_code == 403
    assert login("klaten.dinkes").get(API).status_code == 403


def test_out_of_scope_is_absent(scenario, login):
    c = login("klaten.tapem")
    assert c.get(f"{URL}?{PERIOD}&region=35.21").status_code == 404
    assert c.get(f"{URL}?{PERIOD}&province=33").status_code == 404
    assert c.get(f"{DATA}?{PERIOD}&region=35.21&table=regions&format=csv").status_code == 404
    assert c.get(f"{REPORTS}?{PERIOD}&region=35.21").status_code == 404
    assert c.get(f"{API}?{PERIOD}&region=35.21").status_code == 404


# ----------------------------------------------------------------------------- drill-down


def test_drilldown_by_rule_and_by_flags(scenario, login):
    c = login("jateng.biro")
    r = c.get(f"{REPORTS}?{PERIOD}&province=33&rule=CUM-TURUN")
    assert r.status_code == 200
    assert [(x.region_code, x.service_code) for x in r.context["lines"]] == [("33.10", "K-KES-01")]
    assert [ch.rule.code for ch in r.context["lines"][0].checks] == ["CUM-TURUN"]
    r = c.get(f"{REPORTS}?{PERIOD}&province=33&flags=errors")
    assert [(x.region_code, x.service_code) for x in r.context["lines"]] == [
        ("33", "P-DIK-01"),
        ("33.10", "K-DIK-01"),
    ]
    r = c.get(f"{REPORTS}?{PERIOD}&province=33&flags=unexplained")
    assert [x.service_code for x in r.context["lines"]] == ["K-KES-01", "K-KES-02"]
    r = c.get(f"{REPORTS}?{PERIOD}&province=33&flags=explained")
    assert [x.service_code for x in r.context["lines"]] == ["K-DIK-01", "K-KES-01"]
    r = c.get(f"{REPORTS}?{PERIOD}&province=33&level=kabupaten&flags=errors")
    assert [x.region_code for x in r.context["lines"]] == ["33.10"]
    assert c.get(f"{REPORTS}?{PERIOD}&rule=UJI-NONAKTIF").status_code == 404


def test_region_verifier_drilldown_never_shows_another_region(scenario, login):
    r = login("klaten.tapem").get(f"{REPORTS}?{PERIOD}&rule=CUM-TURUN&format=csv")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "Klaten" in text and "35.21" not in text and "Ngawi" not in text


def test_drilldown_csv_one_row_per_flag(scenario, login):
    r = login("jateng.biro").get(f"{REPORTS}?{PERIOD}&region=33.10&format=csv")
    assert r.status_code == 200
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Kode wilayah", "Wilayah", "Kode jenis layanan"]
    body = rows[1:]
    assert len(body) == 5  # 2 + 2 + 1 flags of Klaten's three reports
    kes1 = [row for row in body if row[2] == "K-KES-01"]
    assert [(row[6], row[7], row[11]) for row in kes1] == [
        ("CUM-TURUN", "Peringatan", "belum dijelaskan"),
        ("RINCIAN-JUMLAH", "Peringatan", "diperiksa benar oleh verifikator"),
    ]
    assert kes1[1][10] == "Dicek dengan register."


# ----------------------------------------------------------------------------- downloads, API


def test_regions_csv_is_the_indonesian_csv(scenario, login):
    r = login("jateng.biro").get(f"{DATA}?{PERIOD}&province=33&table=regions&format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    head = rows[0]
    klaten = dict(zip(head, next(row for row in rows if row[0] == "33.10"), strict=True))
    assert klaten["Laporan wajib"] == "3" and klaten["Laporan lengkap"] == "2"
    assert klaten["Persentase lengkap dari wajib"] == "66,67"
    assert klaten["Galat terbuka"] == "1" and klaten["Peringatan belum dijelaskan"] == "2"
    assert klaten["Ketepatan waktu"] == "Terlambat" and klaten["Tingkat"] == "Kabupaten"
    nothing = dict(zip(head, next(row for row in rows if row[0] == "33.11"), strict=True))
    assert nothing["Galat terbuka"] == "" and nothing["Laporan terisi"] == "0"
    assert not any(row[0] == "35.21" for row in rows)


def test_region_verifier_csv_has_only_their_region(scenario, login):
    r = login("klaten.tapem").get(f"{DATA}?{PERIOD}&table=regions&format=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["33.10"]


def test_rules_xlsx_holds_numbers(scenario, login):
    r = login("jateng.biro").get(f"{DATA}?{PERIOD}&province=33&table=rules&format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("Aturan", "Tingkat temuan", "Pesan")
    by_code = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    assert by_code["ANGGARAN-LEBIH"]["Galat terbuka"] == 3
    assert by_code["ANGGARAN-LEBIH"]["Tingkat temuan"] == "Galat"
    assert by_code["MELEBIHI-TARGET"]["Persentase dijelaskan dari semua peringatan"] == 50.0


def test_api_shape_and_figures(scenario, login):
    r = login("jateng.biro").get(f"{API}?{PERIOD}&province=33")
    assert r.status_code == 200
    data = r.json()
    assert set(data) == {
        "year",
        "quarter",
        "province",
        "region",
        "total",
        "levels",
        "regions",
        "rules",
    }
    assert (data["year"], data["quarter"], data["province"], data["region"]) == (
        YEAR,
        Q,
        "33",
        None,
    )
    total = data["total"]
    assert (total["expected"], total["complete"], total["complete_pct"]) == (107, 5, "4.67")
    assert (total["errors"], total["warnings"], total["explained"], total["warnings_total"]) == (
        3,
        3,
        2,
        4,
    )
    assert (total["on_time"], total["late"], total["not_submitted"]) == (1, 1, 34)
    klaten = next(x for x in data["regions"] if x["code"] == "33.10")
    assert klaten["timeliness"] == "late"
    assert klaten["submitted_on"] == (scenario.due_date + dt.timedelta(days=2)).isoformat()
    assert next(x for x in data["regions"] if x["code"] == "33.11")["errors"] is None
    rule = next(x for x in data["rules"] if x["code"] == "MELEBIHI-TARGET")
    assert (rule["warnings"], rule["unexplained"], rule["explained_pct"]) == (2, 1, "50.00")


def test_api_and_page_data_agree(scenario, login):
    c = login("jateng.biro")
    api = c.get(f"{API}?{PERIOD}&province=33").json()
    page = c.get(f"{DATA}?{PERIOD}&province=33").json()
    assert api["total"]["expected"] == page["total"]["expected"] == 107
    assert [x["code"] for x in api["regions"]] == [x["code"] for x in page["regions"]]
    assert api["rules"] == page["rules"]
    assert api["total"] == page["total"]


def test_api_region_verifier_sees_only_their_region(scenario, login):
    data = login("klaten.tapem").get(f"{API}?{PERIOD}").json()
    assert [x["code"] for x in data["regions"]] == ["33.10"]
    assert data["total"]["warnings"] == 3


def test_api_is_in_the_schema(db, login):
    r = login("bangda.admin").get("/api/v1/schema/")
    assert r.status_code == 200
    assert b"/api/v1/dashboard/data-quality/" in r.content


# ----------------------------------------------------------------------------- cache


@pytest.mark.django_db(transaction=True)
def test_cached_view_shows_every_committed_change():
    """Transactional, as in production (the cache is only used outside a writing transaction):
    a repeated read reuses the figures, an explanation or a rule switched off shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.quality.services import ensure_builtin_rules
    from tests.conftest import ensure_seeded

    if connection.vendor != "postgresql":
        pytest.skip("the fingerprint reads PostgreSQL's xmin")
    ensure_seeded()
    ensure_builtin_rules()
    st = catalog()
    p = PeriodFactory(quarter=Q)
    check = _flag(report("33.10", st["K-DIK-01"], p, "85"), "MELEBIHI-TARGET")
    c = Client()
    c.force_login(user("jateng.biro"))
    page = f"{URL}?{PERIOD}&province=33"
    api = f"{API}?{PERIOD}&province=33"

    def read() -> tuple[int, str, dict]:
        with CaptureQueriesContext(connection) as ctx:
            html = _text(c.get(page))
        return len(ctx.captured_queries), html, c.get(api).json()["total"]

    first, html, total = read()
    assert "0 dari 1 peringatan (0,00%)" in html and total["explained"] == 0
    again, html_again, _ = read()
    assert again < first
    assert html_again.split('<main id="main">')[1] == html.split('<main id="main">')[1]
    ReportCheck.objects.filter(pk=check.pk).update(explanation="Target direvisi.")
    _, html, total = read()
    assert "1 dari 1 peringatan (100,00%)" in html and total["explained"] == 1
    ValidationRule.objects.filter(code="MELEBIHI-TARGET").update(is_active=False)
    _, html, total = read()
    assert "0 dari 0 peringatan" in html and total["warnings_total"] == 0
