"""The transition table, exhaustively: every state × action × key cast user, allowed or refused.

The expected rules are written here from the domain (section 6), independently of
reporting/workflow.py, so this tests the table instead of restating it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from regions.models import Region, User
from reporting import workflow
from reporting.models import RegionSubmission, Report
from tests import factories_review as f
from tests import factories_targets as targets
from tests.isolation.expect import USERS, can_view

# action → (states it may start from, who may fire it, resulting state)
REPORT_RULES = {
    "submit": ({"draft", "returned"}, {"klaten.dinkes"}, "submitted"),
    "withdraw": ({"submitted", "awaiting_head"}, {"klaten.dinkes"}, "draft"),
    "head_approve": ({"awaiting_head"}, {"klaten.kadinkes"}, "submitted"),
    "head_return": ({"awaiting_head"}, {"klaten.kadinkes"}, "returned"),
    "verify": ({"submitted"}, {"klaten.tapem"}, "verified"),
    "return": ({"submitted"}, {"klaten.tapem"}, "returned"),
    "reopen": ({"verified"}, {"klaten.tapem"}, "returned"),
}
KABKOTA_RULES = {
    "submit_region": ({"in_progress", "returned"}, {"klaten.tapem"}, "submitted"),
    "accept": ({"submitted"}, {"jateng.biro"}, "accepted"),
    "return_region": ({"submitted"}, {"jateng.biro"}, "returned"),
    "reopen_region": (
        {"in_progress", "returned", "accepted"},
        {"jateng.biro", "bangda.admin"},
        "in_progress",
    ),
}
PROVINCE_RULES = {
    "submit_region": ({"in_progress", "returned"}, {"jateng.biro"}, "submitted"),
    "accept": ({"submitted"}, {"bangda.admin"}, "accepted"),
    "return_region": ({"submitted"}, {"bangda.admin"}, "returned"),
    "reopen_region": ({"in_progress", "returned", "accepted"}, {"bangda.admin"}, "in_progress"),
}


class _Rollback(Exception):
    pass


def _attempt(obj, action, user):
    """Fire the transition inside a savepoint that is always rolled back; return the outcome."""
    outcome: object = None
    try:
        with transaction.atomic():
            try:
                result = workflow.transition(
                    obj,
                    action,
                    user,
                    reason="alasan uji",
                    due_date=timezone.localdate() + dt.timedelta(days=7),
                )
                outcome = result.obj.status
            except (workflow.NotFound, workflow.TransitionError) as exc:
                outcome = type(exc)
            raise _Rollback
    except _Rollback:
        pass
    return outcome


def _check(obj, rules, owner):
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    region, agency, sector = owner
    failures = []
    for state in type(obj).Status.values:
        f.set_status(obj, state)
        for action, (sources, actors, target) in rules.items():
            for name in USERS:
                got = _attempt(obj, action, users[name])
                if not can_view(name, region, agency, sector):
                    want = workflow.NotFound
                elif name not in actors:
                    want = workflow.NotAllowed
                elif state not in sources:
                    want = workflow.Refused
                else:
                    want = target
                if got != want:
                    failures.append(f"{state} × {action} × {name}: got {got}, want {want}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def period(db):
    return f.period(2027, 1)


def test_report_transitions_exhaustive(period):
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, period)
    targets.verified_targets(klaten, period.year)  # verify needs the year's verified target
    report = Report.objects.filter(
        region=klaten, period=period, agency__short_name="DINKES"
    ).first()
    _check(report, REPORT_RULES, ("33.10", "DINKES", report.service_type.sector.code))


def test_report_submit_goes_to_head_when_region_asks_for_signoff(period):
    klaten = Region.objects.get(code="33.10")
    klaten.requires_head_signoff = True
    klaten.save()
    f.verified_region(klaten, period)
    report = Report.objects.filter(
        region=klaten, period=period, agency__short_name="DINKES"
    ).first()
    f.set_status(report, "draft")
    dinkes = User.objects.get(username="klaten.dinkes")
    assert workflow.transition(report, "submit", dinkes).obj.status == "awaiting_head"


def test_kabkota_submission_transitions_exhaustive(period):
    klaten = Region.objects.get(code="33.10")
    sub = f.verified_region(klaten, period)
    _check(sub, KABKOTA_RULES, ("33.10", None, None))


def test_province_submission_transitions_exhaustive(period):
    jateng = Region.objects.get(code="33")
    sub = f.verified_region(jateng, period)
    _check(sub, PROVINCE_RULES, ("33", None, None))


def test_every_table_row_is_covered_by_these_rules():
    report_actions = set(workflow.ACTIONS[workflow.Kind.REPORT])
    region_actions = set(workflow.ACTIONS[workflow.Kind.SUBMISSION])
    assert report_actions == set(REPORT_RULES)
    assert region_actions == set(KABKOTA_RULES) == set(PROVINCE_RULES)
    assert set(Report.Status.values) >= {s for r in REPORT_RULES.values() for s in r[0]}
    assert set(RegionSubmission.Status.values) >= {s for r in KABKOTA_RULES.values() for s in r[0]}
