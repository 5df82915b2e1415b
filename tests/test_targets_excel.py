"""Excel: an agency's target sheet round trip, bad sheets that change nothing, the catalog sheets."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import CatalogEdition, QualityItem, ServiceType, Target
from indicators.sheets import QualityItemResource, ServiceTypeResource

YEAR = 2026
KLATEN = "33.10"


def url(name: str) -> str:
    return reverse(f"indicators:{name}", kwargs={"region": KLATEN, "year": YEAR})


def download(client) -> openpyxl.Workbook:
    r = client.get(url("target_sheet"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(r.content))


def upload(client, wb: openpyxl.Workbook, **extra):
    buf = io.BytesIO()
    wb.save(buf)
    return client.post(
        url("target_upload"),
        {"file": SimpleUploadedFile("target.xlsx", buf.getvalue()), **extra},
    )


def rows(wb):
    ws = wb.active
    headers = [c.value for c in ws[1]]
    return ws, headers


def set_value(wb, service: str, quality: str, value) -> None:
    ws, headers = rows(wb)
    col = {h: i for i, h in enumerate(headers)}
    for row in ws.iter_rows(min_row=2):
        if (
            row[col["kode_layanan"]].value == service
            and (row[col["kode_mutu"]].value or "") == quality
        ):
            row[col["nilai"]].value = value
            return
    raise AssertionError(f"no row {service} {quality}")


def set_cell(wb, service: str, quality: str, column: str, value) -> None:
    ws, headers = rows(wb)
    col = {h: i for i, h in enumerate(headers)}
    for row in ws.iter_rows(min_row=2):
        if (
            row[col["kode_layanan"]].value == service
            and (row[col["kode_mutu"]].value or "") == quality
        ):
            row[col[column]].value = value
            return
    raise AssertionError(f"no row {service} {quality}")


def snapshot():
    return list(
        Target.objects.filter(region__code=KLATEN, year=YEAR)
        .order_by("id")
        .values_list("id", "status", "version", "recipients_target")
    ), list(
        Target.objects.filter(region__code=KLATEN, year=YEAR)
        .order_by("quality__id")
        .values_list("quality__id", "quality__required_quantity")
    )


@pytest.mark.django_db
def test_round_trip_export_edit_import(login):
    op = login("klaten.dinkes")
    wb = download(op)
    ws, headers = rows(wb)
    codes = {r[headers.index("kode_layanan")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert codes == {f"K-KES-{n:02d}" for n in range(1, 13)}  # only DINKES's services
    # re-uploading the untouched sheet changes nothing
    before = snapshot()
    r = upload(op, wb)
    assert r.status_code == 200 and "0 target akan berubah" in r.content.decode()
    assert snapshot() == before

    set_value(wb, "K-KES-11", "", 9999)
    set_value(wb, "K-KES-11", "B2", 321)
    r = upload(op, wb)
    assert r.status_code == 200
    body = r.content.decode()
    assert "1 target akan berubah" in body
    assert snapshot() == before  # the preview is a dry run
    token = r.context["token"]
    r = op.post(url("target_upload"), {"token": token})
    assert r.status_code == 302
    t = Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code="K-KES-11")
    assert t.recipients_target == 9999 and t.status == "draft"
    assert t.quality.get(quality_item__code="B2").required_quantity == 321
    assert t.history.first().history_user.username == "klaten.dinkes"
    # the new sheet reflects it
    ws, headers = rows(download(op))
    values = {
        (r[headers.index("kode_layanan")], r[headers.index("kode_mutu")] or ""): r[
            headers.index("nilai")
        ]
        for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert values[("K-KES-11", "")] == 9999


@pytest.mark.django_db
def test_bad_sheet_changes_nothing_and_lists_every_error(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 100)  # a valid change that must not land
    set_value(wb, "K-KES-11", "B1", -4)  # negative
    set_value(wb, "K-KES-11", "B3", "banyak")  # not a number
    set_cell(wb, "K-KES-10", "", "kode_layanan", "K-KES-99")  # unknown code
    set_cell(wb, "K-KES-09", "", "kode_wilayah", "35.21")  # wrong region
    before = snapshot()
    r = upload(op, wb)
    assert r.status_code == 400
    body = r.content.decode()
    assert "tidak boleh negatif" in body
    assert "harus berupa angka" in body
    assert "tidak dikenal: K-KES-99" in body
    assert "35.21 bukan wilayah ini" in body
    assert "tidak ada yang disimpan" in body
    assert "token" not in r.context or not r.context["token"]
    assert snapshot() == before


@pytest.mark.django_db
def test_locked_target_and_another_agencys_service_are_refused(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 100)
    set_value(wb, "K-KES-01", "", 1)  # verified = locked
    ws, headers = rows(wb)
    extra = [None] * len(headers)
    extra[headers.index("kode_wilayah")] = KLATEN
    extra[headers.index("tahun")] = YEAR
    extra[headers.index("kode_layanan")] = "K-SOS-01"  # DINSOS's service
    extra[headers.index("nilai")] = 10
    ws.append(extra)
    before = snapshot()
    r = upload(op, wb)
    assert r.status_code == 400
    body = r.content.decode()
    assert "terkunci" in body
    assert "K-SOS-01 bukan tugas perangkat daerah Anda" in body
    assert snapshot() == before


@pytest.mark.django_db
def test_not_a_spreadsheet_is_refused(login):
    op = login("klaten.dinkes")
    r = op.post(
        url("target_upload"), {"file": SimpleUploadedFile("target.xlsx", b"not a zip file")}
    )
    assert r.status_code == 400 and "tidak dapat dibaca" in r.content.decode()
    r = op.post(url("target_upload"), {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert r.status_code == 400
    # a forged commit token is refused
    r = op.post(url("target_upload"), {"token": "forged"})
    assert r.status_code == 302
    # the verifier does not upload targets
    assert login("klaten.tapem").get(url("target_upload")).status_code == 403


@pytest.mark.django_db
def test_catalog_export_and_import_into_a_draft_only(cast):
    from indicators import services

    data = ServiceTypeResource().export(
        ServiceType.objects.filter(edition__code="2026.1").select_related("edition", "sector")
    )
    assert len(data) == 43 and data.headers[:3] == ["edisi", "code", "bidang"]
    items = QualityItemResource().export()
    assert len(items) == QualityItem.objects.count()

    # editing a published edition through import is refused, nothing changes
    edited = tablib.Dataset().load(data.export("csv"), format="csv")
    idx = edited.headers.index("name")
    row = list(edited[0])
    row[idx] = "Diubah lewat impor"
    edited[0] = row
    result = ServiceTypeResource().import_data(edited, dry_run=False)
    assert result.has_validation_errors() or result.has_errors()
    assert not ServiceType.objects.filter(name="Diubah lewat impor").exists()

    # into a draft it works
    draft = services.create_draft_edition(
        cast["bangda.admin"], CatalogEdition.objects.get(code="2026.1"), "2027.1"
    )
    for i in range(len(edited)):
        r = list(edited[i])
        r[edited.headers.index("edisi")] = draft.code
        edited[i] = r
    result = ServiceTypeResource().import_data(edited, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert draft.service_types.get(code="P-DIK-01").name == "Diubah lewat impor"
    assert (
        ServiceType.objects.get(edition__code="2026.1", code="P-DIK-01").name
        == "Pendidikan menengah"
    )


@pytest.mark.django_db
def test_admin_catalog_export_is_for_bangda(login):
    assert (
        login("bangda.admin").get(reverse("admin:indicators_servicetype_changelist")).status_code
        == 200
    )
    assert (
        login("bangda.admin").get(reverse("admin:indicators_servicetype_export")).status_code == 200
    )
    assert (
        login("klaten.tapem").get(reverse("admin:indicators_servicetype_changelist")).status_code
        == 302
    )


@pytest.mark.django_db
def test_another_agencys_unchanged_rows_are_refused_too(login):
    """Otherwise "unchanged" would tell DINDIK what DINKES's targets are."""
    wb = download(login("klaten.dinkes"))
    r = upload(login("klaten.dindik"), wb)
    assert r.status_code == 400
    assert "bukan tugas perangkat daerah Anda" in r.content.decode()


