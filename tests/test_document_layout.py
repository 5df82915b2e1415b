"""Printed documents keep their layout: no table row split across pages, nothing printed
outside the page's text area. Pages are laid out by WeasyPrint (row boxes per page) and
rendered to PNG with pdftoppm (poppler-utils), whose margins must stay blank."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from regions.models import Region
from reporting import recap
from reporting.models import Period

pytestmark = pytest.mark.django_db
DPI = 50
MM = DPI / 25.4  # pixels per millimetre


def _rows_per_page(document) -> dict[int, set[int]]:
    """Table row element → the pages holding a piece of it."""
    pages: dict[int, set[int]] = defaultdict(set)

    def walk(box, page: int) -> None:
        element = getattr(box, "element", None)
        if getattr(box, "element_tag", "") == "tr" and element is not None:
            # A header row repeats on every page by design; only body rows count.
            if not all(str(cell.tag).endswith("th") for cell in element):
                pages[id(element)].add(page)
        for child in getattr(box, "children", []) or []:
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return pages


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
    split = [e for e, pages in _rows_per_page(document).items() if len(pages) > 1]
    assert not split, f"{len(split)} table rows split across pages"
    assert _margins_blank(document.write_pdf(), tmp_path, margin_mm=14) == []
