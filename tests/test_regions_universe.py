"""The reporting universe (who reports) and region history (codes that changed meaning).

Expected values are counted by hand from SPM.md section 2 and the laws in
regions/data/region_history.toml, not from the code under test.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from indicators import selectors as catalog
from indicators.services import TargetError, _check_service_type
from regions.models import Level, Membership, Region, RegionSuccession
from regions.roles import Role
from regions.selectors import (
    predecessors,
    region_valid_on,
    reporting_universe,
    reporting_universe_counts,
    successors,
)
from regions.services import (
    InactiveRegion,
    RegionRow,
    add_role,
    create_agency,
    invite_user,
    load_region_history,
    reactivate_membership,
    sync_regions,
)

JAKARTA_ADM = ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]


def _jakarta_adm_flags() -> list[tuple[str, bool, bool]]:
    return list(
        Region.objects.filter(code__in=JAKARTA_ADM)
        .order_by("code")
        .values_list("code", "is_active", "is_autonomous")
    )


ALL_OFF = [(code, False, False) for code in JAKARTA_ADM]


# ---------------------------------------------------------------- DKI Jakarta's adm. kab/kota


@pytest.mark.django_db
def test_load_regions_leaves_38_provinces_415_kabupaten_93_kota_reporting():
    call_command("load_regions", verbosity=0)
    active = Region.objects.filter(is_active=True, is_autonomous=True)
    assert active.filter(level=Level.PROVINCE).count() == 38
    assert active.filter(level=Level.KABUPATEN).count() == 415
    assert active.filter(level=Level.KOTA).count() == 93
    # The plain is_active filter the other apps use already gives the same 546.
    assert Region.objects.filter(is_active=True).exclude(level=Level.NATIONAL).count() == 546
    assert reporting_universe().count() == 546
    assert reporting_universe_counts() == {"province": 38, "kabupaten": 415, "kota": 93}


@pytest.mark.django_db
def test_load_regions_reports_the_universe_it_left(capsys):
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "6 bukan daerah otonom" in out
    assert "38 provinsi, 415 kabupaten, 93 kota = 546" in out


@pytest.mark.django_db
def test_jakarta_adm_kabkota_stay_in_the_tree_inactive_and_not_autonomous():
    assert _jakarta_adm_flags() == ALL_OFF
    seribu = Region.objects.get(code="31.01")
    assert seribu.parent.code == "31" and seribu.level == Level.KABUPATEN
    assert Region.objects.get(code="31.71").level == Level.KOTA


@pytest.mark.django_db
def test_resync_never_switches_jakarta_adm_kabkota_back_on():
    result = sync_regions()
    assert result.non_autonomous == 6
    assert (result.created, result.updated, result.deactivated) == (0, 0, 0)
    assert _jakarta_adm_flags() == ALL_OFF
    # A list that names 31.71 as an ordinary kota still does not make it report.
    rows = [
        RegionRow("31", "Daerah Khusus Ibukota Jakarta", Level.PROVINCE),
        RegionRow("31.71", "Kota Administrasi Jakarta Pusat", Level.KOTA),
        RegionRow("33", "Jawa Tengah", Level.PROVINCE),
        RegionRow("33.10", "Kabupaten Klaten", Level.KABUPATEN),
    ]
    result = sync_regions(rows, deactivate_missing=False)
    assert result.non_autonomous == 1 and result.unchanged == 4
    assert _jakarta_adm_flags() == ALL_OFF


@pytest.mark.django_db
def test_resync_switches_a_wrongly_reactivated_jakarta_kota_off_again():
    Region.objects.filter(code="31.72").update(is_active=True, is_autonomous=True)
    result = sync_regions()
    assert result.updated == 1
    assert _jakarta_adm_flags() == ALL_OFF


@pytest.mark.django_db
def test_migration_corrects_an_existing_database_and_can_run_twice():
    migration = importlib.import_module("regions.migrations.0002_region_autonomy_and_history")
    Region.objects.filter(code__in=JAKARTA_ADM).update(is_active=True, is_autonomous=True)
    Region.objects.filter(code="33.10").update(official_code="")
    migration.correct_existing_rows(apps, None)
    migration.correct_existing_rows(apps, None)
    assert _jakarta_adm_flags() == ALL_OFF
    assert Region.objects.get(code="33.10").official_code == "33.10"
    assert Region.objects.get(code="91@2022").official_code == "91"  # untouched


@pytest.mark.django_db
def test_service_levels_jakarta_province_reports_both_levels():
    levels = {code: Region.objects.get(code=code).service_levels for code in ("31", "33", "33.10")}
    assert levels == {"31": ("province", "kabkota"), "33": ("province",), "33.10": ("kabkota",)}
    assert Region.objects.get(code="36.73").service_levels == ("kabkota",)  # a kota
    assert Region.objects.get(code="00").service_levels == ()
    assert Region.objects.get(code="31.71").service_levels == ()  # not autonomous
    # The single-level property keeps its old meaning for existing callers.
    assert Region.objects.get(code="31").service_level == "province"
    assert Region.objects.get(code="33.10").service_level == "kabkota"


@pytest.mark.django_db
def test_service_levels_follow_the_setting():
    jakarta = Region.objects.get(code="31")
    with override_settings(SPM_PROVINCES_WITH_KABKOTA_SERVICES=()):
        assert jakarta.service_levels == ("province",)
    with override_settings(SPM_PROVINCES_WITH_KABKOTA_SERVICES=("31", "33")):
        assert Region.objects.get(code="33").service_levels == ("province", "kabkota")


@pytest.mark.django_db
def test_jakarta_province_gets_kabkota_service_types_and_targets():
    year = catalog.current_year()
    jakarta, jateng = Region.objects.get(code="31"), Region.objects.get(code="33")
    jakarta_levels = set(
        catalog.service_types_for_region(jakarta, year).values_list("level", flat=True)
    )
    jateng_levels = set(
        catalog.service_types_for_region(jateng, year).values_list("level", flat=True)
    )
    assert jakarta_levels == {"province", "kabkota"}
    assert jateng_levels == {"province"}
    kabkota_type = catalog.service_types_for_region(jakarta, year).filter(level="kabkota").first()
    assert kabkota_type is not None
    _check_service_type(jakarta, year, kabkota_type)  # accepted for Jakarta
    with pytest.raises(TargetError):
        _check_service_type(jateng, year, kabkota_type)


# ---------------------------------------------------------------- no set-up in a non-reporting region


@pytest.mark.django_db
def test_no_agency_in_a_non_autonomous_region(cast):
    seribu = Region.objects.get(code="31.01")
    with pytest.raises(InactiveRegion, match="bukan daerah otonom"):
        create_agency(cast["bangda.admin"], seribu, {"name": "Dinas X", "short_name": "DX"}, [])
    assert not seribu.agencies.exists()


@pytest.mark.django_db
def test_no_verifier_invited_in_a_non_autonomous_region(cast, django_user_model):
    with pytest.raises(InactiveRegion, match="Jakarta Pusat"):
        invite_user(
            cast["bangda.admin"],
            Region.objects.get(code="31.71"),
            username="tapem.jakpus",
            full_name="Tapem Jakarta Pusat",
            email="tapem.jakpus@example.org",
            role=Role.VERIFIER,
        )
    assert not django_user_model.objects.filter(username="tapem.jakpus").exists()


@pytest.mark.django_db
def test_no_role_added_or_reactivated_in_an_ended_or_inactive_region(cast):
    person = cast["klaten.tapem"]
    with pytest.raises(InactiveRegion, match="tidak berlaku sejak 24-07-2022"):
        add_role(
            cast["bangda.admin"], person, Region.objects.get(code="94@2022"), role=Role.AUDITOR
        )
    # A role held before the region was switched off is not switched back on.
    jakpus = Region.objects.get(code="31.71")
    old = Membership.objects.create(user=person, role=Role.AUDITOR, region=jakpus, is_active=False)
    with pytest.raises(InactiveRegion):
        reactivate_membership(cast["bangda.admin"], old)
    old.refresh_from_db()
    assert old.is_active is False


# ---------------------------------------------------------------- history: the 2022 Papua split


@pytest.mark.django_db
def test_papua_history_loads_twice_idempotently():
    before = list(Region.objects.order_by("code").values_list("id", "code", "valid_from"))
    first = load_region_history()
    second = load_region_history()
    for result in (first, second):  # the session seed already loaded it once
        assert (result.ended_created, result.ended_updated, result.validity_updated) == (0, 0, 0)
        assert (result.successions_created, result.successions_updated) == (0, 0)
        assert result.unchanged == 2 + 6 + 6  # ended, today's successors, succession rows
    assert list(Region.objects.order_by("code").values_list("id", "code", "valid_from")) == before
    assert Region.objects.filter(code__contains="@").count() == 2
    assert RegionSuccession.objects.count() == 6


@pytest.mark.django_db
def test_papua_history_loads_into_a_database_without_it():
    RegionSuccession.objects.all().delete()
    Region.objects.filter(code__contains="@").delete()
    Region.objects.filter(code__in=["91", "92", "93", "94", "95", "96"]).update(valid_from=None)
    result = load_region_history()
    assert (result.ended_created, result.validity_updated, result.successions_created) == (2, 6, 6)


@pytest.mark.django_db
def test_old_papua_94_has_four_successors_and_old_papua_barat_91_two():
    old_papua = Region.objects.get(code="94@2022")
    old_papua_barat = Region.objects.get(code="91@2022")
    assert (old_papua.name, old_papua.official_code) == ("Papua", "94")
    assert (old_papua_barat.name, old_papua_barat.official_code) == ("Papua Barat", "91")
    assert old_papua.valid_until == dt.date(2022, 7, 24)
    assert old_papua_barat.valid_until == dt.date(2022, 12, 7)
    assert [s.successor.code for s in successors(old_papua)] == ["91", "93", "94", "95"]
    assert [s.successor.code for s in successors(old_papua_barat)] == ["92", "96"]
    assert {s.kind for s in successors(old_papua)} == {"split"}
    assert [s.predecessor.code for s in predecessors(Region.objects.get(code="96"))] == ["91@2022"]
    assert [s.predecessor.code for s in predecessors(Region.objects.get(code="94"))] == ["94@2022"]
    assert predecessors(Region.objects.get(code="33")) == []


@pytest.mark.django_db
def test_code_91_still_means_todays_papua():
    papua = Region.objects.get(code="91")
    assert papua.name == "Papua" and papua.valid_until is None and papua.is_active
    assert papua.valid_from == dt.date(2022, 7, 25)
    assert Region.objects.filter(code="91").count() == 1
    # The Kemendagri code 91 had two meanings; only one is current.
    assert Region.objects.filter(official_code="91").count() == 2
    assert list(Region.objects.current().filter(official_code="91")) == [papua]


@pytest.mark.django_db
def test_ended_regions_are_in_no_universe_and_no_province_scope(cast):
    ended = Region.objects.filter(code__in=["94@2022", "91@2022"])
    assert [(r.is_active, r.province_code, r.parent.code) for r in ended] == [
        (False, "", "00"),
        (False, "", "00"),
    ]
    assert not reporting_universe().filter(code__contains="@").exists()
    # A verifier of today's Papua (91) sees its province, not the old Papua Barat (91@2022).
    person = cast["klaten.tapem"]
    Membership.objects.create(user=person, role=Role.VERIFIER, region=Region.objects.get(code="91"))
    person = type(person).objects.get(pk=person.pk)  # fresh grants
    visible = set(Region.objects.visible_to(person).values_list("code", flat=True))
    assert "91" in visible and "91.03" in visible
    assert "91@2022" not in visible and "94@2022" not in visible


@pytest.mark.django_db
def test_sync_never_touches_or_counts_ended_regions():
    before = list(
        Region.objects.filter(code__contains="@").values_list(
            "code", "is_active", "valid_until", "name"
        )
    )
    assert sync_regions().deactivated == 0
    # Only Jawa Tengah and Klaten listed: the other 546 - 2 reporting regions go inactive;
    # the six Jakarta adm. kab/kota and the two ended provinces were inactive already.
    rows = [
        RegionRow("33", "Jawa Tengah", Level.PROVINCE),
        RegionRow("33.10", "Kabupaten Klaten", Level.KABUPATEN),
    ]
    assert sync_regions(rows).deactivated == 544
    after = list(
        Region.objects.filter(code__contains="@").values_list(
            "code", "is_active", "valid_until", "name"
        )
    )
    assert after == before


@pytest.mark.django_db
def test_valid_on_gives_the_universe_of_a_date():
    def provinces_on(date: dt.date) -> set[str]:
        return set(
            Region.objects.valid_on(date)
            .filter(level=Level.PROVINCE, official_code__startswith="9")
            .values_list("code", flat=True)
        )

    assert provinces_on(dt.date(2021, 12, 31)) == {"91@2022", "94@2022"}
    assert provinces_on(dt.date(2022, 7, 24)) == {"91@2022", "94@2022"}
    # Between the two laws: old Papua Barat still exists beside the new Papua provinces.
    assert provinces_on(dt.date(2022, 9, 1)) == {"91@2022", "91", "93", "94", "95"}
    assert provinces_on(dt.date(2022, 12, 8)) == {"91", "92", "93", "94", "95", "96"}
    assert set(region_valid_on(dt.date(2021, 1, 1)).values_list("code", flat=True)) >= {
        "33",
        "33.10",
        "94@2022",
    }
    assert Region.objects.get(code="94@2022").is_valid_on(dt.date(2022, 7, 24))
    assert not Region.objects.get(code="94@2022").is_valid_on(dt.date(2022, 7, 25))


@pytest.mark.django_db
def test_history_file_names_its_laws():
    from regions.services import HISTORY_FILE

    text = HISTORY_FILE.read_text(encoding="utf-8")
    for law in ("UU 14/2022", "UU 15/2022", "UU 16/2022", "UU 29/2022", "300.2.2-2138/2025"):
        assert law in text


# ---------------------------------------------------------------- the region page and admin


@pytest.mark.django_db
def test_region_page_shows_validity_and_succession(login):
    client = login("bangda.admin")
    page = client.get(reverse("agency_list", kwargs={"code": "94@2022"})).content.decode()
    assert "sampai 24-07-2022" in page
    assert "Dilanjutkan oleh" in page and "Papua Selatan (93)" in page
    page = client.get(reverse("agency_list", kwargs={"code": "93"})).content.decode()
    assert "sejak 25-07-2022" in page and "Berasal dari" in page and "Papua (94)" in page
    page = client.get(reverse("agency_list", kwargs={"code": "31.71"})).content.decode()
    assert "Bukan daerah otonom" in page
    page = client.get(reverse("agency_list", kwargs={"code": "33.10"})).content.decode()
    assert "Status wilayah" not in page


@pytest.mark.django_db
def test_admin_region_page_lists_successors(login):
    client = login("bangda.admin")
    old = Region.objects.get(code="94@2022")
    page = client.get(reverse("admin:regions_region_change", args=[old.pk]))
    assert page.status_code == 200
    assert "Papua Pegunungan" in page.content.decode()
    listing = client.get(reverse("admin:regions_regionsuccession_changelist"))
    assert listing.status_code == 200