def statuses(response, service: str) -> dict[str, tuple[str, list[str]]]:
    """The preview's rows of one service: quality code ('' for recipients) → (status, errors)."""
    return {
        row.quality_code: (row.status, row.errors)
        for row in response.context["report"].rows
        if row.service_code == service
    }


@pytest.mark.django_db
def test_preview_marks_only_the_changed_cell(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "B2", 321)
    r = upload(op, wb)
    assert r.status_code == 200
    rows_11 = statuses(r, "K-KES-11")
    assert len(rows_11) > 2  # recipients + several quality items
    assert rows_11.pop("B2") == ("changed", [])
    assert {status for status, _errors in rows_11.values()} == {"unchanged"}
    body = r.content.decode()
    assert body.count("berubah</span>") == 1
    assert "1 target akan berubah" in body


@pytest.mark.django_db
def test_preview_shows_values_the_indonesian_way(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 12345)
    set_value(wb, "K-KES-11", "B2", 1250.5)
    set_value(wb, "K-KES-11", "B3", "banyak")  # refused, shown as typed
    r = upload(op, wb)
    cells = re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', r.content.decode())
    assert "12.345" in cells and "1.250,5" in cells and "banyak" in cells
    assert "12345" not in cells and "1250.5" not in cells


@pytest.mark.django_db
def test_a_locked_target_refuses_only_the_changed_row(login):
    op = login("klaten.dinkes")
    locked = Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code="K-KES-01")
    assert locked.is_locked
    wb = download(op)
    set_value(wb, "K-KES-01", "", (locked.recipients_target or 0) + 1)
    before = snapshot()
    r = upload(op, wb)
    assert r.status_code == 400
    report = r.context["report"]
    refused = [(row.service_code, row.quality_code) for row in report.rows if row.errors]
    assert refused == [("K-KES-01", "")]
    assert report.error_count == 1
    assert "terkunci" in statuses(r, "K-KES-01")[""][1][0]
    assert "1 baris bermasalah" in r.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_an_untouched_blank_service_creates_no_target(login):
    op = login("klaten.dinkes")
    Target.objects.filter(region__code=KLATEN, year=YEAR, service_type__code="K-KES-11").delete()
    wb = download(op)
    r = upload(op, wb)
    assert r.status_code == 200
    assert {s for s, _e in statuses(r, "K-KES-11").values()} == {"unchanged"}
    assert "0 target akan berubah" in r.content.decode()
    set_value(wb, "K-KES-11", "", 50)
    r = upload(op, wb)
    rows_11 = statuses(r, "K-KES-11")
    assert rows_11.pop("") == ("new", [])
    assert {s for s, _e in rows_11.values()} == {"unchanged"}
    assert "1 target akan berubah" in r.content.decode()


