"""A report's reads that several parts of one response share (``espm.reads``): its region's
submission, its service type's quality items and its quality rows. Outside a response being
built (a save, a workflow step) each call reads afresh."""

from __future__ import annotations

from typing import Any

from espm.reads import once
from indicators.models import QualityItem
from reporting.models import RegionSubmission, Report, ReportQuality


def submission_of(obj: Any) -> RegionSubmission | None:
    """The region submission of ``obj``'s region and period (a report or a submission)."""
    return once(
        ("submission", obj.region_id, obj.period_id),
        lambda: RegionSubmission.objects.filter(
            region_id=obj.region_id, period_id=obj.period_id
        ).first(),
    )


def quality_items_of(report: Report) -> list[QualityItem]:
    """The quality items of the report's service type (from a prefetch when there is one)."""
    return once(
        ("quality_items", report.service_type_id),
        lambda: list(report.service_type.quality_items.all()),
    )


def quality_rows_of(report: Report) -> list[ReportQuality]:
    """The report's quality rows with their items, in the form's order."""
    return once(
        ("quality_rows", report.pk),
        lambda: list(
            report.quality.select_related("quality_item").order_by("quality_item__order", "id")
        ),
    )


def prefetched(obj: Any, name: str) -> bool:
    """Whether ``obj``'s ``name`` relation was prefetched (a list page's one query)."""
    return name in getattr(obj, "_prefetched_objects_cache", {})
