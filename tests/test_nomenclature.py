"""Budget nomenclature (Kepmendagri 900.1-2850/2025): loader, search, API, form, dashboards."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators import selectors
from indicators.models import NomenclatureItem, ServiceBudgetCode
from indicators.nomenclature import NOMENCLATURE_FILE
from indicators.services import load_nomenclature

pytestmark = pytest.mark.django_db


def test_shipped_file_says_it_is_partial_and_names_its_source():
    head = NOMENCLATURE_FILE.read_text(encoding="utf-8")[:1500]
    assert "900.1-2850" in head and "PARTIAL" in head and "load_nomenclature" in head


def test_loader_is_idempotent():
    total = NomenclatureItem.objects.count()
    assert total > 0  # seeded with the demo
    result = load_nomenclature()
    assert (result.created, result.updated, result.unchanged) == (0, 0, total)
    again = load_nomenclature()
    assert again.unchanged == total
    assert NomenclatureItem.objects.count() == total


def test_loaded_tree_levels_parents_and_sectors():
    sub = NomenclatureItem.objects.get(code="1.02.02.2.02.0001")
    assert sub.level == NomenclatureItem.Level.SUB_ACTIVITY
    assert sub.parent.code == "1.02.02.2.02"
    assert sub.parent.level == NomenclatureItem.Level.ACTIVITY
    assert sub.parent.parent.code == "1.02.02"
    assert sub.sector.code == "KES"
    assert NomenclatureItem.objects.get(code="1.06.04.2.01").sector.code == "SOS"
    link = ServiceBudgetCode.objects.get(service_code="K-KES-01")
    assert link.item.code == "1.02.02.2.02.0001"


def test_csv_from_the_official_spreadsheet_updates_and_creates(tmp_path: Path):
    f = tmp_path / "lampiran.csv"
    f.write_text(
        "No;Kode;Nomenklatur\n"
        "1;1;URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR\n"
        "2;1.02;URUSAN PEMERINTAHAN BIDANG KESEHATAN\n"
        "3;1.02.02.2.02.0001;Pengelolaan Pelayanan Kesehatan Ibu Hamil\n"
        "4;1.02.02.2.02.0099;Sub Kegiatan Uji\n"
        "5;1.02.02.2.02.0002;Nama Baru Bersalin\n"
        "6;2.07.02;Program urusan lain\n",
        encoding="utf-8",
    )
    result = load_nomenclature(f)
    # ibu hamil: same name, its source becomes the spreadsheet; bersalin: renamed
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0001").source.endswith("(lampiran.csv)")
    assert result.skipped == 3  # urusan, bidang, a non-SPM urusan
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0099").parent.code == "1.02.02.2.02"
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0002").name == "Nama Baru Bersalin"
    # the shipped mapping is untouched by a spreadsheet without one
    assert ServiceBudgetCode.objects.filter(service_code="K-KES-02").exists()


def test_xlsx_with_uraian_column(tmp_path: Path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["LAMPIRAN KEPMENDAGRI"])
    sheet.append(["KODE", "URAIAN"])
    sheet.append(["1.05.03.2.01.0001", "Sub Kegiatan Informasi Uji"])
    f = tmp_path / "lampiran.xlsx"
    book.save(f)
    result = load_nomenclature(f)
    assert result.created == 1
    assert NomenclatureItem.objects.get(code="1.05.03.2.01.0001").sector.code == "TRANTIB"


def test_bad_file_changes_nothing(tmp_path: Path):
    before = list(NomenclatureItem.objects.values_list("code", "name").order_by("code"))
    f = tmp_path / "bad.csv"
    f.write_text(
        "kode,nomenklatur\n"
        "1.02.02.2.02.0001,Nama Diubah\n"
        "1.02.02.2.02.0100,Sub Kegiatan Baru\n"
        "1.02.77.2.01.0001,Induknya tidak ada\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="induknya 1.02.77.2.01 tidak ada"):
        call_command("load_nomenclature", str(f), verbosity=0)
    after = list(NomenclatureItem.objects.values_list("code", "name").order_by("code"))
    assert after == before


def test_file_without_columns_is_refused(tmp_path: Path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kolom 'kode'"):
        call_command("load_nomenclature", str(f), verbosity=0)


def test_command_reports_counts(capsys):
    call_command("load_nomenclature")
    out = capsys.readouterr().out
    total = NomenclatureItem.objects.count()
    assert f"0 baru, 0 diperbarui, {total} tetap" in out


# ---------------------------------------------------------------- search


def test_search_filters_by_sector_and_skips_programs():
    found = selectors.search_nomenclature("", sector="SOS", limit=100)
    assert found and all(i.sector.code == "SOS" for i in found)
    assert all(i.level != NomenclatureItem.Level.PROGRAM for i in found)


def test_search_puts_the_service_usual_code_first():
    found = selectors.search_nomenclature("", sector="KES", service_code="K-KES-08")
    assert found[0].code == "1.02.02.2.02.0008" and found[0].is_usual
    assert not found[1].is_usual


def test_search_by_words_and_code_prefix_and_limit():
    assert [i.code for i in selectors.search_nomenclature("hipertensi")] == ["1.02.02.2.02.0008"]
    by_code = selectors.search_nomenclature("1.02.02.2.02.001")
    assert [i.code for i in by_code] == [
        "1.02.02.2.02.0010",
        "1.02.02.2.02.0011",
        "1.02.02.2.02.0012",
    ]
    assert len(selectors.search_nomenclature("", limit=3)) == 3
    assert len(selectors.search_nomenclature("", limit=10_000)) <= selectors.NOMENCLATURE_MAX


# ---------------------------------------------------------------- API


def test_api_searches_by_sector_and_service(client, cast):
    client.force_login(cast["klaten.dinkes"])
    r = client.get("/api/v1/nomenclature/", {"sector": "KES", "service": "K-KES-02", "limit": 5})
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 5
    assert rows[0]["code"] == "1.02.02.2.02.0002" and rows[0]["usual"] is True
    assert rows[0]["parent_code"] == "1.02.02.2.02" and rows[0]["sector"] == "KES"
    assert all(row["sector"] == "KES" and row["level"] != "program" for row in rows)
    r = client.get("/api/v1/nomenclature/", {"sector": "SOS", "q": "hipertensi"})
    assert r.status_code == 200 and r.json() == []


def test_api_rejects_bad_limit_and_level(client, cast):
    client.force_login(cast["klaten.dinkes"])
    assert client.get("/api/v1/nomenclature/", {"limit": "0"}).status_code == 400
    assert client.get("/api/v1/nomenclature/", {"level": "program"}).status_code == 400
    r = client.get("/api/v1/nomenclature/", {"q": "a\x00b"})
    assert r.status_code in (200, 400)  # refused or a miss, never a database error


def test_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/nomenclature/").status_code in (401, 403)


def test_api_is_in_the_openapi_schema(client, cast):
    client.force_login(cast["bangda.admin"])
    r = client.get("/api/v1/schema/", {"format": "json"})
    assert r.status_code == 200
    assert "/api/v1/nomenclature/" in r.json()["paths"]


# ---------------------------------------------------------------- report form


def _kes_report():
    from tests.factories_reporting import demo_report

    return demo_report(code="K-KES-01")


def test_form_page_offers_the_sector_list_usual_first(client, cast):
    report = _kes_report()
    client.force_login(cast["klaten.dinkes"])
    r = client.get(f"/laporan/{report.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'list="budget-nomenclature"' in html and '<datalist id="budget-nomenclature">' in html
    first = html.index('<datalist id="budget-nomenclature">')
    assert html.index('value="1.02.02.2.02.0001"', first) < html.index(
        'value="1.02.02.2.02.0002"', first
    )
    assert 'value="1.06.04.2.01"' not in html  # another sector's code


def test_search_endpoint_filters_to_the_report_sector_and_field_level(client, cast):
    report = _kes_report()
    client.force_login(cast["klaten.dinkes"])
    url = f"/laporan/{report.pk}/anggaran/nomenklatur/"
    subs = client.get(url, {"new-sub_activity_code": "1.02.02.2.02.000"}).content.decode()
    assert subs.count("<option") == 9  # 0001 … 0009
    assert subs.startswith('<option value="1.02.02.2.02.0001"')
    assert 'data-parent-code="1.02.02.2.02"' in subs
    acts = client.get(url, {"new-activity_code": "1.0"}).content.decode()
    assert 'value="1.02.02.2.02"' in acts and "0001" not in acts
    other = client.get(url, {"q": "rehabilitasi sosial"}).content.decode()
    assert "<option" not in other  # a social code is not offered on a health report


def test_listed_code_is_saved_without_warning_unknown_code_saved_with_one(client, cast):
    from reporting.models import BudgetLine

    report = _kes_report()
    client.force_login(cast["klaten.dinkes"])
    url = f"/laporan/{report.pk}/anggaran/"
    before = BudgetLine.objects.filter(report=report).count()
    r = client.post(
        url,
        {
            "new-version": report.version,
            "new-activity_code": "1.02.02.2.02",
            "new-activity_name": "Penyediaan Layanan Kesehatan untuk UKM dan UKP Rujukan Tingkat Daerah Kabupaten/Kota",
            "new-sub_activity_code": "1.02.02.2.02.0001",
            "new-sub_activity_name": "Pengelolaan Pelayanan Kesehatan Ibu Hamil",
            "new-allocated": "1.000.000",
            "new-realised": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200, r.content[:500]
    assert BudgetLine.objects.filter(report=report).count() == before + 1
    report.refresh_from_db()
    r = client.post(
        url,
        {
            "new-version": report.version,
            "new-activity_code": "1.02.99.2.01",
            "new-activity_name": "Kegiatan lokal",
            "new-allocated": "2.000.000",
            "new-realised": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200, r.content[:500]
    assert BudgetLine.objects.filter(report=report, activity_code="1.02.99.2.01").exists()
    html = r.content.decode()
    assert "kode 1.02.99.2.01 tidak ada dalam nomenklatur" in html
    assert "kode 1.02.02.2.02.0001 tidak ada" not in html
    assert "kode 1.02.02.2.02 tidak ada" not in html


# ---------------------------------------------------------------- dashboards


def _budget_setup():
    """Region 33.10, TW I 2026: two verified reports (KES, DIK) and one draft (KES)."""
    from reporting.models import BudgetLine, Report

    base = Report.objects.filter(region__code="33.10", period__year=2026, period__quarter=1)
    BudgetLine.objects.filter(report__in=base).delete()
    base.update(status="returned")  # nothing else counts
    kes1 = base.get(service_type__code="K-KES-01")
    dik = base.get(service_type__code="K-DIK-02")
    kes2 = base.get(service_type__code="K-KES-02")
    Report.objects.filter(pk__in=[kes1.pk, dik.pk]).update(status="verified")
    Report.objects.filter(pk=kes2.pk).update(status="draft")
    for report, allocated, realised in (
        (kes1, 3_000_000, 1_500_000),
        (dik, 1_000_000, 1_000_000),
        (kes2, 5_000_000, 0),
    ):
        BudgetLine.objects.create(
            report=report,
            activity_code="1.02.02.2.02",
            activity_name="x",
            allocated=allocated,
            realised=realised,
        )


def test_region_budget_shares_and_realisation_by_hand(cast):
    from decimal import Decimal

    from regions.models import Region
    from reporting.dashboards.selectors import region_dashboard

    _budget_setup()
    region = Region.objects.get(code="33.10")
    b = region_dashboard(cast["bangda.admin"], region, 2026, 1).budget
    rows = {r.key: r for r in b.sectors}
    assert set(rows) == {"DIK", "KES"}  # the draft counts only in provisional figures
    assert (b.allocated, b.realised, b.reports) == (4_000_000, 2_500_000, 2)
    assert rows["KES"].share == Decimal("75.00") and rows["KES"].rate == Decimal("50.00")
    assert rows["DIK"].share == Decimal("25.00") and rows["DIK"].rate == Decimal("100.00")
    assert b.rate == Decimal("62.50")  # 2.5 / 4 million
    p = region_dashboard(cast["bangda.admin"], region, 2026, 1, provisional=True).budget
    prow = {r.key: r for r in p.sectors}
    assert p.allocated == 9_000_000
    assert prow["KES"].share == Decimal("88.89")  # 8 / 9 million
    assert prow["KES"].rate == Decimal("18.75")  # 1.5 / 8 million
    assert prow["DIK"].share == Decimal("11.11")


def test_sector_viewer_sees_only_its_sector_budget(cast):
    from decimal import Decimal

    from regions.models import Region
    from reporting.dashboards.selectors import region_dashboard

    _budget_setup()
    region = Region.objects.get(code="33.10")
    b = region_dashboard(cast["kemenkes.viewer"], region, 2026, 1).budget
    assert [r.key for r in b.sectors] == ["KES"]
    assert b.sectors[0].share == Decimal("100.00") and b.allocated == 3_000_000


def test_province_dashboard_budget_per_region(cast):
    from regions.models import Region
    from reporting.dashboards.selectors import national_dashboard

    _budget_setup()
    province = Region.objects.get(code="33")
    dash = national_dashboard(cast["bangda.admin"], 2026, 1, province=province)
    klaten = next(r for r in dash.budget.regions if r.key == "33.10")
    assert (klaten.allocated, klaten.realised) == (4_000_000, 2_500_000)
    assert klaten.whole == dash.budget.allocated
    assert sum(r.allocated for r in dash.budget.regions) == dash.budget.allocated


def test_region_dashboard_page_and_export_show_the_budget(client, cast):
    _budget_setup()
    client.force_login(cast["bangda.admin"])
    r = client.get("/laporan/dashboard/wilayah/33.10/", {"year": 2026, "quarter": 1})
    assert r.status_code == 200
    html = r.content.decode()
    section = html[html.index('id="h-budget-figures"') :]
    assert "Rp3.000.000" in section and "75,00" in section and "62,50" in section
    r = client.get(
        "/laporan/dashboard/wilayah/33.10/data/",
        {"year": 2026, "quarter": 1, "table": "budget", "format": "csv"},
    )
    assert r.status_code == 200
    body = r.content.decode("utf-8-sig")
    assert "3000000" in body and "4000000" not in body.split("\n")[0]


def test_api_limit_must_be_plain_digits(client, cast):
    client.force_login(cast["klaten.dinkes"])
    assert client.get("/api/v1/nomenclature/", {"limit": "²"}).status_code == 400
    assert len(client.get("/api/v1/nomenclature/", {"limit": "500"}).json()) <= 100


def test_admin_lists_the_nomenclature_for_bangda(client, cast):
    client.force_login(cast["bangda.admin"])
    r = client.get("/admin/indicators/nomenclatureitem/", {"q": "hipertensi"})
    assert r.status_code == 200
    assert "1.02.02.2.02.0008" in r.content.decode()


# ---------------------------------------------------------------- catalog page


def test_nomenclature_page_filters_and_exports(client, cast):
    client.force_login(cast["klaten.dinkes"])
    r = client.get("/katalog/nomenklatur/", {"sector": "KES", "q": "hipertensi"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "1.02.02.2.02.0008" in html and "1.02.02.2.02.0007" not in html
    assert "sebagian" in html  # says the list is partial
    r = client.get("/katalog/nomenklatur/", {"sector": "SOS", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    body = r.content.decode("utf-8-sig")
    assert "1.06.04.2.01" in body and "1.02.02" not in body
    lines = [line for line in body.splitlines() if line.strip()]
    assert len(lines) == 1 + NomenclatureItem.objects.filter(sector__code="SOS").count()
    r = client.get("/katalog/nomenklatur/", {"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_demo_budget_lines_use_codes_from_the_list():
    from reporting.models import BudgetLine

    lines = BudgetLine.objects.filter(report__region__code="33.10")
    assert lines.exists()
    codes = {
        c for pair in lines.values_list("activity_code", "sub_activity_code") for c in pair if c
    }
    assert codes <= selectors.known_budget_codes(codes)
    kes = lines.filter(report__service_type__code="K-KES-08").first()
    assert kes is not None
    assert (kes.activity_code, kes.sub_activity_code) == ("1.02.02.2.02", "1.02.02.2.02.0008")
    assert kes.sub_activity_name == "Pengelolaan Pelayanan Kesehatan Penderita Hipertensi"