@pytest.mark.django_db
def test_commit_takes_the_previewed_file_once_and_only_for_its_uploader(login):
    """The preview keeps the file as an import draft (espm.drafts, as the report workbook
    import does); only the uploader's commit reads it, and only once."""
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 4321)
    r = upload(op, wb)
    token = r.context["token"]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    before = snapshot()
    # the agency head of the same agency may upload sheets, but not commit this one
    head = login("klaten.kadinkes")
    r = head.post(url("target_upload"), {"token": token}, follow=True)
    assert "Pratinjau kedaluwarsa" in r.content.decode()
    assert snapshot() == before
    r = op.post(url("target_upload"), {"token": token})
    assert r.status_code == 302
    t = Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code="K-KES-11")
    assert t.recipients_target == 4321
    after = snapshot()
    # the draft is gone: the same commit again changes nothing
    r = op.post(url("target_upload"), {"token": token}, follow=True)
    assert "Pratinjau kedaluwarsa" in r.content.decode()
    assert snapshot() == after


@pytest.mark.django_db
def test_a_csv_sheet_is_previewed_and_committed_as_csv(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 777)
    ws, headers = rows(wb)
    data = tablib.Dataset(headers=headers)
    for row in ws.iter_rows(min_row=2, values_only=True):
        data.append(["" if v is None else v for v in row])
    csv_bytes = data.export("csv").encode("utf-8")
    r = op.post(url("target_upload"), {"file": SimpleUploadedFile("target.csv", csv_bytes)})
    assert r.status_code == 200 and "1 target akan berubah" in r.content.decode()
    r = op.post(url("target_upload"), {"token": r.context["token"]})
    assert r.status_code == 302
    t = Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code="K-KES-11")
    assert t.recipients_target == 777
