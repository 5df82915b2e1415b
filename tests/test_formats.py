"""Indonesian formats everywhere: the CSV Indonesian Excel opens, XLSX numbers, words not
codes, numbers as the pages write them, encoded links and the sector viewer's own labels.

Figures come from the demo (2026 TW II is closed and verified: Klaten on time, Ngawi never
submitted)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from espm import exports
from reporting.entry import selectors
from reporting.models import Report

pytestmark = pytest.mark.django_db
TW2 = {"year": 2026, "quarter": 2}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    delimiter = ";" if translation.get_language() != "en" else ","
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def test_a_cell_as_each_locale_writes_it():
    assert exports.csv_value(Decimal("82.0965"), exports.CSV_ID) == "82,0965"
    assert exports.csv_value(Decimal("82.0965"), exports.CSV_EN) == "82.0965"
    assert exports.csv_value(76.42, exports.CSV_ID) == "76,42"
    assert exports.csv_value(Decimal("-3.5"), exports.CSV_ID) == "-3,5"  # a number, not a formula
    assert exports.csv_value("=HYPERLINK(1)", exports.CSV_ID) == "'=HYPERLINK(1)"
    assert exports.csv_value(None, exports.CSV_ID) == ""
    assert exports.csv_value(264250, exports.CSV_ID) == "264250"


def test_a_cell_of_every_kind_keeps_its_text():
    assert exports.csv_value(True, exports.CSV_ID) == "1"
    assert exports.csv_value(-7, exports.CSV_ID) == "-7"  # a number, not a formula
    assert exports.csv_value("-7", exports.CSV_ID) == "'-7"  # text that would run as one
    assert exports.csv_value(dt.date(2026, 4, 20), exports.CSV_ID) == "2026-04-20"
    assert exports.csv_value(gettext_lazy("ya"), exports.CSV_ID) == "ya"


def test_a_streamed_csv_sends_its_header_line_first_then_rows_in_pieces():
    rows = [[i, f"baris {i}", Decimal("1.5")] for i in range(2000)]
    lines = exports.csv_lines(["No", "Nama", "Nilai"], rows, exports.CSV_ID)
    pieces = list(exports._pieces(lines, size=1000))
    assert pieces[0] == "\ufeffNo;Nama;Nilai\r\n"
    assert all(len(p) >= 1000 for p in pieces[1:-1]) and 10 < len(pieces) < 100
    assert "".join(pieces) == "".join(
        exports.csv_lines(["No", "Nama", "Nilai"], rows, exports.CSV_ID)
    )
    assert list(exports._pieces(iter([]))) == [""]


def test_ranking_csv_opens_in_indonesian_excel_with_words_not_codes(login):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_national_data")
    rows = _csv(client.get(url, {**TW2, "table": "ranking", "format": "csv"}))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Peringkat", "Kode", "Wilayah", "Tingkat"]
    by_code = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    klaten, ngawi = by_code["33.10"], by_code["35.21"]
    assert (klaten["Tingkat"], klaten["Ketepatan waktu"]) == ("Kabupaten", "Tepat waktu")
    assert ngawi["Ketepatan waktu"] == "Belum mengirim"
    assert by_code["33"]["Tingkat"] == "Provinsi"
    # Decimal commas, never points, in every figure column.
    capaian = klaten["Indeks capaian (semua layanan wajib)"]
    assert re.fullmatch(r"\d+,\d+", capaian), capaian
    codes = {"on_time", "late", "missing", "province", "kabupaten", "kota"}
    assert not codes & {cell for row in body for cell in row}


def test_english_ui_gets_the_comma_csv(login):
    client = login("bangda.admin")
    client.cookies["django_language"] = "en"
    url = reverse("reporting:dashboard_national_data")
    response = client.get(url, {**TW2, "table": "input_status", "format": "csv"})
    with translation.override("en"):
        rows = _csv(response)
    kab = next(r for r in rows if r[-1] == "kabupaten")
    assert "." in kab[3] and "," not in kab[3]  # "% entered" with a decimal point


def test_every_table_download_has_an_xlsx_with_real_numbers(login):
    client = login("klaten.tapem")
    response = client.get(reverse("reporting:report_list"), {"wilayah": "33.10", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    served = header.index("Penerima terlayani")
    values = [row[served] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values and all(v is None or isinstance(v, int | float) for v in values)
    assert any(isinstance(v, int | float) for v in values)
    rows = _csv(client.get(reverse("reporting:report_list"), {"wilayah": "33.10", "export": "csv"}))
    assert rows[0] == header


def test_drill_down_names_its_filters_in_indonesian(login):
    client = login("bangda.admin")
    response = client.get(reverse("reporting:dashboard_reports"), {**TW2, "band": "Tuntas Madya"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kategori: <strong>Tuntas Madya</strong>" in html
    assert "band:" not in html


def test_dashboard_links_encode_their_query_strings(login):
    response = login("bangda.admin").get(reverse("reporting:dashboard_national"), TW2)
    assert response.status_code == 200
    hrefs = re.findall(r'href="([^"]*)"', response.content.decode())
    assert any("band=Tuntas" in h for h in hrefs)
    assert not [h for h in hrefs if " " in h], "a link with a raw space"


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("dashboard_province", ["33"], TW2),
        ("dashboard_region", ["33.10"], TW2),
        ("dashboard_regions", [], {**TW2, "level": "kabupaten", "status": "all"}),
        ("report_list", [], {"capaian": "Tuntas Madya"}),
    ],
)
def test_every_dashboard_and_list_link_is_encoded(login, name, args, query):
    response = login("bangda.admin").get(reverse(f"reporting:{name}", args=args), query)
    assert response.status_code == 200
    # Links, and forms that carry the page's filters (the report list's downloads).
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())
    assert any("?" in h for h in hrefs)
    assert not [h for h in hrefs if " " in h], "a link with a raw space"


def test_sector_viewer_sees_their_sector_and_ministry(login):
    response = login("kemenkes.viewer").get(reverse("reporting:dashboard_national"), TW2)
    assert response.status_code == 200
    html = response.content.decode()
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert "Dashboard bidang Kementerian Kesehatan · bidang Kesehatan" in " ".join(h1.split())
    assert "Dashboard nasional" not in html
    assert "Kementerian Dalam Negeri" not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "Kementerian Kesehatan" in title
    # Bangda keeps the national title.
    bangda = login("bangda.admin").get(reverse("reporting:dashboard_national"), TW2)
    assert bangda.status_code == 200 and "Dashboard nasional" in bangda.content.decode()


def test_history_names_fields_and_numbers_as_the_page_does():
    assert selectors._label(Report, "capaian_index") == "Indeks capaian"
    assert selectors._label(Report, "recipients_served") != "recipients served"
    assert selectors._fmt(Decimal("82.0965"), "capaian_index") == "82,10"
    assert selectors._fmt(264250) == "264.250"
    assert selectors._fmt(Decimal("1706.50")) == "1.706,5"


def test_a_breakdown_is_reshown_with_thousands_separators(login, cast):
    from reporting.entry import services
    from reporting.entry.forms import RecipientsForm
    from tests.factories_reporting import demo_report

    report = demo_report(code="K-KES-08")
    services.save_recipients(
        report.pk,
        cast["klaten.dinkes"],
        report.version,
        served=200000,
        breakdown={"Laki-laki": 90000, "Perempuan": 110000},
    )
    html = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    textarea = re.search(r'<textarea name="breakdown"[^>]*>([^<]*)', html.content.decode())
    assert textarea.group(1).strip() == "Laki-laki: 90.000\nPerempuan: 110.000"
    # What a conflict's "use theirs" puts back reads as typed, and reads back the same.
    form = RecipientsForm()
    shown = form.text_of("recipients_breakdown", {"Laki-laki": 90000})
    assert shown == "Laki-laki: 90.000"
    again = RecipientsForm({"version": "1", "breakdown": shown})
    assert again.is_valid() and again.cleaned_data["breakdown"] == {"Laki-laki": 90000}
