"""Opening a period writes each report's quality rows (carrying the year's required quantity
from the region's target) and its four stage rows in the database, set-based — same rows as
before, and idempotent."""

from __future__ import annotations

import pytest

from indicators.models import QualityItem, TargetQuality
from reporting.models import Period, Report, ReportQuality, ReportStage
from reporting.periods import services

pytestmark = pytest.mark.django_db


def test_parts_of_a_newly_opened_quarter(cast):
    tw4 = Period.objects.get(year=2026, quarter=4)
    assert tw4.state == Period.State.PLANNED
    result = services.open_period(tw4.pk, cast["bangda.admin"], region_codes=["33.10"])
    reports = Report.objects.filter(period=tw4, region__code="33.10")
    n = reports.count()
    assert n == result.reports_created and n > 0
    # Every quality item of each report's service type, once.
    expected_items = sum(
        QualityItem.objects.filter(service_type_id=st).count()
        for st in reports.values_list("service_type_id", flat=True)
    )
    assert ReportQuality.objects.filter(report__in=reports).count() == expected_items
    assert ReportStage.objects.filter(report__in=reports).count() == 4 * n
    assert set(ReportStage.objects.filter(report__in=reports).values_list("stage", flat=True)) == {
        1,
        2,
        3,
        4,
    }
    # The required quantity is the region's 2026 target for that item (demo targets).
    tq = TargetQuality.objects.filter(
        target__region__code="33.10", target__year=2026, required_quantity__isnull=False
    ).first()
    assert tq is not None
    row = ReportQuality.objects.get(
        report__period=tw4,
        report__region__code="33.10",
        report__service_type_id=tq.target.service_type_id,
        quality_item_id=tq.quality_item_id,
    )
    assert row.required == tq.required_quantity
    assert row.realised is None and row.met is None
    # Opening again creates nothing.
    again = services.open_period(tw4.pk, cast["bangda.admin"], region_codes=["33.10"])
    assert again.reports_created == 0
    assert ReportQuality.objects.filter(report__in=reports).count() == expected_items
    assert ReportStage.objects.filter(report__in=reports).count() == 4 * n


def test_the_statements_name_the_models_tables():
    """The set-based inserts are literal SQL (no string formatting): their tables are these."""
    from indicators.models import Target

    assert Report._meta.db_table == "reporting_report"
    assert ReportQuality._meta.db_table == "reporting_reportquality"
    assert ReportStage._meta.db_table == "reporting_reportstage"
    assert QualityItem._meta.db_table == "indicators_qualityitem"
    assert Target._meta.db_table == "indicators_target"
    assert TargetQuality._meta.db_table == "indicators_targetquality"
    assert [s.value for s in services.Stage] == [1, 2, 3, 4]  # the four SELECTs of the stages
