"""Helpers for the data-entry tests: the demo's TW III 2026 reports, small uploads."""

from __future__ import annotations

import io

from reporting.models import Period, Report

DEMO_YEAR = 2026

# A minimal valid PDF (what a scanner would produce, only smaller).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
)


def tw3() -> Period:
    return Period.objects.get(year=DEMO_YEAR, quarter=3)


def demo_report(region: str = "33.10", code: str = "K-KES-01", quarter: int = 3) -> Report:
    return Report.objects.select_related("period", "region", "agency", "service_type").get(
        region__code=region,
        period__year=DEMO_YEAR,
        period__quarter=quarter,
        service_type__code=code,
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Puskesmas", "Ibu hamil"])
    wb.active.append(["Klaten Tengah", 120])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
