"""Excel import of quarterly data: round trip, and broken workbooks that change nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from regions.models import Region, User
from reporting.entry import services
from reporting.imports import services as importer
from reporting.models import BudgetLine, Period, Report
from reporting.periods import services as period_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, settings):
    """Drafts of uploads go to a throwaway private storage."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def user(name: str) -> User:
    return User.objects.get(username=name)


def tw3() -> Period:
    return Period.objects.get(year=2026, quarter=3)


def klaten() -> Region:
    return Region.objects.get(code="33.10")


def report(code: str) -> Report:
    return Report.objects.get(region__code="33.10", period=tw3(), service_type__code=code)


def workbook(username: str = "klaten.dinkes"):
    data = importer.build_workbook(user(username), klaten(), tw3())
    return load_workbook(io.BytesIO(data))


def as_file(wb) -> io.BytesIO:
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def row_of(ws, code: str, column: str = "kode_layanan") -> int:
    header = [c.value for c in ws[1]]
    idx = header.index(column)
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=idx + 1).value == code:
            return r
    raise AssertionError(f"{code} not in {ws.title}")


def quality_row(ws, service: str, item: str) -> int:
    header = [c.value for c in ws[1]]
    s_col, q_col = header.index("kode_layanan") + 1, header.index("kode_mutu") + 1
    for r in range(2, ws.max_row + 1):
        if (ws.cell(row=r, column=s_col).value, ws.cell(row=r, column=q_col).value) == (
            service,
            item,
        ):
            return r
    raise AssertionError(f"{service} {item} not in {ws.title}")


def set_cell(ws, row: int, column: str, value) -> None:
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1).value = value


def state() -> list:
    return sorted(
        Report.objects.filter(region__code="33.10").values_list(
            "pk", "version", "recipients_served", "problems", "status"
        )
    ) + sorted(
        BudgetLine.objects.filter(report__region__code="33.10").values_list("pk", "allocated")
    )


def test_workbook_has_the_agency_reports_prefilled():
    wb = workbook()
    assert {"Petunjuk", "Layanan", "Mutu", "Anggaran", "_meta"} <= set(wb.sheetnames)
    codes = {wb["Layanan"].cell(row=r, column=2).value for r in range(2, wb["Layanan"].max_row + 1)}
    assert codes == set(
        Report.objects.filter(
            region__code="33.10", period=tw3(), agency__short_name="DINKES"
        ).values_list("service_type__code", flat=True)
    )
    r = row_of(wb["Layanan"], "K-KES-01")
    assert wb["Layanan"].cell(row=r, column=8).value == report("K-KES-01").recipients_served
    verifier_codes = workbook("klaten.tapem")["Layanan"].max_row - 1
    assert verifier_codes == Report.objects.filter(region__code="33.10", period=tw3()).count()


