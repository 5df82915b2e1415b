"""Verifying a report needs the year's verified target, or an exception with a recorded reason.

Klaten, 2027 TW I (tests.factories_review): every report filled; the DINKES report with the
lowest code is submitted and waits for klaten.tapem. Its 2027 target is a draft.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators.models import Target
from regions.models import Region, User
from reporting import workflow
from reporting.models import Report, WorkflowEvent
from tests import factories_review as f
from tests import factories_targets as targets

pytestmark = pytest.mark.django_db

REASON = "Target 2027 menunggu data Dukcapil; capaian diperiksa dari kohort Puskesmas."


@pytest.fixture
def report() -> Report:
    return targets.submitted_klaten_report(Target.Status.DRAFT)


def message(report: Report) -> str:
    return (
        f"Target tahun 2027 untuk {report.service_type.code} belum diverifikasi; "
        "verifikasi target dulu atau catat alasan pengecualian."
    )


def status_of(report: Report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def verify_events(report: Report) -> list[WorkflowEvent]:
    return list(WorkflowEvent.objects.filter(report=report, action="verify"))


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def api_verify(report: Report, body: dict) -> object:
    report.refresh_from_db()
    url = reverse("api:report-verify", kwargs={"pk": report.pk})
    return api("klaten.tapem").post(
        url, {"version": report.version, **body}, content_type="application/json"
    )


def page_verify(login, report: Report, **data: str) -> object:
    report.refresh_from_db()
    url = reverse("reporting:report_transition", args=[report.pk, "verify"])
    return login("klaten.tapem").post(url, {"version": report.version, **data})


# ---------------------------------------------------------------- the service


def test_refused_without_a_verified_target_names_the_service_and_what_to_do(report, cast):
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(report, "verify", cast["klaten.tapem"])
    assert refused.value.message == message(report)
    assert status_of(report) == "submitted" and verify_events(report) == []


def test_accepted_with_a_verified_target_and_no_exception_recorded(report, cast):
    targets.target(report.region, 2027, report.service_type.code)
    result = workflow.transition(
        report, "verify", cast["klaten.tapem"], target_exception_reason="not needed"
    )
    assert result.obj.status == "verified"
    assert result.event.reason == ""


def test_a_returned_or_submitted_target_is_not_verified(report, cast):
    for status in (Target.Status.SUBMITTED, Target.Status.RETURNED):
        targets.target(report.region, 2027, report.service_type.code, status=status)
        assert workflow.target_problem(report) == message(report)


def test_a_target_of_another_year_or_region_does_not_count(report, cast):
    targets.target(report.region, 2026, report.service_type.code)
    targets.target(Region.objects.get(code="35.21"), 2027, report.service_type.code)
    assert workflow.target_problem(report) == message(report)


# ---------------------------------------------------------------- the page


def test_page_refuses_and_shows_the_message_and_the_reason_field(report, login):
    page = login("klaten.tapem").get(reverse("reporting:report_review", args=[report.pk]))
    assert page.status_code == 200
    assert 'name="target_exception_reason"' in page.content.decode()
    response = page_verify(login, report)
    assert response.status_code == 200  # re-rendered with the refusal
    assert message(report) in response.content.decode()
    assert status_of(report) == "submitted"


@pytest.mark.parametrize("blank", ["", "   \n\t "])
def test_page_refuses_a_blank_or_whitespace_reason(report, login, blank):
    response = page_verify(login, report, target_exception_reason=blank)
    assert response.status_code == 200
    assert message(report) in response.content.decode()
    assert status_of(report) == "submitted" and verify_events(report) == []


def test_page_accepts_an_exception_and_records_its_reason(report, login):
    response = page_verify(login, report, target_exception_reason=f"  {REASON} ")
    assert response.status_code == 302
    assert status_of(report) == "verified"
    (event,) = verify_events(report)
    assert event.reason == f"Pengecualian target belum terverifikasi: {REASON}"
    timeline = login("klaten.tapem").get(reverse("reporting:report_review", args=[report.pk]))
    assert timeline.status_code == 200
    assert REASON in timeline.content.decode()


# ---------------------------------------------------------------- the API


def test_api_refuses_with_409_and_the_message(report):
    response = api_verify(report, {})
    assert response.status_code == 409
    assert message(report) in response.content.decode()
    blank = api_verify(report, {"target_exception_reason": "   "})
    assert blank.status_code == 409
    assert status_of(report) == "submitted" and verify_events(report) == []


def test_api_accepts_an_exception_and_the_timeline_shows_it(report):
    response = api_verify(report, {"target_exception_reason": REASON})
    assert response.status_code == 200
    assert response.json()["report"]["status"] == "verified"
    (event,) = verify_events(report)
    assert REASON in event.reason
    timeline = api("klaten.tapem").get(reverse("api:report-timeline", kwargs={"pk": report.pk}))
    assert timeline.status_code == 200
    assert any(REASON in e["reason"] for e in timeline.json())


def test_api_accepts_with_a_verified_target(report):
    targets.target(report.region, 2027, report.service_type.code)
    response = api_verify(report, {})
    assert response.status_code == 200
    assert status_of(report) == "verified"


# ---------------------------------------------------------------- bulk verify


def test_bulk_verify_skips_a_report_without_a_verified_target_with_the_reason(report, login):
    others = list(
        Report.objects.filter(region=report.region, period=report.period)
        .exclude(pk=report.pk)
        .select_related("service_type")[:2]
    )
    for other in others:
        f.set_status(other, Report.Status.SUBMITTED)
        targets.target(report.region, 2027, other.service_type.code)
    ids = [report.pk, *[o.pk for o in others]]
    tapem = login("klaten.tapem")
    confirm = tapem.get(reverse("reporting:review_bulk_verify"), {"ids": ids})
    assert confirm.status_code == 200
    assert message(report) in confirm.content.decode()
    shown = {
        f"version-{pk}": v
        for pk, v in Report.objects.filter(pk__in=ids).values_list("pk", "version")
    }
    done = tapem.post(
        reverse("reporting:review_bulk_verify"), {"ids": ids, "confirm": "1", **shown}
    )
    assert done.status_code == 302
    statuses = dict(Report.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses[report.pk] == "submitted"
    assert all(statuses[o.pk] == "verified" for o in others)


def test_bulk_verify_service_lists_the_refusal(report, cast):
    done, refused = workflow.bulk_verify([report], cast["klaten.tapem"])
    assert done == [] and [(r.pk, why) for r, why in refused] == [(report.pk, message(report))]


# ---------------------------------------------------------------- the demo


def test_every_verified_demo_report_has_a_verified_target_or_a_recorded_exception():
    verified = Report.objects.filter(status=Report.Status.VERIFIED, period__year=2026)
    assert verified.count() > 100
    excepted = 0
    for r in verified.select_related("service_type", "period"):
        if workflow.target_problem(r) is None:
            continue
        event = WorkflowEvent.objects.filter(report=r, action="verify").latest("at", "id")
        assert event.reason.startswith("Pengecualian target belum terverifikasi: "), r
        excepted += 1
    assert excepted >= 1  # Klaten's draft/returned/submitted/missing targets
