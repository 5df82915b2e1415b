"""Scope hardening (issue #19 items 2, 4, 5): who manages assignments, what an inactive
agency's roles grant, and which agencies a sector ministry viewer reads.

Klaten's TW III of the demo (reporting.demo): K-KES-01 draft and complete, owned by DINKES.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators.models import Assignment
from regions.models import Agency, User
from regions.scoping import Action
from reporting.audit import selectors as audit
from reporting.models import Report

pytestmark = pytest.mark.django_db


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def _klaten_report() -> Report:
    return (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .first()
    )


def _assignment_post(**override: str) -> dict[str, str]:
    data = {
        f"a_{a.service_code}": str(a.agency_id)
        for a in Assignment.objects.filter(region__code="33.10")
    }
    data.update(override)
    return data


# ---------------------------------------------------------------- 2. assignments


def test_province_reviewer_cannot_move_a_kabkota_assignment(login):
    dindik = Agency.objects.get(region__code="33.10", short_name="DINDIK")
    before = dict(
        Assignment.objects.filter(region__code="33.10").values_list("service_code", "agency_id")
    )
    url = reverse("indicators:assignments", kwargs={"region": "33.10"})
    client = login("jateng.biro")
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["may_change"]
    response = client.post(url, _assignment_post(**{"a_K-KES-01": str(dindik.pk)}))
    assert response.status_code == 403
    after = dict(
        Assignment.objects.filter(region__code="33.10").values_list("service_code", "agency_id")
    )
    assert after == before


def test_the_regions_verifier_moves_an_assignment_and_the_audit_trail_shows_it(login):
    dindik = Agency.objects.get(region__code="33.10", short_name="DINDIK")
    url = reverse("indicators:assignments", kwargs={"region": "33.10"})
    response = login("klaten.tapem").post(url, _assignment_post(**{"a_K-KES-01": str(dindik.pk)}))
    assert response.status_code == 302
    row = Assignment.objects.get(region__code="33.10", service_code="K-KES-01")
    assert row.agency_id == dindik.pk
    trail = login("klaten.inspektorat").get(
        reverse("reporting:audit_trail"), {"kind": "assignment"}
    )
    assert trail.status_code == 200
    subjects = [e.subject for e in trail.context["entries"]]
    assert "K-KES-01 → DINDIK" in subjects
    assert any(e.user == "klaten.tapem" for e in trail.context["entries"])


# ---------------------------------------------------------------- 4. inactive agency


def test_an_inactive_agencys_operator_can_no_longer_write(cast):
    report = _klaten_report()
    served, version = report.recipients_served, report.version
    Agency.objects.filter(region__code="33.10", short_name="DINKES").update(is_active=False)
    response = api("klaten.dinkes").patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        {"version": report.version, "recipients_served": 5},
        content_type="application/json",
    )
    assert response.status_code == 404  # the role grants nothing: out of scope
    report.refresh_from_db()
    assert (report.recipients_served, report.version) == (served, version)
    assert not Report.objects.visible_to(cast["klaten.dinkes"], Action.CHANGE).exists()


def test_an_active_agencys_operator_still_writes(cast):
    report = _klaten_report()
    assert (
        Report.objects.visible_to(cast["klaten.dinkes"], Action.CHANGE)
        .filter(pk=report.pk)
        .exists()
    )


def test_an_inactive_agencys_role_opens_no_page(login):
    report = _klaten_report()
    Agency.objects.filter(region__code="33.10", short_name="DINKES").update(is_active=False)
    response = login("klaten.dinkes").get(reverse("reporting:report_review", args=[report.pk]))
    assert response.status_code == 404


# ---------------------------------------------------------------- 5. sector viewer


def test_sector_viewer_lists_agencies_of_its_sector_only():
    response = api("kemenkes.viewer").get(reverse("api:agency-list"), {"region": "33.10"})
    assert response.status_code == 200
    names = {a["short_name"] for a in response.json()["results"]}
    assert "DINKES" in names and "DINDIK" not in names
    other = api("kemenkes.viewer").get(reverse("api:agency-list"), {"sector": "DIK"})
    assert other.status_code == 200
    assert other.json()["count"] == 0


def test_sector_viewer_cannot_open_another_sectors_agency(login):
    dindik = Agency.objects.get(region__code="33.10", short_name="DINDIK")
    dinkes = Agency.objects.get(region__code="33.10", short_name="DINKES")
    client = login("kemenkes.viewer")
    assert client.get(reverse("agency_detail", kwargs={"pk": dindik.pk})).status_code == 404
    assert client.get(reverse("agency_detail", kwargs={"pk": dinkes.pk})).status_code == 200
    api_detail = api("kemenkes.viewer").get(reverse("api:agency-detail", kwargs={"pk": dindik.pk}))
    assert api_detail.status_code == 404


def test_agencies_are_listed_once_for_a_user_with_several_grants(cast):
    """The sector rule is a subquery: an agency with several sectors is not duplicated."""
    qs = Agency.objects.visible_to(cast["kemenkes.viewer"])
    assert qs.count() == qs.distinct().count()


def test_audit_trail_lists_assignment_history_as_a_kind():
    assert "assignment" in dict(audit.KIND_CHOICES)


def test_region_settings_changes_have_a_history_in_the_audit_trail(login):
    from regions.models import Region
    from regions.services import region_settings_version

    klaten = Region.objects.get(code="33.10")
    before = klaten.history.count()
    response = login("klaten.tapem").post(
        reverse("region_edit", kwargs={"code": "33.10"}),
        {
            "contact_name": "Kabag Tapem Riwayat",
            "contact_email": "tapem@klatenkab.go.id",
            "version": region_settings_version(klaten),
        },
    )
    assert response.status_code == 302
    assert klaten.history.count() == before + 1
    last = klaten.history.first()
    assert last.history_user.username == "klaten.tapem"
    assert last.contact_name == "Kabag Tapem Riwayat"
    trail = login("klaten.inspektorat").get(reverse("reporting:audit_trail"), {"kind": "region"})
    assert trail.status_code == 200
    entries = trail.context["entries"]
    assert any(e.user == "klaten.tapem" and e.region == "33.10" for e in entries)
    changed = {name for e in entries for name, _old, new in e.changes if "Riwayat" in new}
    assert changed


def test_loading_the_region_list_writes_no_region_history():
    from django.core.management import call_command

    from regions.models import Region

    before = Region.history.count()
    call_command("load_regions", verbosity=0)
    assert Region.history.count() == before
