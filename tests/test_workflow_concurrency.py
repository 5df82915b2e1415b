"""Concurrent steps on PostgreSQL: real threads, real row locks.

Two reviewers acting on the same report at once: exactly one wins, the other is told who
acted first. A double-clicked submit arriving twice at once: exactly one transition.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from regions.models import Membership, Region, User
from regions.roles import Role
from reporting import workflow
from reporting.models import Report, WorkflowEvent
from tests import factories_review as f
from tests import factories_targets as targets
from tests.conftest import ensure_seeded


def _race(*calls):
    """Run the calls in threads released together; return each outcome (status or message)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            result = fn()
            outcomes[i] = ("done", result.already_done)
        except workflow.TransitionError as exc:
            outcomes[i] = ("refused", exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_one_wins():
    ensure_seeded()
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    p = f.period(2027, 2)
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, p)
    targets.verified_targets(klaten, p.year)  # verify needs the year's verified target
    report = Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES").first()
    f.set_status(report, Report.Status.DRAFT)
    dinkes = User.objects.get(username="klaten.dinkes")
    tapem = User.objects.get(username="klaten.tapem")
    second = User.objects.create(username="klaten.tapem2", email="t2@demo.espm.local")
    Membership.objects.create(user=second, role=Role.VERIFIER, region=klaten)

    # a double-clicked submit arrives twice at the same moment
    v = report.version
    outcomes = _race(
        lambda: workflow.transition(Report.objects.get(pk=report.pk), "submit", dinkes, expected_version=v),
        lambda: workflow.transition(Report.objects.get(pk=report.pk), "submit", dinkes, expected_version=v),
    )  # fmt: skip
    assert sorted(outcomes) == [("done", False), ("done", True)], outcomes
    assert WorkflowEvent.objects.filter(report=report, action="submit").count() == 1

    # two verifiers at once: one verifies, the other's return is refused with who acted first
    v = Report.objects.get(pk=report.pk).version
    outcomes = _race(
        lambda: workflow.transition(
            Report.objects.get(pk=report.pk), "verify", tapem, expected_version=v
        ),
        lambda: workflow.transition(
            Report.objects.get(pk=report.pk), "return", second, reason="Cek ulang",
            expected_version=v,
        ),
    )  # fmt: skip
    done = [o for o in outcomes if o[0] == "done"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "lebih dulu" in refused[0][1]
    events = WorkflowEvent.objects.filter(report=report).exclude(action="submit")
    assert events.count() == 1
    assert Report.objects.get(pk=report.pk).status == events.get().to_status
