"""Yearly targets: entry, submission, verification, return, lock; assignments; home panels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from indicators import selectors, services
from indicators.models import Assignment, ServiceType, Target
from regions.models import Agency

YEAR = 2026
KLATEN = "33.10"


def url(name: str, code: str | None = None, region: str = KLATEN) -> str:
    kwargs: dict = {"region": region, "year": YEAR}
    if code:
        kwargs["code"] = code
    return reverse(f"indicators:{name}", kwargs=kwargs)


def target(code: str, region: str = KLATEN) -> Target:
    return Target.objects.get(region__code=region, year=YEAR, service_type__code=code)


def form_data(t: Target, recipients, **quantities) -> dict:
    data = {"version": t.version, "recipients_target": recipients}
    for tq in t.quality.select_related("quality_item"):
        if tq.quality_item.has_quantity:
            data[f"q_{tq.quality_item.code}"] = quantities.get(
                tq.quality_item.code, str(tq.required_quantity)
            )
    return data


@pytest.mark.django_db
def test_demo_targets_and_selectors(region):
    klaten = region(KLATEN)
    assert selectors.service_types_for_region(klaten, YEAR).count() == 29
    assert selectors.service_types_for_region(region("33"), YEAR).count() == 14
    assert selectors.unassigned_codes(klaten) == []
    ids = selectors.assigned_agency_ids([klaten.id], ["K-KES-01", "K-TRANTIB-05"])
    agencies = {a.id: a.short_name for a in Agency.objects.filter(region=klaten)}
    assert agencies[ids[(klaten.id, "K-KES-01")]] == "DINKES"
    assert agencies[ids[(klaten.id, "K-TRANTIB-05")]] == "DAMKAR"
    st = ServiceType.objects.get(edition__code="2026.1", code="K-KES-01")
    t = selectors.target_for(klaten, YEAR, st)
    assert t is not None and t.status == "verified" and t.agency.short_name == "DINKES"
    assert t.recipients_target > 0 and t.quality.count() == st.quality_items.count()
    statuses = {c: target(c).status for c in ("K-KES-11", "K-KES-12", "K-DIK-03")}
    assert statuses == {"K-KES-11": "draft", "K-KES-12": "returned", "K-DIK-03": "submitted"}
    assert target("K-KES-12").return_reason
    k_sos_04 = ServiceType.objects.get(edition__code="2026.1", code="K-SOS-04")
    assert selectors.target_for(klaten, YEAR, k_sos_04) is None
    assert selectors.region_targets(None, klaten, YEAR).verified == 25


@pytest.mark.django_db
def test_operator_enters_submits_verifier_returns_then_verifies_and_locks(login):
    op = login("klaten.dinkes")
    t = target("K-KES-11")
    page = op.get(url("target", "K-KES-11"))
    assert page.status_code == 200 and "Simpan" in page.content.decode()
    r = op.post(url("target", "K-KES-11"), form_data(t, 9500, B1="12000"))
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.recipients_target == 9500 and t.version == 2
    assert t.quality.get(quality_item__code="B1").required_quantity == Decimal("12000")

    # the verifier cannot verify a draft, and an operator cannot verify
    assert op.post(url("target_verify", "K-KES-11"), {"version": t.version}).status_code == 403
    assert op.post(url("target_submit", "K-KES-11"), {"version": t.version}).status_code == 302
    t.refresh_from_db()
    assert t.status == "submitted"
    # submitted: the operator can no longer edit it
    assert op.post(url("target", "K-KES-11"), form_data(t, 1)).status_code == 403

    tapem = login("klaten.tapem")
    r = tapem.post(url("target_return", "K-KES-11"), {"version": t.version, "reason": " "})
    t.refresh_from_db()
    assert t.status == "submitted"  # reason required
    r = tapem.post(
        url("target_return", "K-KES-11"), {"version": t.version, "reason": "Cek data Dinkes."}
    )
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == "returned" and t.return_reason == "Cek data Dinkes."
    assert "Cek data Dinkes." in op.get(url("target", "K-KES-11")).content.decode()

    assert op.post(url("target", "K-KES-11"), form_data(t, 9600)).status_code == 302
    t.refresh_from_db()
    op.post(url("target_submit", "K-KES-11"), {"version": t.version})
    t.refresh_from_db()
    assert tapem.post(url("target_verify", "K-KES-11"), {"version": t.version}).status_code == 302
    t.refresh_from_db()
    assert t.status == "verified" and t.is_locked and t.verified_by.username == "klaten.tapem"

    # locked: the operator is refused, the verifier needs a reason, and a revision is kept
    assert op.post(url("target", "K-KES-11"), form_data(t, 1)).status_code == 403
    r = tapem.post(url("target", "K-KES-11"), form_data(t, 9700))
    assert r.status_code == 400 and "Alasan perubahan wajib" in r.content.decode()
    t.refresh_from_db()
    assert t.recipients_target == 9600
    r = tapem.post(url("target", "K-KES-11"), {**form_data(t, 9700), "reason": "Data BPS terbaru"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.recipients_target == 9700 and t.status == "verified"
    last = t.history.first()
    assert last.history_change_reason == "Data BPS terbaru"
    assert last.history_user.username == "klaten.tapem"
    reasons = list(t.history.values_list("history_change_reason", flat=True))
    assert "diajukan" in reasons and "dikembalikan: Cek data Dinkes." in reasons


@pytest.mark.django_db
def test_wrong_roles_are_refused(login):
    t = target("K-DIK-03")  # submitted, DINDIK
    before = (t.status, t.version)
    # another region: 404, no existence leak
    assert login("ngawi.tapem").post(url("target_verify", "K-DIK-03"), {}).status_code == 404
    assert login("ngawi.dinkes").get(url("target", "K-KES-01")).status_code == 404
    assert login("ngawi.tapem").get(url("region_targets")).status_code == 404
    # another agency of the same region: the target is not even visible
    assert login("klaten.dinkes").get(url("target", "K-DIK-03")).status_code == 404
    # the province reviewer sees it but is not the region's verifier
    assert login("jateng.biro").post(url("target_verify", "K-DIK-03"), {}).status_code == 403
    assert (
        login("bangda.admin").post(url("target_return", "K-DIK-03"), {"reason": "x"}).status_code
        == 403
    )
    # the agency's own operator cannot verify its target
    assert login("klaten.dindik").post(url("target_verify", "K-DIK-03"), {}).status_code == 403
    t.refresh_from_db()
    assert (t.status, t.version) == before


@pytest.mark.django_db
def test_service_refuses_wrong_agency_wrong_level_and_negative(cast, region):
    klaten = region(KLATEN)
    st = ServiceType.objects.get(edition__code="2026.1", code="K-SOS-04")
    with pytest.raises(PermissionDenied):
        services.save_target(
            cast["klaten.dinkes"], klaten, YEAR, st, services.TargetInput(10), version=None
        )
    province_st = ServiceType.objects.get(edition__code="2026.1", code="P-SOS-01")
    with pytest.raises(services.TargetError, match="tingkat"):
        services.save_target(
            cast["klaten.dinsos"], klaten, YEAR, province_st, services.TargetInput(10), version=None
        )
    with pytest.raises(services.TargetError, match="negatif"):
        services.save_target(
            cast["klaten.dinsos"], klaten, YEAR, st, services.TargetInput(-1), version=None
        )
    assert not Target.objects.filter(region=klaten, service_type=st).exists()
    t = services.save_target(
        cast["klaten.dinsos"], klaten, YEAR, st, services.TargetInput(150), version=None
    )
    assert t.agency.short_name == "DINSOS" and t.status == "draft"


@pytest.mark.django_db
def test_stale_version_is_refused_with_current_values(login):
    op = login("klaten.dinkes")
    t = target("K-KES-11")
    stale = form_data(t, 111)
    assert op.post(url("target", "K-KES-11"), form_data(t, 222)).status_code == 302
    r = op.post(url("target", "K-KES-11"), stale)
    assert r.status_code == 400
    body = r.content.decode()
    assert "sudah diubah orang lain" in body and "222" in body
    t.refresh_from_db()
    assert t.recipients_target == 222


@pytest.mark.django_db
def test_bad_form_input_keeps_what_was_typed(login):
    op = login("klaten.dinkes")
    t = target("K-KES-11")
    data = form_data(t, "-5", B1="abc")
    r = op.post(url("target", "K-KES-11"), data)
    assert r.status_code == 400
    body = r.content.decode()
    assert "Tidak boleh negatif" in body and "Masukkan angka" in body
    assert 'value="-5"' in body and 'value="abc"' in body
    version = t.version
    t.refresh_from_db()
    assert t.version == version


@pytest.mark.django_db
def test_assignment_page_and_unassigned_flag_on_verifier_home(login):
    tapem = login("klaten.tapem")
    page = tapem.get(reverse("indicators:assignments", kwargs={"region": KLATEN}))
    assert page.status_code == 200 and page.content.decode().count("<select") == 29
    data = {
        f"a_{code}": agency
        for code, agency in Assignment.objects.filter(region__code=KLATEN).values_list(
            "service_code", "agency_id"
        )
    }
    data["a_K-SOS-05"] = ""
    assert (
        tapem.post(reverse("indicators:assignments", kwargs={"region": KLATEN}), data).status_code
        == 302
    )
    assert not Assignment.objects.filter(region__code=KLATEN, service_code="K-SOS-05").exists()
    home = tapem.get(reverse("home")).content.decode()
    assert "belum ditugaskan" in home and "K-SOS-05" in home
    # another region's agency is refused, nothing saved
    foreign = Agency.objects.get(region__code="35.21", short_name="DINSOS")
    data["a_K-SOS-05"] = str(foreign.id)
    r = tapem.post(reverse("indicators:assignments", kwargs={"region": KLATEN}), data)
    assert r.status_code == 400
    assert not Assignment.objects.filter(region__code=KLATEN, service_code="K-SOS-05").exists()
    # an operator sees the page but cannot change it
    op = login("klaten.dinkes")
    assert op.get(reverse("indicators:assignments", kwargs={"region": KLATEN})).status_code == 200
    assert (
        op.post(reverse("indicators:assignments", kwargs={"region": KLATEN}), data).status_code
        == 403
    )


@pytest.mark.django_db
def test_region_target_page_shows_completeness(login, django_assert_max_num_queries):
    tapem = login("klaten.tapem")
    with django_assert_max_num_queries(25):
        r = tapem.get(url("region_targets"))
    body = r.content.decode()
    assert r.status_code == 200 and "25 / 29" in body
    # an operator sees only its agency's service types
    body = login("klaten.dinkes").get(url("region_targets")).content.decode()
    assert "K-KES-01" in body and "K-DIK-01" not in body
    home = login("klaten.dinkes").get(reverse("home")).content.decode()
    assert "K-KES-11" in home  # a draft to act on


@pytest.mark.django_db
def test_bangda_home_shows_the_catalog_panel(login):
    body = login("bangda.admin").get(reverse("home")).content.decode()
    assert "Tahun 2026 memakai edisi 2026.1" in body


@pytest.mark.django_db
def test_a_long_change_reason_is_kept_whole_and_the_history_reason_is_cut(login):
    """simple-history keeps 100 characters of a reason: a longer one made the page answer 500."""
    t = target("K-KES-01")
    reason = "Revisi proyeksi penduduk BPS 2026 setelah pemutakhiran data kependudukan. " * 3
    data = {"version": t.version, "recipients_target": 17600, "reason": reason}
    for tq in t.quality.select_related("quality_item"):
        if tq.quality_item.has_quantity:
            data[f"q_{tq.quality_item.code}"] = str(tq.required_quantity)
    response = login("klaten.tapem").post(url("target", "K-KES-01"), data)
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.recipients_target == 17600 and t.change_reason == reason.strip()
    assert t.history.first().history_change_reason == reason.strip()[:100]


@pytest.mark.django_db
def test_target_pages_write_numbers_the_indonesian_way(login):
    """Counts as 12.345 and quantities as 1.250,5 on the target pages, never 12345 or q_B2."""
    op = login("klaten.dinkes")
    t = target("K-KES-11")
    item = (
        t.quality.select_related("quality_item")
        .filter(quality_item__has_quantity=True)
        .order_by("quality_item__order")
        .first()
        .quality_item
    )
    stale = form_data(t, 111)
    saved = form_data(t, 222222, **{item.code: "1250.5"})
    assert op.post(url("target", "K-KES-11"), saved).status_code == 302
    # A stale save: what is stored now, in the form's words and the Indonesian format.
    r = op.post(url("target", "K-KES-11"), stale)
    assert r.status_code == 400
    body = r.content.decode()
    start = body.index("Nilai yang tersimpan sekarang")
    box = body[start : body.index("</ul>", start)]
    assert "Target jumlah penerima: 222.222" in box
    assert f"{item.description}: 1.250,5" in box
    assert "q_" not in box and "222222" not in box
    # Read-only (the region's auditor), the history and the region's list.
    page = login("klaten.inspektorat").get(url("target", "K-KES-11")).content.decode()
    assert "<span>222.222</span>" in page and "1.250,5" in page
    assert '<td class="num">222.222</td>' in page  # history row
    assert "222222" not in page and "1250" not in page
    listing = op.get(url("region_targets")).content.decode()
    assert "222.222" in listing and "222222" not in listing
