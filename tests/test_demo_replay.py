"""The demo is a history the workflow itself could have produced.

Replays every report's and region submission's recorded steps through the one transition
table (reporting.workflow.TABLE) from the first state, and checks that the stored state is
where the steps lead, that a region sent upward holds only verified reports (verified
before it was sent), and that closed quarters have on-time and late regions.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from reporting import workflow
from reporting.models import RegionSubmission, Report, WorkflowEvent
from reporting.workflow import Kind

pytestmark = pytest.mark.django_db
R, S = Report.Status, RegionSubmission.Status
SENT = {S.SUBMITTED, S.ACCEPTED}


def _replay(kind: Kind, start: str, events: list[WorkflowEvent]) -> tuple[str, list[str]]:
    """The state the steps lead to, and every step the table does not allow."""
    state, wrong = start, []
    for e in events:
        spec = workflow.TRANSITIONS.get((kind, e.action))
        targets = {spec.target, spec.target_with_signoff} if spec else set()
        if spec is None or state not in spec.sources or e.to_status not in targets:
            wrong.append(f"{e.action}: {state} → {e.to_status}")
        if e.from_status and e.from_status != state:
            wrong.append(f"{e.action} recorded from {e.from_status}, was {state}")
        state = e.to_status
    return state, wrong


def test_every_demo_state_is_reachable_through_the_workflow():
    events: dict[tuple[str, int], list[WorkflowEvent]] = defaultdict(list)
    for e in WorkflowEvent.objects.order_by("at", "id"):
        events[("r", e.report_id) if e.report_id else ("s", e.submission_id)].append(e)

    reports = list(Report.objects.select_related("period", "region", "service_type"))
    submissions = {
        (s.region_id, s.period_id): s for s in RegionSubmission.objects.select_related("period")
    }
    assert len(reports) > 400 and submissions

    problems = []
    for report in reports:
        end, wrong = _replay(Kind.REPORT, R.DRAFT, events[("r", report.pk)])
        where = f"{report.region.code} {report.period} {report.service_type.code}"
        if wrong or end != report.status:
            problems.append(f"{where}: steps {wrong} lead to {end}, stored {report.status}")
    for sub in submissions.values():
        end, wrong = _replay(Kind.SUBMISSION, S.IN_PROGRESS, events[("s", sub.pk)])
        if wrong or end != sub.status:
            problems.append(
                f"submission {sub.pk}: steps {wrong} lead to {end}, stored {sub.status}"
            )
    assert not problems, "\n".join(problems[:20])

    # A region sent upward holds only verified reports, each verified before the region was sent.
    stuck = []
    for report in reports:
        sub = submissions.get((report.region_id, report.period_id))
        if sub is None or sub.status not in SENT:
            continue
        sent_at = next(e.at for e in events[("s", sub.pk)] if e.action == "submit_region")
        verified = [e.at for e in events[("r", report.pk)] if e.action == "verify"]
        if report.status != R.VERIFIED or not verified or verified[-1] > sent_at:
            stuck.append(
                f"{report.region.code} {report.period} {report.service_type.code}: "
                f"{report.status} in a {sub.status} region"
            )
    assert not stuck, "\n".join(stuck[:20])


def test_closed_quarters_have_on_time_and_late_regions():
    """TW I/II: most regions on time, one late each quarter (so award candidates exist)."""
    by_quarter: dict[int, Counter[str]] = defaultdict(Counter)
    for sub in RegionSubmission.objects.filter(period__year=2026, period__quarter__in=(1, 2)):
        by_quarter[sub.period.quarter][sub.timeliness] += 1
    for quarter in (1, 2):
        counts = by_quarter[quarter]
        assert counts["late"] == 1, (quarter, counts)
        assert counts["on_time"] > counts["late"], (quarter, counts)


def test_the_open_quarter_is_partly_filled_with_a_returned_report_and_its_reason():
    """TW III: some reports untouched, some drafts, some sent on; Klaten has one returned with a
    reason the operator reads (the last return step carries it)."""
    tw3 = Report.objects.filter(period__year=2026, period__quarter=3)
    statuses = Counter(tw3.values_list("status", flat=True))
    entered = tw3.filter(entered_at__isnull=False).count()
    assert 0 < entered < tw3.count(), "the open quarter is neither empty nor complete"
    assert statuses[R.DRAFT] and statuses[R.SUBMITTED] and statuses[R.VERIFIED], statuses
    returned = tw3.filter(region__code="33.10", status=R.RETURNED)
    assert returned.exists()
    for report in returned:
        step = report.events.filter(action="return").order_by("-at", "-id").first()
        assert step is not None and step.reason.strip(), report.service_type.code
