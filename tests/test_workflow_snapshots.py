"""What a step stores and shows beside the event: the snapshots a resubmission is diffed
against, the data-quality problems a step's button lists (with who owns them), and who counts
as a report's author. Every expectation is written out by hand from the rows made here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from regions.models import Region, User
from reporting import workflow
from reporting.models import (
    Evidence,
    ReportCheck,
    ReportStage,
    ValidationRule,
    WorkflowEvent,
)
from tests import factories_review as f

pytestmark = pytest.mark.django_db

K = workflow.Kind


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


@pytest.fixture
def klaten():
    """2027 TW I: Klaten's reports (drafts, targets of 100) and its submission."""
    p = f.period(2027, 1)
    region = Region.objects.get(code="33.10")
    sub = f.open_region(region, p)
    report = (
        sub.region.reports.filter(period=p, agency__short_name="DINKES")
        .select_related("service_type", "agency")
        .order_by("service_type__code")
        .first()
    )
    return p, sub, report


def evidence(report, name: str, digest: str, *, deleted: bool = False) -> Evidence:
    return Evidence.objects.create(
        report=report,
        file=f"evidence/uji/{name}",
        original_name=name,
        content_type="application/pdf",
        size=10,
        sha256=digest,
        uploaded_by=User.objects.get(username="klaten.dinkes"),
        deleted_at=timezone.now() if deleted else None,
    )


def test_the_report_snapshot_lists_the_files_kept_with_their_digests(klaten):
    _p, _sub, report = klaten
    first = evidence(report, "sk.pdf", "a" * 64)
    evidence(report, "dibuang.pdf", "b" * 64, deleted=True)
    last = evidence(report, "foto.pdf", "c" * 64)
    ReportStage.objects.create(report=report, stage=2, status=ReportStage.Status.DONE, note="ok")
    report.recipients_served, report.problems = 55, "Hujan"
    report.save()
    snap = workflow.snapshot_report(report)
    assert snap["files"] == [
        {"id": first.pk, "name": "sk.pdf", "sha256": "a" * 64},
        {"id": last.pk, "name": "foto.pdf", "sha256": "c" * 64},
    ]
    assert snap["stages"] == {"2": {"status": ReportStage.Status.DONE, "note": "ok"}}
    assert snap["values"]["recipients_served"] == 55
    assert snap["values"]["recipients_target"] == 100
    assert snap["values"]["problems"] == "Hujan"


def test_the_submission_snapshot_holds_only_its_own_period(klaten):
    p, sub, report = klaten
    later = f.period(2027, 2)
    f.open_region(sub.region, later)
    report.capaian_index = Decimal("84.00")
    report.save()
    snap = workflow.snapshot_submission(sub)
    expected = sub.region.reports.filter(period=p).count()
    assert len(snap["reports"]) == expected
    mine = snap["reports"][report.service_type.code]
    assert mine["status"] == report.status
    assert Decimal(mine["capaian_index"]) == Decimal(84)  # as stored, at the column's scale
    assert snap["due_date"] == p.due_date.isoformat()


def test_a_stored_flag_is_a_problem_of_the_service_owned_by_its_agency(klaten):
    _p, _sub, report = klaten
    agency = report.agency
    agency.contact_name, agency.contact_phone, agency.contact_email = (
        "Bu Sari",
        "0812",
        "sari@klaten.example",
    )
    agency.save()
    rule = ValidationRule.objects.create(
        code="UJI-GALAT",
        kind=ValidationRule.Kind.EXPRESSION,
        severity=ValidationRule.Severity.ERROR,
        each=ValidationRule.Each.REPORT,
        section="recipients",
        expression="served > 0",
        message_id="Angka tidak wajar",
        message_en="Odd figure",
        reason="uji",
    )
    ReportCheck.objects.create(
        report=report, rule=rule, severity=rule.severity, section="recipients", values={}
    )
    spec = workflow.TRANSITIONS[(K.REPORT, "submit")]
    shown = workflow.step_problems(spec, report, spec.actors[0], shown=True)
    code = report.service_type.code
    assert (
        workflow.Problem(
            f"{code}: Galat UJI-GALAT: Angka tidak wajar",
            agency.name,
            "Bu Sari, 0812, sari@klaten.example",
        )
        in shown
    )


def test_the_author_is_who_stepped_last_even_within_one_instant(klaten):
    _p, _sub, report = klaten
    operator = User.objects.get(username="klaten.dinkes")
    head = User.objects.get(username="klaten.kadinkes")
    at = timezone.now() - dt.timedelta(hours=1)
    for actor, action in ((operator, "submit"), (head, "head_approve")):
        WorkflowEvent.objects.create(
            report=report, region=report.region, action=action, actor=actor
        )
    WorkflowEvent.objects.filter(report=report).update(at=at)  # one instant for both
    verifier = User.objects.get(username="klaten.tapem")
    assert workflow.authored_by(report, head) is True  # the later row of the same instant
    assert workflow.authored_by(report, operator) is False
    assert workflow.authored_by(report, verifier) is False
