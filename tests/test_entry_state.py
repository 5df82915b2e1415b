"""The form and the home tell the truth about a report's state (issue #17, part 2)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reporting import workflow
from reporting.models import Report, WorkflowEvent
from tests.factories_reporting import demo_report

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _complete_by_hand(report: Report) -> bool:
    """The submit rule, spelled out: recipients (or a 0 target), every item, one stage."""
    if report.recipients_served is None and report.recipients_target != 0:
        return False
    for row in report.quality.select_related("quality_item"):
        answered = row.realised if row.quality_item.has_quantity else row.met
        if answered is None:
            return False
    return any(s.status for s in report.stages.all())


def test_home_counts_agree_with_statuses_and_the_submit_rule(login):
    response = login("klaten.dinkes").get(reverse("home"))
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    match = re.search(r"(\d+) dari (\d+) laporan lengkap \((\d+) sudah diajukan, (\d+) siap", text)
    assert match, "the home panel states its counts"
    done, total, sent, ready = map(int, match.groups())
    reports = list(
        Report.objects.filter(
            agency__region__code="33.10",
            agency__short_name="DINKES",
            period__state="open",
        )
    )
    assert total == len(reports)
    sent_by_hand = sum(1 for r in reports if r.status in ("submitted", "awaiting_head", "verified"))
    complete_by_hand = sum(1 for r in reports if _complete_by_hand(r))
    assert sent == sent_by_hand > 0  # the demo has submitted and verified reports
    assert done == complete_by_hand >= sent  # a submitted report is a complete one
    assert ready == sum(
        1
        for r in reports
        if _complete_by_hand(r) and r.status not in ("submitted", "awaiting_head", "verified")
    )


def test_a_save_returns_the_submit_bar_with_the_checks_as_they_are_now(login):
    report = demo_report(code="K-KES-08")
    client = login("klaten.dinkes")
    url = reverse("reporting:report_section", kwargs={"pk": report.pk, "section": "recipients"})
    response = client.post(url, {"version": report.version, "recipients_served": "10"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    bar = html[html.index('id="workflow-bar"') :]
    assert 'hx-swap-oob="true"' in bar[:300]
    assert "jumlah penerima terlayani belum diisi" not in bar
    assert "butir mutu belum dijawab" in bar  # still true: the rule's own words
    # The step's form goes back to the report page, not to the section URL it came from.
    assert f'name="next" value="/laporan/{report.pk}/"' in bar


def test_withdraw_before_verification_only_by_the_operator(login, cast):
    report = demo_report(code="K-KES-03")
    assert report.status == Report.Status.SUBMITTED
    with pytest.raises(workflow.NotAllowed):
        workflow.transition(report, "withdraw", cast["klaten.tapem"])
    url = reverse("reporting:report_transition", kwargs={"pk": report.pk, "action": "withdraw"})
    response = login("klaten.dinkes").post(url, {"status": "submitted", "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    event = WorkflowEvent.objects.get(report=report, action="withdraw")
    assert (event.from_status, event.to_status) == ("submitted", "draft")
    assert event.actor.username == "klaten.dinkes"
    # Verified: too late to withdraw (the verifier reopens instead).
    verified = Report.objects.filter(agency=report.agency, status=Report.Status.VERIFIED).first()
    assert verified is not None
    with pytest.raises(workflow.Refused, match="status"):
        workflow.transition(verified, "withdraw", cast["klaten.dinkes"])


def test_withdraw_through_the_api(cast):
    from rest_framework.test import APIClient

    report = demo_report(code="K-KES-03")
    client = APIClient()
    client.force_authenticate(cast["klaten.dinkes"])
    url = reverse("api:report-withdraw", kwargs={"pk": report.pk})
    response = client.post(url, {"version": report.version}, format="json")
    assert response.status_code == 200
    assert response.json()["report"]["status"] == "draft"
