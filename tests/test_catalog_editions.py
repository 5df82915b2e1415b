"""Catalog editions per reporting year: the rules in force that year, PP 2/2018's own names,
and a loader that never rewrites an edition that targets or reports already use."""

from __future__ import annotations

import copy
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from indicators import selectors, services
from indicators.models import CatalogEdition, CatalogYear, QualityItem, ServiceType
from regions.models import Region
from reporting.dashboards.selectors import expected_services

EDITION_OF_YEAR = {2023: "2023.1", 2024: "2026.1", 2025: "2026.1", 2026: "2026.1", 2027: "2026.1"}
HEALTH_RULE = {"2023.1": "Permenkes 4/2019", "2026.1": "Permenkes 6/2024"}

# PP 2/2018 Art. 5–10, typed from the regulation: first word capitalised, the rest as written.
PP_2_2018 = {
    "P-DIK-01": "Pendidikan menengah",
    "P-DIK-02": "Pendidikan khusus",
    "P-KES-01": "Pelayanan kesehatan bagi penduduk terdampak krisis kesehatan akibat bencana "
    "dan/atau berpotensi bencana provinsi",
    "P-KES-02": "Pelayanan kesehatan bagi penduduk pada kondisi kejadian luar biasa provinsi",
    "P-PU-01": "Pemenuhan kebutuhan air minum curah lintas kabupaten/kota",
    "P-PU-02": "Penyediaan pelayanan pengolahan air limbah domestik regional lintas kabupaten/kota",
    "P-PKP-01": "Penyediaan dan rehabilitasi rumah yang layak huni bagi korban bencana provinsi",
    "P-PKP-02": "Fasilitasi penyediaan rumah yang layak huni bagi masyarakat yang terkena "
    "relokasi program pemerintah daerah provinsi",
    "P-TRANTIB-01": "Pelayanan ketenteraman dan ketertiban umum provinsi",
    "P-SOS-01": "Rehabilitasi sosial dasar penyandang disabilitas telantar di dalam panti",
    "P-SOS-02": "Rehabilitasi sosial dasar anak telantar di dalam panti",
    "P-SOS-03": "Rehabilitasi sosial dasar lanjut usia telantar di dalam panti",
    "P-SOS-04": "Rehabilitasi sosial dasar tuna sosial khususnya gelandangan dan pengemis di "
    "dalam panti",
    "P-SOS-05": "Perlindungan dan jaminan sosial pada saat dan setelah tanggap darurat bencana "
    "bagi korban bencana provinsi",
    "K-DIK-01": "Pendidikan anak usia dini",
    "K-DIK-02": "Pendidikan dasar",
    "K-DIK-03": "Pendidikan kesetaraan",
    "K-KES-01": "Pelayanan kesehatan ibu hamil",
    "K-KES-02": "Pelayanan kesehatan ibu bersalin",
    "K-KES-03": "Pelayanan kesehatan bayi baru lahir",
    "K-KES-04": "Pelayanan kesehatan balita",
    "K-KES-05": "Pelayanan kesehatan pada usia pendidikan dasar",
    "K-KES-06": "Pelayanan kesehatan pada usia produktif",
    "K-KES-07": "Pelayanan kesehatan pada usia lanjut",
    "K-KES-08": "Pelayanan kesehatan penderita hipertensi",
    "K-KES-09": "Pelayanan kesehatan penderita diabetes melitus",
    "K-KES-10": "Pelayanan kesehatan orang dengan gangguan jiwa berat",
    "K-KES-11": "Pelayanan kesehatan orang terduga tuberkulosis",
    "K-KES-12": "Pelayanan kesehatan orang dengan risiko terinfeksi virus yang melemahkan daya "
    "tahan tubuh manusia (Human Immunodeficiency Virus)",
    "K-PU-01": "Pemenuhan kebutuhan pokok air minum sehari-hari",
    "K-PU-02": "Penyediaan pelayanan pengolahan air limbah domestik",
    "K-PKP-01": "Penyediaan dan rehabilitasi rumah yang layak huni bagi korban bencana "
    "kabupaten/kota",
    "K-PKP-02": "Fasilitasi penyediaan rumah yang layak huni bagi masyarakat yang terkena "
    "relokasi program pemerintah daerah kabupaten/kota",
    "K-TRANTIB-01": "Pelayanan ketenteraman dan ketertiban umum",
    "K-TRANTIB-02": "Pelayanan informasi rawan bencana",
    "K-TRANTIB-03": "Pelayanan pencegahan dan kesiapsiagaan terhadap bencana",
    "K-TRANTIB-04": "Pelayanan penyelamatan dan evakuasi korban bencana",
    "K-TRANTIB-05": "Pelayanan penyelamatan dan evakuasi korban kebakaran",
    "K-SOS-01": "Rehabilitasi sosial dasar penyandang disabilitas telantar di luar panti",
    "K-SOS-02": "Rehabilitasi sosial dasar anak telantar di luar panti",
    "K-SOS-03": "Rehabilitasi sosial dasar lanjut usia telantar di luar panti",
    "K-SOS-04": "Rehabilitasi sosial dasar tuna sosial khususnya gelandangan dan pengemis di "
    "luar panti",
    "K-SOS-05": "Perlindungan dan jaminan sosial pada saat dan setelah tanggap darurat bencana "
    "bagi korban bencana kabupaten/kota",
}


