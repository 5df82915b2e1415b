"""Budget nomenclature (Kepmendagri 900.1-2850/2025): loader, search, API, form, dashboards."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators import selectors
from indicators.models import NomenclatureItem, ServiceBudgetCode
from indicators.nomenclature import NOMENCLATURE_FILE
from indicators.services import load_nomenclature

pytestmark = pytest.mark.django_db


def test_shipped_file_says_it_is_partial_and_names_its_source():
    head = NOMENCLATURE_FILE.read_text(encoding="utf-8")[:1500]
    assert "900.1-2850" in head and "PARTIAL" in head and "load_nomenclature" in head


def test_loader_is_idempotent():
    total = NomenclatureItem.objects.count()
    assert total > 0  # seeded with the demo
    result = load_nomenclature()
    assert (result.created, result.updated, result.unchanged) == (0, 0, total)
    again = load_nomenclature()
    assert again.unchanged == total
    assert NomenclatureItem.objects.count() == total


def test_loaded_tree_levels_parents_and_sectors():
    sub = NomenclatureItem.objects.get(code="1.02.02.2.02.0001")
    assert sub.level == NomenclatureItem.Level.SUB_ACTIVITY
    assert sub.parent.code == "1.02.02.2.02"
    assert sub.parent.level == NomenclatureItem.Level.ACTIVITY
    assert sub.parent.parent.code == "1.02.02"
    assert sub.sector.code == "KES"
    assert NomenclatureItem.objects.get(code="1.06.04.2.01").sector.code == "SOS"
    link = ServiceBudgetCode.objects.get(service_code="K-KES-01")
    assert link.item.code == "1.02.02.2.02.0001"


def test_csv_from_the_official_spreadsheet_updates_and_creates(tmp_path: Path):
    f = tmp_path / "lampiran.csv"
    f.write_text(
        "No;Kode;Nomenklatur\n"
        "1;1;URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR\n"
        "2;1.02;URUSAN PEMERINTAHAN BIDANG KESEHATAN\n"
        "3;1.02.02.2.02.0001;Pengelolaan Pelayanan Kesehatan Ibu Hamil\n"
        "4;1.02.02.2.02.0099;Sub Kegiatan Uji\n"
        "5;1.02.02.2.02.0002;Nama Baru Bersalin\n"
        "6;2.07.02;Program urusan lain\n",
        encoding="utf-8",
    )
    result = load_nomenclature(f)
    # ibu hamil: same name, its source becomes the spreadsheet; bersalin: renamed
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0001").source.endswith("(lampiran.csv)")
    assert result.skipped == 3  # urusan, bidang, a non-SPM urusan
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0099").parent.code == "1.02.02.2.02"
    assert NomenclatureItem.objects.get(code="1.02.02.2.02.0002").name == "Nama Baru Bersalin"
    # the shipped mapping is untouched by a spreadsheet without one
    assert ServiceBudgetCode.objects.filter(service_code="K-KES-02").exists()


def test_xlsx_with_uraian_column(tmp_path: Path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["LAMPIRAN KEPMENDAGRI"])
    sheet.append(["KODE", "URAIAN"])
    sheet.append(["1.05.03.2.01.0001", "Sub Kegiatan Informasi Uji"])
    f = tmp_path / "lampiran.xlsx"
    book.save(f)
    result = load_nomenclature(f)
    assert result.created == 1
    assert NomenclatureItem.objects.get(code="1.05.03.2.01.0001").sector.code == "TRANTIB"


def test_bad_file_changes_nothing(tmp_path: Path):
    before = list(NomenclatureItem.objects.values_list("code", "name").order_by("code"))
    f = tmp_path / "bad.csv"
    f.write_text(
        "kode,nomenklatur\n"
        "1.02.02.2.02.0001,Nama Diubah\n"
        "1.02.02.2.02.0100,Sub Kegiatan Baru\n"
        "1.02.77.2.01.0001,Induknya tidak ada\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="induknya 1.02.77.2.01 tidak ada"):
        call_command("load_nomenclature", str(f), verbosity=0)
    after = list(NomenclatureItem.objects.values_list("code", "name").order_by("code"))
    assert after == before


def test_file_without_columns_is_refused(tmp_path: Path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kolom 'kode'"):
        call_command("load_nomenclature", str(f), verbosity=0)


def test_command_reports_counts(capsys):
    call_command("load_nomenclature")
    out = capsys.readouterr().out
    total = NomenclatureItem.objects.count()
    assert f"0 baru, 0 diperbarui, {total} tetap" in out


# ---------------------------------------------------------------- search


def test_search_filters_by_sector_and_skips_programs():
    found = selectors.search_nomenclature("", sector="SOS", limit=100)
    assert found and all(i.sector.code == "SOS" for i in found)
    assert all(i.level != NomenclatureItem.Level.PROGRAM for i in found)


def test_search_puts_the_service_usual_code_first():
    found = selectors.search_nomenclature("", sector="KES", service_code="K-KES-08")
    assert found[0].code == "1.02.02.2.02.0008" and found[0].is_usual
    assert not found[1].is_usual


def test_search_by_words_and_code_prefix_and_limit():
    assert [i.code for i in selectors.search_nomenclature("hipertensi")] == ["1.02.02.2.02.0008"]
    by_code = selectors.search_nomenclature("1.02.02.2.02.001")
    assert [i.code for i in by_code] == [
        "1.02.02.2.02.0010",
        "1.02.02.2.02.0011",
        "1.02.02.2.02.0012",
    ]
    assert len(selectors.search_nomenclature("", limit=3)) == 3
    assert len(selectors.search_nomenclature("", limit=10_000)) <= selectors.NOMENCLATURE_MAX
