"""Yearly targets for review-chain tests: verifying a report needs its year's verified target
(reporting.workflow.target_problem), so tests that verify give the region one."""

from __future__ import annotations

from django.utils import timezone

from indicators.models import Target
from regions.models import Region
from reporting.models import Report
from tests import factories_review as f


def target(region: Region, year: int, code: str, status: str = Target.Status.VERIFIED) -> Target:
    """The region's target for one service type (by code) of the year, in `status`."""
    st = next(s for s in f.service_types(region, year) if s.code == code)
    obj, _ = Target.objects.update_or_create(
        region=region,
        year=year,
        service_type=st,
        defaults={
            "status": status,
            "recipients_target": 100,
            "verified_at": timezone.now() if status == Target.Status.VERIFIED else None,
        },
    )
    return obj


def verified_targets(region: Region, year: int) -> list[Target]:
    """A verified target for every service type the region reports in the year."""
    return [target(region, year, st.code) for st in f.service_types(region, year)]


def submitted_klaten_report(target_status: str) -> Report:
    """Klaten's first DINKES report of TW I 2027, submitted, with its year's target in
    ``target_status`` (the region's other reports verified)."""
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .select_related("service_type", "period")
        .order_by("service_type__code")
        .first()
    )
    assert report is not None
    f.set_status(report, Report.Status.SUBMITTED)
    target(klaten, 2027, report.service_type.code, status=target_status)
    return report
