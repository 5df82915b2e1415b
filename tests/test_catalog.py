"""The SPM catalog: shipped data, idempotent loader, editions and their diff, catalog pages."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.core.management import call_command
from django.db import DataError
from django.urls import reverse

from indicators import selectors, services
from indicators.models import (
    CatalogEdition,
    CatalogYear,
    QualityItem,
    Sector,
    ServiceType,
    Target,
)

CATALOG_FILE = services.CATALOG_DIR / "2026.1.yaml"

REFERENCE_CODES = {
    "province": [
        "P-DIK-01", "P-DIK-02", "P-KES-01", "P-KES-02", "P-PU-01", "P-PU-02", "P-PKP-01",
        "P-PKP-02", "P-TRANTIB-01", "P-SOS-01", "P-SOS-02", "P-SOS-03", "P-SOS-04", "P-SOS-05",
    ],
    "kabkota": [
        "K-DIK-01", "K-DIK-02", "K-DIK-03", *[f"K-KES-{n:02d}" for n in range(1, 13)],
        "K-PU-01", "K-PU-02", "K-PKP-01", "K-PKP-02", *[f"K-TRANTIB-{n:02d}" for n in range(1, 6)],
        *[f"K-SOS-{n:02d}" for n in range(1, 6)],
    ],
}  # fmt: skip


def _snapshot():
    return (
        list(Sector.objects.order_by("code").values_list("id", "code", "name", "order")),
        list(
            ServiceType.objects.order_by("id").values_list(
                "id", "edition_id", "code", "name", "level", "regulation", "recipient_definition"
            )
        ),
        list(QualityItem.objects.order_by("id").values()),
        list(CatalogYear.objects.order_by("year").values_list("year", "edition_id")),
        list(CatalogEdition.objects.order_by("id").values_list("id", "code", "status", "name")),
    )


@pytest.mark.django_db
def test_catalog_has_14_plus_29_service_types_in_6_sectors():
    edition = selectors.edition_for_year(2026)
    assert edition.code == "2026.1" and edition.status == CatalogEdition.Status.PUBLISHED
    assert list(Sector.objects.values_list("code", flat=True)) == [
        "DIK", "KES", "PU", "PKP", "TRANTIB", "SOS",
    ]  # fmt: skip
    assert Sector.objects.get(code="TRANTIB").name == (
        "Ketenteraman, Ketertiban Umum, dan Pelindungan Masyarakat"
    )
    types = ServiceType.objects.filter(edition=edition)
    for level, codes in REFERENCE_CODES.items():
        assert list(types.filter(level=level).values_list("code", flat=True)) == codes
    assert types.count() == 43
    assert types.values("sector").distinct().count() == 6
    k_kes_01 = types.get(code="K-KES-01")
    assert k_kes_01.name == "Pelayanan kesehatan ibu hamil"
    assert k_kes_01.regulation == "Permenkes 6/2024"
    assert "ibu hamil" in k_kes_01.recipient_definition
    assert types.get(code="K-TRANTIB-05").regulation == "Permendagri 114/2018"
    assert types.get(code="K-PU-01").regulation == "Permen PUPR 13/2023"
    # every service type has goods and staff quality items, sourced from its regulation
    for st in types.prefetch_related("quality_items"):
        kinds = {qi.kind for qi in st.quality_items.all()}
        assert kinds == {"goods", "staff"}, st.code
        assert all(qi.source == st.regulation for qi in st.quality_items.all())
    assert list(CatalogYear.objects.order_by("year").values_list("year", flat=True)) == [
        2023, 2024, 2025, 2026, 2027,
    ]  # fmt: skip


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    before = _snapshot()
    result = services.load_catalog()
    assert not result.changed
    call_command("load_catalog", verbosity=0)
    assert _snapshot() == before


@pytest.mark.django_db
def test_invalid_catalog_rolls_back_everything():
    data = yaml.safe_load(CATALOG_FILE.read_text())
    bad = copy.deepcopy(data)
    bad["edition"]["code"] = "2099.9"
    bad["service_types"][0]["name"] = "Diubah"  # a valid change that must not land
    bad["service_types"][1]["level"] = "kabkota"  # P-DIK-02 cannot be kab/kota
    bad["service_types"][2]["quality"][0]["kind"] = "money"
    before = _snapshot()
    with pytest.raises(services.CatalogError) as exc:
        services.load_catalog([bad])
    assert "P-DIK-02" in str(exc.value) and "goods atau staff" in str(exc.value)
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_write_error_midway_rolls_back_too():
    # 2023.1 has no targets or reports, so the loader writes its change in place ...
    unused = yaml.safe_load((services.CATALOG_DIR / "2023.1.yaml").read_text())
    unused["service_types"][0]["name"] = "Diubah sebelum kegagalan"
    # ... then the next edition fails in the database (a unit longer than 50 characters).
    failing = copy.deepcopy(yaml.safe_load(CATALOG_FILE.read_text()))
    failing["edition"].update(code="2099.1", years=[2099])
    failing["service_types"][0]["quality"][0]["unit"] = "x" * 51
    before = _snapshot()
    with pytest.raises(DataError):
        services.load_catalog([unused, failing])
    assert _snapshot() == before


@pytest.mark.django_db
def test_new_edition_leaves_earlier_targets_untouched(cast):
    bangda = cast["bangda.admin"]
    old = selectors.edition_for_year(2026)
    target = Target.objects.get(region__code="33.10", year=2026, service_type__code="K-KES-01")
    old_st_id = target.service_type_id
    old_items = list(target.quality.values_list("quality_item_id", flat=True))
    draft = services.create_draft_edition(bangda, old, "2027.1", "Katalog 2027")
    assert draft.status == "draft" and draft.based_on == old
    assert draft.service_types.count() == 43
    new_st = draft.service_types.get(code="K-KES-01")
    new_st.name = "Pelayanan kesehatan ibu hamil (revisi)"
    new_st.save()
    new_st.quality_items.filter(code="B5").delete()
    QualityItem.objects.create(
        service_type=new_st, code="B6", kind="goods", description="Skrining anemia", unit="tes"
    )
    # not published yet: 2026 and 2027 still use the old edition
    assert selectors.edition_for_year(2027) == old
    with pytest.raises(services.CatalogError):
        services.publish_edition(bangda, draft, [2026])  # 2026 has targets
    moved = services.publish_edition(bangda, draft, [2027])
    assert moved == [2027]
    draft.refresh_from_db()
    assert draft.status == "published"
    assert selectors.edition_for_year(2027) == draft
    assert selectors.edition_for_year(2026) == old
    target.refresh_from_db()
    assert target.service_type_id == old_st_id
    assert target.service_type.name == "Pelayanan kesehatan ibu hamil"
    assert list(target.quality.values_list("quality_item_id", flat=True)) == old_items
    assert old.service_types.get(code="K-KES-01").quality_items.filter(code="B5").exists()
    klaten = target.region
    assert {st.edition_id for st in selectors.service_types_for_region(klaten, 2027)} == {draft.id}
    # target_for finds a year's target by stable code, whatever the edition
    assert selectors.target_for(klaten, 2026, new_st) == target

    changes = {c.code: c for c in services.diff_editions(old, draft)}
    assert list(changes) == ["K-KES-01"]
    c = changes["K-KES-01"]
    assert c.kind == "changed" and c.fields == ["name"]
    assert {(q.code, q.before is None, q.after is None) for q in c.quality} == {
        ("B5", False, True),
        ("B6", True, False),
    }


@pytest.mark.django_db
def test_only_bangda_manages_editions(login):
    url = reverse("indicators:edition_copy", kwargs={"code": "2026.1"})
    assert login("klaten.tapem").post(url, {"code": "X1"}).status_code == 403
    assert not CatalogEdition.objects.filter(code="X1").exists()
    response = login("bangda.admin").post(url, {"code": "X1", "name": "Uji"})
    assert response.status_code == 302
    assert CatalogEdition.objects.get(code="X1").status == "draft"
    # drafts are invisible outside Bangda
    st_url = reverse("indicators:service_type", kwargs={"edition": "X1", "code": "K-KES-01"})
    assert login("klaten.tapem").get(st_url).status_code == 404
    assert login("bangda.admin").get(st_url).status_code == 200
    publish = reverse("indicators:edition_publish", kwargs={"code": "X1"})
    assert login("jateng.biro").post(publish, {"years": [2028]}).status_code == 403
    assert login("bangda.admin").post(publish, {"years": [2028]}).status_code == 302
    assert CatalogYear.objects.get(year=2028).edition.code == "X1"


@pytest.mark.django_db
def test_catalog_page_filters_and_searches(login, django_assert_max_num_queries):
    client = login("klaten.dinkes")
    url = reverse("indicators:catalog")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("/katalog/layanan/2026.1/") == 43
    body = client.get(url, {"sector": "KES", "level": "kabkota"}).content.decode()
    assert body.count("/katalog/layanan/2026.1/") == 12
    body = client.get(url, {"q": "tuberkulosis"}).content.decode()
    assert "K-KES-11" in body and "K-KES-01/" not in body
    body = client.get(url, {"q": "Tablet tambah darah"}).content.decode()  # a quality item
    assert "K-KES-01" in body
    detail = client.get(
        reverse("indicators:service_type", kwargs={"edition": "2026.1", "code": "K-KES-01"})
    )
    assert detail.status_code == 200 and "Tablet tambah darah" in detail.content.decode()
    diff = client.get(reverse("indicators:edition_diff"))
    assert diff.status_code == 200


@pytest.mark.django_db
def test_admin_edits_only_draft_editions(login, cast):
    admin = login("bangda.admin")
    assert admin.get(reverse("admin:indicators_servicetype_import")).status_code == 200
    published = ServiceType.objects.get(edition__code="2026.1", code="K-KES-01")
    page = admin.get(reverse("admin:indicators_servicetype_change", args=[published.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    draft = services.create_draft_edition(
        cast["bangda.admin"], published.edition, "2027.1", "Katalog 2027"
    )
    st = draft.service_types.get(code="K-KES-01")
    page = admin.get(reverse("admin:indicators_servicetype_change", args=[st.pk]))
    assert 'name="_save"' in page.content.decode()
    # other roles have no catalog admin
    assert (
        login("klaten.tapem").get(reverse("admin:indicators_servicetype_import")).status_code == 302
    )


@pytest.mark.django_db
def test_diff_page_shows_the_changes(login, cast):
    old = CatalogEdition.objects.get(code="2026.1")
    draft = services.create_draft_edition(cast["bangda.admin"], old, "2027.1")
    st = draft.service_types.get(code="K-PU-01")
    st.name = "Pemenuhan kebutuhan pokok air minum sehari-hari (revisi)"
    st.save()
    st.quality_items.get(code="S1").delete()
    body = (
        login("bangda.admin")
        .get(reverse("indicators:edition_diff"), {"dari": "2026.1", "ke": "2027.1"})
        .content.decode()
    )
    assert "K-PU-01" in body and "(revisi)" in body and "dihapus" in body
    assert "K-KES-01" not in body
