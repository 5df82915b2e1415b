"""Bounded inputs (issue #19 items 6 and 7): a small .xlsx that declares millions of cells,
a zip bomb, a sheet with too many rows, and a body larger than the limit are refused quickly,
with the limit named, before the work or the bytes pile up."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from espm import workbooks
from reporting.imports import services as importer
from reporting.models import Period
from tests.test_import import klaten, tw3, user

pytestmark = pytest.mark.django_db


def _xlsx(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite_sheet(data: bytes, sheet: str, transform) -> bytes:
    """The same .xlsx with one worksheet's XML replaced by transform(xml)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == sheet:
                content = transform(content)
            dst.writestr(item, content)
    return out.getvalue()


def declared_bomb() -> bytes:
    """A few KB declaring 3,000,000 cells (A1:AD100000) — what the probe sent."""
    wb = openpyxl.Workbook()
    wb.active.append(["kode_wilayah", "tahun", "kode_layanan", "kode_mutu", "nilai"])
    data = _xlsx(wb)
    return _rewrite_sheet(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:AD100000"', xml),
    )


def undeclared_rows(n: int, *, meta: bool = False) -> bytes:
    """Many rows and no <dimension>: caught while streaming (with ``meta``: an import template)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["kode_wilayah", "tahun", "kode_layanan", "kode_mutu", "nilai"])
    for i in range(n):
        ws.append(["33.10", 2026, "K-KES-01", "", i])
    if meta:  # the real template of Klaten's TW III with the rows added to its first sheet
        wb = openpyxl.load_workbook(
            io.BytesIO(importer.build_workbook(user("klaten.dinkes"), klaten(), tw3()))
        )
        ws = wb["Layanan"]
        for i in range(n):
            ws.append(["33.10", f"K-KES-{i}"])
    data = _xlsx(wb)
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        if name.startswith("xl/worksheets/"):
            data = _rewrite_sheet(data, name, lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml))
    return data


def zip_bomb() -> bytes:
    data = _xlsx(openpyxl.Workbook())
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/media/padding.bin", b"\0" * (30 * 1024 * 1024))
    return out.getvalue()


# ---------------------------------------------------------------- the guard itself


def test_declared_dimensions_are_refused_before_parsing(monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(workbooks, "load_workbook", parse)
    with pytest.raises(workbooks.WorkbookTooLarge) as refused:
        workbooks.open_workbook(declared_bomb())
    assert "5000 baris" in str(refused.value)


def test_a_zip_bomb_is_refused_by_its_unpacked_size():
    with pytest.raises(workbooks.WorkbookTooLarge) as refused:
        workbooks.check_declared(zip_bomb())
    assert "20 MB" in str(refused.value)


def test_rows_without_a_declared_dimension_stop_at_the_cap():
    wb = workbooks.open_workbook(undeclared_rows(workbooks.MAX_ROWS + 1))
    with pytest.raises(workbooks.WorkbookTooLarge) as refused:
        list(workbooks.rows(wb.active))
    assert "5000 baris" in str(refused.value)


def test_rows_at_the_cap_are_read():
    wb = workbooks.open_workbook(undeclared_rows(workbooks.MAX_ROWS))  # + the header row
    assert len(list(workbooks.rows(wb.active))) == workbooks.MAX_ROWS + 1


def test_the_time_budget_is_enforced():
    wb = workbooks.open_workbook(undeclared_rows(10))
    with pytest.raises(workbooks.WorkbookTooLarge) as refused:
        list(workbooks.rows(wb.active, deadline=time.monotonic() - 1))
    assert "detik" in str(refused.value)


# ---------------------------------------------------------------- the pages: 422 before the bulk
# "Quickly" is checked by what is read, not by a clock (speed belongs to the benchmarks): a
# declared or zip bomb is refused before any row is read, an undeclared one at the row cap.


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the upload views read from every sheet they open."""
    count = [0]
    real = workbooks.rows

    def counting(*args, **kwargs):
        for row in real(*args, **kwargs):
            count[0] += 1
            yield row

    monkeypatch.setattr(workbooks, "rows", counting)
    return count


def _post_import(data: bytes):
    client = Client()
    client.force_login(user("klaten.dinkes"))
    return client.post(
        reverse("reporting:import_preview"),
        {"wilayah": "33.10", "periode": tw3().pk, "berkas": SimpleUploadedFile("b.xlsx", data)},
    )


# The template's _meta sheet (format, region, year, quarter) is read before the data sheet.
META_ROWS = 4
# An undeclared sheet is read up to its header and MAX_ROWS rows, and refused at the next one.
AT_THE_CAP = workbooks.MAX_ROWS + 1


@pytest.mark.parametrize(
    "bomb, read",
    [
        (declared_bomb, 0),
        (zip_bomb, 0),
        (lambda: undeclared_rows(6000, meta=True), META_ROWS + AT_THE_CAP),
    ],
)
def test_import_preview_answers_422_before_reading_the_bulk_naming_the_limit(rows_read, bomb, read):
    data = bomb()
    response = _post_import(data)
    assert response.status_code == 422
    assert rows_read[0] == read
    assert re.search(r"(5000 baris|20 MB|rasio)", response.content.decode())


def test_the_meta_sheet_is_checked_before_any_row_is_read():
    wb = openpyxl.Workbook()
    wb.active.title = "Layanan"
    response = _post_import(_xlsx(wb))
    assert response.status_code == 422
    assert "bukan templat impor" in response.content.decode()


@pytest.mark.parametrize(
    "bomb, read", [(declared_bomb, 0), (lambda: undeclared_rows(6000), AT_THE_CAP)]
)
def test_target_upload_answers_422_before_reading_the_bulk_naming_the_limit(
    login, rows_read, bomb, read
):
    data = bomb()
    client = login("klaten.dinkes")
    response = client.post(
        reverse("indicators:target_upload", kwargs={"region": "33.10", "year": 2026}),
        {"file": SimpleUploadedFile("t.xlsx", data)},
    )
    assert response.status_code == 422
    assert rows_read[0] == read
    assert "5000 baris" in response.content.decode()


def test_the_real_import_workbook_passes_the_guard():
    data = importer.build_workbook(user("klaten.dinkes"), klaten(), tw3())
    workbooks.check_declared(data)
    assert Period.objects.filter(pk=tw3().pk).exists()


# ---------------------------------------------------------------- 7. body size


def test_a_declared_oversize_body_is_413_before_reading(login, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    client = login("klaten.dinkes")
    response = client.generic(
        "POST",
        reverse("reporting:import_preview"),
        b"x" * (2 * 1024 * 1024),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 413
    assert "batas 1 MB" in response.content.decode()


def test_an_oversize_upload_is_not_read_to_the_end(settings, rf):
    """Without a usable Content-Length the handler stops the stream at the limit."""
    from django.core.files.uploadhandler import StopUpload

    from espm.uploads import LimitedUploadHandler

    settings.MAX_REQUEST_BYTES = 1024
    handler = LimitedUploadHandler()
    assert handler.receive_data_chunk(b"x" * 1000, 0) == b"x" * 1000
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 100, 1000)
    with pytest.raises(StopUpload):
        LimitedUploadHandler().handle_raw_input(None, {}, 2048, b"xyz")


def test_api_oversize_is_413_in_the_error_shape(settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = Client().generic(
        "POST", "/api/v1/auth/token/", b"{" + b" " * 4096 + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
