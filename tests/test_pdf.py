"""The LPPD annex and quarter report PDFs: content (extracted with pypdf), generation through the
views as a job, and scope (another region's user gets 404)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from espm.celery import app
from indicators.models import CatalogYear, ServiceType
from regions.models import Region
from reporting.documents import pdf
from reporting.documents import services as documents
from reporting.models import BudgetLine, GeneratedDocument, Period, Report
from tests import factories_review as f
from tests.test_reminders import open_reports

YEAR = 2027


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def fill(report: Report, served: int, target: int, problems: str = "") -> Report:
    """Figures worked out by hand, not by the formula under test. No quality items are
    entered, so quality is 100: recipients % = served / 400 × 100 = served / 4 and
    index = 0.8 × served / 4 + 0.2 × 100 = served / 5 + 20 (every caller's target is 400)."""
    assert target == 400 and 0 <= served <= target
    report.recipients_target = target
    report.recipients_served = served
    report.recipients_pct = Decimal(served) / 4
    report.quality_pct = Decimal(100)
    report.capaian_index = Decimal(served) / 5 + 20
    report.band = f.band_of(report.capaian_index)
    report.problems = problems
    report.solutions = "Solusi uji" if problems else ""
    # The annex holds official figures: verified reports (rules.completeness).
    report.status = Report.Status.VERIFIED
    report.save()
    return report


def klaten_year() -> list[Report]:
    """TW I and TW II 2027 for Klaten, with known figures; TW II leaves two services unreported."""
    reports = []
    for quarter in (1, 2):
        period, _ = Period.objects.get_or_create(
            year=YEAR, quarter=quarter, defaults={"due_date": f"{YEAR}-0{quarter * 3 + 1}-20"}
        )
        for i, report in enumerate(open_reports(period, "33.10")):
            if quarter == 2 and i < 2:
                continue
            served = 50 + 10 * i + 40 * quarter
            reports.append(
                fill(report, min(served, 400), 400, "Kekurangan tenaga" if i == 3 else "")
            )
    BudgetLine.objects.create(
        report=reports[0],
        activity_code="1.01.02.2.01",
        activity_name="Pengelolaan Pendidikan Sekolah Dasar",
        allocated=1_500_000_000,
        realised=750_250_000,
    )
    return reports


@pytest.fixture
def eager(settings):
    """Eager tasks, run inline when the request commits: a background thread (the embedded
    default) would not see this test's uncommitted data."""
    settings.JOBS_EAGER_IN_THREAD = False
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.mark.django_db
def test_annex_contains_region_year_every_service_type_and_the_capaian_figures():
    reports = klaten_year()
    klaten = Region.objects.get(code="33.10")
    text = text_of(pdf.annex_pdf(klaten, YEAR))

    assert "PEMERINTAH KABUPATEN KLATEN" in text
    assert "Kabupaten Klaten" in text and "Tahun Anggaran 2027" in text
    assert "BUPATI KLATEN" in text
    edition = CatalogYear.objects.get(year=YEAR).edition
    unwrapped = text.replace("/ ", "/")  # a long name may wrap after "kabupaten/"
    for st in ServiceType.objects.filter(edition=edition, level="kabkota"):
        assert st.code in text
        assert " ".join(st.name.split()) in unwrapped, st.name
    # every report's capaian and the region's roll-up per quarter (the dashboard's formula)
    for report in reports:
        assert pdf.fmt_number(report.capaian_index) in text
    for quarter in (1, 2):
        indices = [r.capaian_index for r in reports if r.period.quarter == quarter]
        # The region's figure: over all 29 expected service types, unreported ones counting 0.
        figure = sum(indices, Decimal(0)) / 29
        missing = 29 - len(indices)
        assert pdf.fmt_number(figure) in text
        assert (missing == 0) or f"{missing} belum lapor" in text
    assert "Rp1.500.000.000" in text and "Rp750.250.000" in text
    assert "Kekurangan tenaga" in text
    assert re.search(r"Halaman 2 dari \d+", text)


@pytest.mark.django_db
def test_number_formats_are_indonesian():
    assert pdf.fmt_number(Decimal("1234.5")) == "1.234,50"
    assert pdf.fmt_number(Decimal("76")) == "76,00"
    assert pdf.fmt_int(12000) == "12.000"
    assert pdf.fmt_rupiah(1500000) == "Rp1.500.000"
    assert pdf.head_title(Region.objects.get(code="36.73")) == "Wali Kota Serang"
    assert pdf.head_title(Region.objects.get(code="33")) == "Gubernur Jawa Tengah"


@pytest.mark.django_db
def test_province_annex_adds_the_recap_of_its_kabkota():
    klaten_year()
    text = text_of(pdf.annex_pdf(Region.objects.get(code="33"), YEAR))
    assert "PEMERINTAH PROVINSI JAWA TENGAH" in text
    assert "REKAPITULASI CAPAIAN KABUPATEN/KOTA" in text
    assert "33.10 Kabupaten Klaten" in text
    assert "GUBERNUR JAWA TENGAH" in text


@pytest.mark.django_db
def test_quarter_report_pdf():
    klaten_year()
    period = Period.objects.get(year=YEAR, quarter=2)
    text = text_of(pdf.quarter_pdf(Region.objects.get(code="33.10"), period))
    assert "Triwulan II Tahun 2027" in text
    assert "TW I " not in text


@pytest.mark.django_db
def test_generate_through_the_views_then_download_and_scope(
    eager, login, django_capture_on_commit_callbacks
):
    klaten_year()
    client = login("klaten.tapem")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/laporan/dokumen/buat/", {"region": "33.10", "kind": "annex", "year": str(YEAR)}
        )
    assert response.status_code == 302
    doc = GeneratedDocument.objects.get(region__code="33.10", year=YEAR)
    assert doc.status == "done" and doc.progress == 100 and doc.fingerprint
    page = client.get(f"/laporan/dokumen/{doc.pk}/", headers={"HX-Request": "true"})
    assert b"<progress" in page.content and b"unduh" in page.content
    download = client.get(f"/laporan/dokumen/{doc.pk}/unduh/")
    assert download.status_code == 200
    assert "Kabupaten Klaten" in text_of(b"".join(download.streaming_content))

    assert login("jateng.biro").get(f"/laporan/dokumen/{doc.pk}/unduh/").status_code == 200
    for other in ("ngawi.tapem", "klaten.dinkes", "kemenkes.viewer", "serang.tapem"):
        assert login(other).get(f"/laporan/dokumen/{doc.pk}/unduh/").status_code == 404, other
    # and nobody outside can request one for Klaten either
    refused = login("ngawi.tapem").post(
        "/laporan/dokumen/buat/", {"region": "33.10", "kind": "annex", "year": str(YEAR)}
    )
    assert refused.status_code == 404


