"""Excel import messages name the cell in the sheet's own terms: sheet, row, column letter and
heading (never a field name of the code), and the message itself.

Column letters follow the template's column order (importer.SERVICE/QUALITY/BUDGET_COLUMNS):
Layanan H = penerima_terlayani, Mutu G = realisasi, Anggaran H = pagu.
"""

from __future__ import annotations

import pytest

from reporting.imports import services as importer
from tests.test_import import (
    as_file,
    klaten,
    private_tmp,  # noqa: F401 — the autouse fixture: drafts go to a throwaway storage
    quality_row,
    report,
    row_of,
    set_cell,
    tw3,
    user,
    workbook,
)

pytestmark = pytest.mark.django_db
INTERNAL = ("recipients_served", "quality.", "budget_lines", "realised", "allocated")


def test_each_error_names_sheet_row_column_letter_and_heading():
    wb = workbook()
    services = wb["Layanan"]
    served_row = row_of(services, "K-KES-01")
    set_cell(services, served_row, "penerima_terlayani", "banyak sekali")
    item = (
        report("K-KES-02")
        .quality.filter(quality_item__has_quantity=True)
        .select_related("quality_item")
        .first()
        .quality_item.code
    )
    quality = wb["Mutu"]
    q_row = quality_row(quality, "K-KES-02", item)
    set_cell(quality, q_row, "realisasi", -5)
    budget = wb["Anggaran"]
    budget.append(["33.10", "K-KES-03", None, "1.02.02", "Kegiatan", "", "", -100, 0])
    b_row = budget.max_row

    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert not result.ok
    by_place = {e.where: e.message for e in result.all_errors}
    served = f"Lembar Layanan baris {served_row}, kolom H (penerima_terlayani)"
    realised = f"Lembar Mutu baris {q_row}, kolom G (realisasi)"
    allocated = f"Lembar Anggaran baris {b_row}, kolom H (pagu)"
    assert set(by_place) >= {served, realised, allocated}, sorted(by_place)
    assert by_place[served].startswith("K-KES-01: ")
    assert by_place[realised].startswith("K-KES-02: ")
    for place, message in by_place.items():
        assert not any(word in f"{place} {message}" for word in INTERNAL), (place, message)


def test_a_row_of_another_region_names_its_sheet_and_row():
    wb = workbook()
    services = wb["Layanan"]
    services.append(["35.21", "K-KES-01", "", "", "", 1, None, 5])
    row = services.max_row
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert [e.where for e in result.errors] == [f"Lembar Layanan baris {row}"]
    assert tw3().quarter == 3


def test_the_change_list_words_fields_and_values_as_the_form_does():
    wb = workbook()
    services = wb["Layanan"]
    row = row_of(services, "K-KES-01")
    set_cell(services, row, "penerima_terlayani", 264250)
    assert report("K-KES-01").stages.get(stage=1).status == "done"
    set_cell(services, row, "tahap_1", "Sedang dilaksanakan")
    wb["Anggaran"].append(
        ["33.10", "K-KES-01", None, "1.02.02.2.02", "Pelayanan", "", "", 2500000, 0]
    )
    result = importer.preview(user("klaten.dinkes"), klaten(), tw3(), as_file(wb))
    assert result.ok, result.all_errors
    shown = next(i for i in result.changed if i.report.service_type.code == "K-KES-01")
    rows = {what: (now, typed) for what, now, typed in shown.shown_changes}
    assert rows["Penerima terlayani"][1] == "264.250"
    stage = next(v for k, v in rows.items() if k.endswith(": status"))
    assert stage == ("Selesai", "Sedang dilaksanakan")
    budget = next(v for k, v in rows.items() if k.startswith("Anggaran baris"))
    assert budget == ("—", "1.02.02.2.02 Pelayanan: realisasi 0 dari pagu 2.500.000")
    text = " ".join(f"{k} {a} {b}" for k, (a, b) in rows.items())
    assert not any(word in text for word in ("done", "in_progress", "{", "recipients_served"))
