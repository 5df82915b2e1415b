"""Printed documents keep their layout: no table row split across pages, nothing printed
outside the page's text area. Pages are laid out by WeasyPrint (row boxes per page) and
rendered to PNG with pdftoppm (poppler-utils), whose margins must stay blank."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string

from regions.models import Region
from reporting import recap
from reporting.documents import pdf
from reporting.models import BudgetLine, Period, Report

pytestmark = pytest.mark.django_db
DPI = 50
MM = DPI / 25.4  # pixels per millimetre


def _split_rows(document) -> list[str]:
    """Table rows laid out in pieces on several pages. A header or footer row repeated whole
    on every page (thead/tfoot) is by design; a row whose text differs per page is split."""
    pieces: dict[Any, dict[int, str]] = defaultdict(dict)

    def walk(box, page: int) -> None:
        element = getattr(box, "element", None)
        if getattr(box, "element_tag", "") == "tr" and element is not None:
            pieces[element][page] = pieces[element].get(page, "") + " ".join(_all_text(box))
        for child in getattr(box, "children", []) or []:
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return [
        " | ".join(texts.values())[:120]
        for texts in pieces.values()
        if len(texts) > 1 and len(set(texts.values())) > 1
    ]


def _text_outside_cells(document) -> list[str]:
    """Text of a table cell that runs past the cell's right edge (into the next cell)."""
    out: list[str] = []

    def texts(box):
        if hasattr(box, "text"):
            yield box
        for child in getattr(box, "children", []) or []:
            yield from texts(child)

    def walk(box, page: int) -> None:
        if getattr(box, "element_tag", "") in ("td", "th") and hasattr(box, "padding_box_x"):
            right = box.padding_box_x() + box.padding_width()
            for t in texts(box):
                if t.position_x + t.width > right + 0.5:
                    out.append(f"page {page + 1}: {t.text!r}")
        for child in getattr(box, "children", []) or []:
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return out


def _margins_blank(pdf: bytes, tmp_path: Path, margin_mm: float) -> list[str]:
    """Pages whose outer margin strip (inside the page edge) holds ink."""
    from PIL import Image

    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    command = ["pdftoppm", "-r", str(DPI), "-png", str(source), str(tmp_path / "p")]
    subprocess.run(command, check=True)  # noqa: S603, S607 — our file, the Debian tool
    inked = []
    edge = int(margin_mm * MM * 0.8)  # a little inside the margin: anti-aliasing of the text box
    for png in sorted(tmp_path.glob("p-*.png")):
        image = Image.open(png).convert("L")
        w, h = image.size
        # The left, right and top margins; the bottom one holds the page number.
        for name, box in {
            "left": (0, 0, edge, h),
            "right": (w - edge, 0, w, h),
            "top": (0, 0, w, edge),
        }.items():
            if image.crop(box).getextrema()[0] < 200:
                inked.append(f"{png.name}: {name} margin")
    return inked


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_recap_rows_stay_on_one_page_and_inside_the_margins(tmp_path):
    from weasyprint import HTML

    # Jawa Timur: 38 kab/kota and the province itself, several landscape pages.
    r = recap.build(Region.objects.get(code="35"), Period.objects.get(year=2026, quarter=3))
    assert len(r.rows) == 39
    html = render_to_string("reporting/review/recap_pdf.html", {"recap": r})
    document = HTML(string=html).render()
    assert len(document.pages) >= 2, "the test needs a page break inside the table"
    assert _split_rows(document) == []
    assert _margins_blank(document.write_pdf(), tmp_path, margin_mm=14) == []


def test_annex_before_year_end_is_provisional_and_an_unopened_quarter_is_not_missing(tmp_path):
    """Klaten 2026 in the demo: TW I–II closed, TW III open, TW IV planned (not opened)."""
    from weasyprint import CSS, HTML

    klaten = Region.objects.get(code="33.10")
    assert Period.objects.get(year=2026, quarter=4).state == Period.State.PLANNED
    # A budget line with a trillion-rupiah allocation: the widest figure a cell must hold.
    report = Report.objects.filter(region=klaten, period__year=2026, period__quarter=2).first()
    BudgetLine.objects.create(
        report=report,
        activity_code="1.02.02.2.02",
        activity_name="Penyediaan Layanan Kesehatan",
        allocated=999_999_999_999,
        realised=888_888_888_888,
    )
    data = pdf.report_data(klaten, 2026)
    assert data["provisional"] is True
    tw4 = data["region_cells"][3]
    assert tw4.get("not_open") and not tw4.get("missing")
    assert all(s["cells"][3].get("not_open") for s in data["sectors"])
    html = render_to_string("reporting/pdf/report.html", data)
    document = HTML(string=html).render(stylesheets=[CSS(filename=str(pdf.CSS_PATH))])
    text = " ".join(t for page in document.pages for t in _all_text(page._page_box))
    assert f"SEMENTARA — data per {data['generated_on']}" in " ".join(text.split())
    assert "belum dibuka" in text
    outside = _text_outside_cells(document)
    assert not outside, "\n".join(outside)
    assert _split_rows(document) == []


def _all_text(box):
    if hasattr(box, "text"):
        yield box.text
    for child in getattr(box, "children", []) or []:
        yield from _all_text(child)


def test_quantities_print_as_typed_without_zero_decimals():
    assert pdf.fmt_qty(Decimal("1706.00")) == "1.706"
    assert pdf.fmt_qty(Decimal("744.12")) == "744,12"
    assert pdf.fmt_qty(None) == pdf.DASH
