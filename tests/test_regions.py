from __future__ import annotations

import pytest
from django.core.management import call_command

from regions.models import Level, Region
from regions.services import RegionListError, RegionRow, sync_regions


@pytest.mark.django_db
def test_official_list_gives_38_416_98_under_one_root():
    root = Region.objects.get(code="00")
    assert root.level == Level.NATIONAL and root.parent is None
    # Today's list; the two ended Papua provinces (history) are under the root too.
    current = Region.objects.current()
    assert current.filter(level=Level.PROVINCE, parent=root).count() == 38
    assert current.filter(level=Level.KABUPATEN).count() == 416
    assert current.filter(level=Level.KOTA).count() == 98
    assert Region.objects.filter(level=Level.PROVINCE, parent=root).count() == 40
    klaten = Region.objects.get(code="33.10")
    assert klaten.name == "Kabupaten Klaten"
    assert klaten.parent.code == "33" and klaten.province_code == "33"
    assert not Region.objects.exclude(level=Level.NATIONAL).filter(parent__isnull=True).exists()


@pytest.mark.django_db
def test_loader_is_idempotent():
    before = list(Region.objects.order_by("code").values_list("id", "code", "name", "parent_id"))
    result = sync_regions()
    assert (result.created, result.updated, result.deactivated) == (0, 0, 0)
    assert result.unchanged == 552
    assert result.non_autonomous == 6
    call_command("load_regions", verbosity=0)
    assert (
        list(Region.objects.order_by("code").values_list("id", "code", "name", "parent_id"))
        == before
    )


@pytest.mark.django_db
def test_rename_updates_in_place_and_missing_is_deactivated_not_deleted():
    klaten_id = Region.objects.get(code="33.10").id
    rows = [
        RegionRow("33", "Jawa Tengah", Level.PROVINCE),
        RegionRow("33.10", "Kabupaten Klaten Baru", Level.KABUPATEN),
    ]
    result = sync_regions(rows)
    klaten = Region.objects.get(code="33.10")
    assert klaten.id == klaten_id and klaten.name == "Kabupaten Klaten Baru"
    assert result.updated == 1
    assert Region.objects.get(code="35.21").is_active is False
    assert Region.objects.count() == 555  # 553 listed + 2 ended Papua provinces, none deleted


@pytest.mark.django_db
def test_unknown_code_is_reported_and_nothing_is_half_loaded():
    rows = [
        RegionRow("33", "Jawa Tengah Diubah", Level.PROVINCE),
        RegionRow("33.1X", "Kabupaten Salah", Level.KABUPATEN),
    ]
    with pytest.raises(RegionListError, match="33.1X"):
        sync_regions(rows)
    assert Region.objects.get(code="33").name == "Jawa Tengah"
    assert not Region.objects.filter(code="33.1X").exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(django_user_model):
    from regions.models import Agency, Membership

    counts = (django_user_model.objects.count(), Agency.objects.count(), Membership.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (
        django_user_model.objects.count(),
        Agency.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert django_user_model.objects.filter(is_demo=True, username="klaten.dinkes").exists()


@pytest.mark.django_db(transaction=True)
def test_region_settings_save_outside_a_request_transaction(django_user_model):
    """No ATOMIC_REQUESTS: the service itself must open the transaction its row lock needs."""
    from regions.services import region_settings_version, update_region_settings

    root, _ = Region.objects.get_or_create(
        code="00", defaults={"name": "Nasional", "level": Level.NATIONAL}
    )
    jateng, _ = Region.objects.get_or_create(
        code="33", defaults={"name": "Jawa Tengah", "level": Level.PROVINCE, "parent": root}
    )
    user = django_user_model.objects.create(username="tapem.test")
    update_region_settings(
        user,
        jateng,
        {"contact_name": "Kabag Tapem", "requires_head_signoff": True},
        seen_version=region_settings_version(jateng),
    )
    jateng.refresh_from_db()
    assert jateng.contact_name == "Kabag Tapem" and jateng.requires_head_signoff