def test_round_trip_preview_then_commit_through_the_pages():
    target = report("K-KES-01")
    wb = workbook()
    services_ws = wb["Layanan"]
    r = row_of(services_ws, "K-KES-01")
    set_cell(services_ws, r, "penerima_terlayani", "1.234")
    set_cell(services_ws, r, "permasalahan", "Kohort belum lengkap (impor demo).")
    new_stage = "in_progress" if target.stages.get(stage=2).status == "done" else "done"
    set_cell(services_ws, r, "tahap_2", importer.STAGE_CODES[new_stage])
    quality = wb["Mutu"]
    item = target.quality.select_related("quality_item").filter(quality_item__has_quantity=True)[0]
    qr = quality_row(quality, "K-KES-01", item.quality_item.code)
    set_cell(quality, qr, "realisasi", 3.5)
    budget = wb["Anggaran"]
    budget.append(
        [
            "33.10",
            "K-KES-01",
            None,
            "1.02.02.2.02",
            "Penyediaan Layanan Kesehatan (impor demo)",
            "",
            "",
            5_000_000,
            1_000_000,
        ]
    )
    client = Client()
    client.force_login(user("klaten.dinkes"))
    target_fields = {"wilayah": "33.10", "periode": tw3().pk}
    response = client.post(
        reverse("reporting:import_preview"),
        {**target_fields, "berkas": SimpleUploadedFile("isi.xlsx", as_file(wb).read())},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    result = response.context["result"]
    assert result.ok
    changed = {c.field for item in result.changed for c in item.changes}
    assert {"recipients_served", "problems", "stages.2.status"} <= changed
    assert f"quality.{item.quality_item.code}.realised" in changed
    before = target.version
    target.refresh_from_db()
    assert target.version == before, "the preview writes nothing"
    token = response.context["token"]
    done = client.post(reverse("reporting:import_commit"), {**target_fields, "token": token})
    assert done.status_code == 302
    target.refresh_from_db()
    assert target.recipients_served == 1234
    assert target.problems == "Kohort belum lengkap (impor demo)."
    assert target.stages.get(stage=2).status == new_stage
    item.refresh_from_db()
    assert item.realised == Decimal("3.50")
    assert target.budget_lines.filter(allocated=5_000_000, realised=1_000_000).exists()
    assert target.version > before
    assert target.history.first().history_user.username == "klaten.dinkes"
    # The draft is gone: the same commit cannot be replayed.
    again = client.post(reverse("reporting:import_commit"), {**target_fields, "token": token})
    assert again.status_code == 404


def test_broken_workbook_changes_nothing():
    wb = workbook()
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-KES-01"), "penerima_terlayani", "banyak sekali")  # text in numbers
    set_cell(ws, row_of(ws, "K-KES-02"), "penerima_terlayani", 10)  # a valid change, still refused
    ws.append(["33.10", "K-XXX-99"])  # wrong code
    ws.append(["35.21", "K-KES-01", "", "", "", 1, None, 5])  # another region's row
    quality = wb["Mutu"]
    quality.append(["33.10", "K-KES-01", "NOPE-1", "", "", None, 1])
    before = state()
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert not result.ok
    text = " ".join(e.message for e in result.all_errors)
    assert "K-XXX-99" in text and "35.21" in text and "NOPE-1" in text
    assert "angka" in text.lower()
    with pytest.raises(importer.WorkbookError):
        importer.commit(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert state() == before


def test_locked_period_changes_nothing():
    wb = workbook()
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-KES-01"), "penerima_terlayani", 77)
    period_services.close_period(tw3().pk, user("bangda.admin"))
    before = state()
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert not result.ok
    assert any("ditutup" in e.message for e in result.all_errors)
    with pytest.raises(importer.WorkbookError):
        importer.commit(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert state() == before


def test_workbook_older_than_the_report_is_merged_field_by_field():
    """Issue #17: cells the form did not change since the download are written, the form's
    change stays; only a cell changed differently on both sides is refused."""
    wb = workbook()
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-KES-01"), "penerima_terlayani", 55)
    target = report("K-KES-01")
    solutions = target.solutions
    services.save_problems(
        target.pk,
        user("klaten.dinkes"),
        target.version,
        problems="Diubah di formulir.",
        solutions=solutions,
    )
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert result.ok, [e.message for e in result.all_errors]
    (item,) = [i for i in result.changed if i.report.pk == target.pk]
    assert [c.field for c in item.changes] == ["recipients_served"]
    importer.commit(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    target.refresh_from_db()
    assert target.recipients_served == 55 and target.problems == "Diubah di formulir."


def test_cell_changed_differently_in_the_form_since_the_download_is_refused():
    wb = workbook()
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-KES-01"), "permasalahan", "Dari Excel.")
    target = report("K-KES-01")
    services.save_problems(
        target.pk,
        user("klaten.dinkes"),
        target.version,
        problems="Diubah di formulir.",
        solutions=target.solutions,
    )
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert any(
        "telah diubah" in e.message and "Permasalahan" in e.message for e in result.all_errors
    )
    with pytest.raises(importer.WorkbookError):
        importer.commit(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert report("K-KES-01").problems == "Diubah di formulir."


def test_workbook_for_another_region_or_not_a_workbook_is_refused():
    wb = workbook()
    ngawi = Region.objects.get(code="35.21")
    with pytest.raises(importer.WorkbookError, match="33.10"):
        importer.preview(user("bangda.admin"), ngawi, tw3(), as_file(wb))
    with pytest.raises(importer.WorkbookError):
        importer.preview(user("klaten.dinkes"), klaten(), tw3(), io.BytesIO(b"not excel"))
    client = Client()
    client.force_login(user("klaten.dinkes"))
    response = client.post(
        reverse("reporting:import_preview"),
        {
            "wilayah": "33.10",
            "periode": tw3().pk,
            "berkas": SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken"),
        },
    )
    assert response.status_code == 422
    assert "tidak terbaca" in response.content.decode()


def test_verifier_uploads_the_region_workbook_under_the_same_entry_rules():
    """The verifier sees every agency's rows; the entry lock rule decides who may write."""
    wb = workbook("klaten.tapem")
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-DIK-01"), "penerima_terlayani", 42)
    result = importer.preview(user("klaten.tapem"), klaten(), tw3(), as_file(wb))
    assert [i.report.service_type.code for i in result.changed] == ["K-DIK-01"]
    reason = services.entry_lock_reason(report("K-DIK-01"), user("klaten.tapem"))
    assert result.ok == (reason is None)


def test_download_is_scoped():
    client = Client()
    client.force_login(user("ngawi.dinkes"))
    url = reverse("reporting:import_download") + f"?wilayah=33.10&periode={tw3().pk}"
    assert client.get(url).status_code == 404
    client.force_login(user("klaten.dinkes"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_rows_without_their_version_are_refused():
    wb = workbook()
    ws = wb["Layanan"]
    ws.delete_rows(row_of(ws, "K-KES-01"))
    quality = wb["Mutu"]
    item = report("K-KES-01").quality.filter(quality_item__has_quantity=True)[0]
    set_cell(quality, quality_row(quality, "K-KES-01", item.quality_item.code), "realisasi", 9)
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert not result.ok
    assert any("versi" in e.message for e in result.all_errors)