@pytest.mark.django_db
def test_document_is_marked_out_of_date_when_the_data_changes(
    eager, login, django_capture_on_commit_callbacks
):
    reports = klaten_year()
    client = login("klaten.tapem")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/laporan/dokumen/buat/", {"region": "33.10", "kind": "annex", "year": str(YEAR)}
        )
    doc = GeneratedDocument.objects.get(region__code="33.10", year=YEAR)
    assert not documents.is_stale(doc)
    fill(reports[5], 399, 400)
    assert documents.is_stale(doc)
    assert "Data laporan telah berubah" in client.get(f"/laporan/dokumen/{doc.pk}/").text


@pytest.mark.django_db
def test_documents_page_query_count_does_not_grow_with_documents(
    login, django_assert_max_num_queries
):
    klaten = Region.objects.get(code="33.10")
    for _ in range(8):
        GeneratedDocument.objects.create(kind="annex", region=klaten, year=YEAR, status="done")
    client = login("jateng.biro")
    with django_assert_max_num_queries(25):
        response = client.get("/laporan/dokumen/")
    assert response.status_code == 200
    assert response.text.count("Lampiran LPPD (laporan tahunan SPM)") >= 8


@pytest.mark.django_db
def test_annex_headline_is_the_annual_figure_marked_provisional_before_tw4():
    """Klaten 2027: every service counted in TW I, all but two again in TW II (cumulative)."""
    reports = klaten_year()
    by_code: dict[str, Decimal] = {}
    for r in sorted(reports, key=lambda r: r.period.quarter):
        by_code[r.service_type.code] = r.capaian_index  # TW II supersedes TW I
    assert len(by_code) == 29
    figure = sum(by_code.values(), Decimal(0)) / 29
    data = pdf.report_data(Region.objects.get(code="33.10"), YEAR)
    assert data["annual"]["index"] == pdf.fmt_number(figure)
    assert (data["annual"]["reported"], data["annual"]["expected"]) == (29, 29)
    assert data["annual"]["final"] is False and data["annual"]["through"] == "TW II"
    text = text_of(pdf.annex_pdf(Region.objects.get(code="33.10"), YEAR))
    assert f"Capaian tahunan {YEAR}" in text and "SEMENTARA" in text
    assert pdf.fmt_number(figure) in text


def test_print_user_agent_sheet_drops_exactly_the_six_universal_pseudo_element_rules():
    """The trimmed sheet is WeasyPrint's own minus ``::marker`` and the note/footnote rules on
    every element; a WeasyPrint whose sheet no longer has them makes this fail, not silently
    slow again."""
    from importlib import resources

    stock = resources.files("weasyprint.css").joinpath("html5_ua.css").read_text("utf-8")
    trimmed, count = pdf._UNIVERSAL_PSEUDO.subn(r"li::\1", stock)
    assert count == 6
    assert not re.search(r"^::", trimmed, re.MULTILINE)
    html_class, _css, _fetcher = pdf._print_setup()
    (sheet,) = html_class(string="<p>x</p>")._ua_stylesheets()
    assert sheet is not html_class.__mro__[1](string="<p>x</p>")._ua_stylesheets()[0]


@pytest.mark.django_db
def test_render_leaves_the_garbage_collector_on_even_when_it_fails(monkeypatch):
    import gc

    klaten_year()
    data = pdf.report_data(Region.objects.get(code="33.10"), YEAR)
    assert gc.isenabled()
    assert "PEMERINTAH KABUPATEN KLATEN" in text_of(pdf.render_pdf(data))
    assert gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(pdf._print_setup()[0], "render", broken)
    with pytest.raises(RuntimeError, match="layout failed"):
        pdf.render_pdf(data)
    assert gc.isenabled()


@pytest.mark.django_db
def test_annex_says_when_no_service_has_a_budget_line():
    klaten_year()
    klaten = Region.objects.get(code="33.10")
    assert "Belum ada data anggaran." not in text_of(pdf.annex_pdf(klaten, YEAR))
    BudgetLine.objects.filter(report__region=klaten).delete()
    text = text_of(pdf.annex_pdf(klaten, YEAR))
    assert "Belum ada data anggaran." in text and "Rp1.500.000.000" not in text