def _file(code: str) -> dict:
    return yaml.safe_load((services.CATALOG_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


def _snapshot():
    return (
        list(ServiceType.objects.order_by("id").values()),
        list(QualityItem.objects.order_by("id").values()),
        list(CatalogEdition.objects.order_by("id").values_list("id", "code", "name", "notes")),
        list(CatalogYear.objects.order_by("year").values_list("year", "edition_id")),
    )


@pytest.mark.django_db
def test_each_year_maps_to_the_edition_in_force():
    assert dict(CatalogYear.objects.values_list("year", "edition__code")) == EDITION_OF_YEAR
    for year, code in EDITION_OF_YEAR.items():
        edition = selectors.edition_for_year(year)
        assert edition.code == code and edition.status == CatalogEdition.Status.PUBLISHED
        health = ServiceType.objects.filter(edition=edition, sector__code="KES")
        assert health.count() == 14
        assert set(health.values_list("regulation", flat=True)) == {HEALTH_RULE[code]}
        water_and_housing = ServiceType.objects.filter(
            edition=edition, sector__code__in=["PU", "PKP"]
        )
        assert set(water_and_housing.values_list("regulation", flat=True)) == {
            "Permen PUPR 13/2023"
        }
    assert selectors.edition_for_year(2023).name == "Katalog SPM edisi 2023.1 (Permenkes 4/2019)"
    assert "Untuk tahun laporan 2023. " in selectors.edition_for_year(2023).notes
    assert "Untuk tahun laporan 2024–2027. " in selectors.edition_for_year(2024).notes


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["2023.1", "2026.1"])
def test_every_edition_has_the_43_service_types_worded_as_pp_2_2018(code):
    types = ServiceType.objects.filter(edition__code=code)
    assert types.filter(level="province").count() == 14
    assert types.filter(level="kabkota").count() == 29
    assert dict(types.values_list("code", "name")) == PP_2_2018
    # a quality item's source is the rule its service type cites in that edition
    for st in types.prefetch_related("quality_items"):
        assert st.quality_items.exists(), st.code
        assert {qi.source for qi in st.quality_items.all()} == {st.regulation}, st.code


@pytest.mark.django_db
def test_2023_health_items_follow_permenkes_4_2019():
    old = ServiceType.objects.get(edition__code="2023.1", code="K-KES-01")
    new = ServiceType.objects.get(edition__code="2026.1", code="K-KES-01")
    assert "minimal 4 kali" in old.recipient_definition
    assert "minimal 6 kali" in new.recipient_definition
    assert old.quality_items.get(code="B5").description == "Kartu ibu (rekam medis ibu)"
    assert new.quality_items.get(code="B5").description == (
        "Pemeriksaan ultrasonografi oleh dokter (minimal 2 kali)"
    )
    assert not QualityItem.objects.filter(
        service_type__edition__code="2023.1", description__icontains="hipotiroid"
    ).exists()


@pytest.mark.django_db
def test_a_2023_region_finds_its_service_types():
    klaten = Region.objects.get(code="33.10")
    types = selectors.service_types_for_region(klaten, 2023)
    assert types.count() == 29
    assert set(types.values_list("edition__code", flat=True)) == {"2023.1"}
    expected = expected_services(2023)
    assert len(expected) == 43
    assert set(
        ServiceType.objects.filter(pk__in=[s.id for s in expected]).values_list(
            "edition__code", flat=True
        )
    ) == {"2023.1"}
    assert {s.code for s in expected_services(2025)} == set(PP_2_2018)


@pytest.mark.django_db
def test_loading_the_shipped_editions_again_changes_nothing():
    before = _snapshot()
    for _run in range(2):
        result = services.load_catalog()
        assert result.editions == ["2023.1", "2026.1"]
        assert result.created == result.updated == result.deleted == result.years_created == 0
        assert result.frozen == {}
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_new_edition_loads_once_then_stays():
    data = _file("2023.1")
    data["edition"].update(code="2099.1", years=[2099])
    items = sum(len(st["quality"]) for st in data["service_types"])
    # Each breakdown dimension and each of its groups is a row too.
    items += sum(
        1 + len(dim["groups"]) for st in data["service_types"] for dim in st.get("breakdowns", [])
    )
    first = services.load_catalog([data])
    assert (first.created, first.updated, first.deleted) == (1 + 43 + items, 0, 0)
    assert first.years_created == 1
    second = services.load_catalog([data])
    assert (second.created, second.updated, second.deleted, second.years_created) == (0, 0, 0, 0)
    assert second.unchanged == 43 + items


@pytest.mark.django_db
def test_an_edition_in_use_is_never_rewritten_by_the_loader():
    # 2026.1 holds the demo targets of 2026: its file changes are counted, not applied.
    assert ServiceType.objects.get(edition__code="2026.1", code="K-KES-01").targets.exists()
    data = copy.deepcopy(_file("2026.1"))
    data["edition"]["notes"] = "Catatan baru"  # 1
    data["service_types"][0]["name"] = "Pendidikan menengah (diubah)"  # 2
    k_kes_01 = next(st for st in data["service_types"] if st["code"] == "K-KES-01")
    k_kes_01["quality"][0]["description"] = "Vaksin Td (diubah)"  # 3
    k_kes_01["quality"].append(
        {"code": "B9", "kind": "goods", "description": "Butir baru", "unit": "paket"}
    )  # 4
    assert data["service_types"][-1]["code"] == "K-SOS-05"
    data["service_types"].pop()  # 5: a service type that targets use, removed from the file
    before = _snapshot()
    result = services.load_catalog([data])
    assert result.frozen == {"2026.1": 5}
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert _snapshot() == before


@pytest.mark.django_db
def test_the_command_says_which_edition_it_left_alone(tmp_path):
    data = copy.deepcopy(_file("2026.1"))
    data["service_types"][0]["name"] = "Pendidikan menengah (diubah)"
    path = tmp_path / "2026.1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = StringIO()
    call_command("load_catalog", str(path), stdout=out)
    assert "Edisi 2026.1 sudah dipakai target/laporan dan tidak diubah: 1 perbedaan" in (
        out.getvalue()
    )
    assert ServiceType.objects.get(edition__code="2026.1", code="P-DIK-01").name == (
        "Pendidikan menengah"
    )


@pytest.mark.django_db
def test_an_edition_nobody_uses_yet_follows_its_file():
    # No demo target or report is in 2023: a correction to 2023.1 is applied in place.
    data = copy.deepcopy(_file("2023.1"))
    data["service_types"][0]["recipients"] = "Penerima yang dikoreksi."
    result = services.load_catalog([data])
    assert (result.created, result.updated, result.deleted, result.frozen) == (0, 1, 0, {})
    st = ServiceType.objects.get(edition__code="2023.1", code="P-DIK-01")
    assert st.recipient_definition == "Penerima yang dikoreksi."
