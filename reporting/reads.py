"""A report's reads that several parts of one response share (``espm.reads``): its region's
submission, its service type's quality items and its quality rows. Outside a response being
built (a save, a workflow step) each call reads afresh."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from espm.reads import once
from indicators.models import QualityItem
from reporting.models import RegionSubmission, Report, ReportQuality
from reporting.rules import breakdown
from reporting.rules.breakdown import Dimension


def submission_of(obj: Any) -> RegionSubmission | None:
    """The region submission of ``obj``'s region and period (a report or a submission)."""
    return once(
        _submission_key(obj),
        lambda: RegionSubmission.objects.filter(
            region_id=obj.region_id, period_id=obj.period_id
        ).first(),
    )


def quality_items_of(report: Report) -> list[QualityItem]:
    """The quality items of the report's service type (from a prefetch when there is one)."""
    return once(
        _items_key(report),
        lambda: list(report.service_type.quality_items.all()),
    )


def quality_rows_of(report: Report) -> list[ReportQuality]:
    """The report's quality rows with their items, in the form's order."""
    return once(
        _rows_key(report),
        lambda: read_quality_rows(report),
    )


def dimensions_of(service_type: Any) -> tuple[Dimension, ...]:
    """The catalog's breakdown dimensions of a service type (``rules.breakdown``)."""
    return once(_dimensions_key(service_type), lambda: breakdown.dimensions_of(service_type))


def remember_dimensions(report: Report, dimensions: tuple[Dimension, ...]) -> None:
    """Add the dimensions a save's form was bound with to what it hands its answer (``carry``):
    catalog rows, which no save changes."""
    report.__dict__.setdefault("_carried_reads", {})[_dimensions_key(report.service_type)] = (
        dimensions
    )


def read_quality_rows(report: Report) -> list[ReportQuality]:
    """``quality_rows_of`` read afresh, whether or not a response is being built."""
    return list(report.quality.select_related("quality_item").order_by("quality_item__order", "id"))


def carry(report: Report, rows: list[ReportQuality], items: list[QualityItem]) -> None:
    """Keep on a report its save has just written what the save read after its writes — its
    quality rows and items — and the region's submission its lock check read (a report's save
    does not change it), for the answer (``carried``)."""
    known: dict[Hashable, Any] = {_rows_key(report): rows, _items_key(report): items}
    if "_submission_cache" in report.__dict__:
        known[_submission_key(report)] = report.__dict__["_submission_cache"]
    report.__dict__.setdefault("_carried_reads", {}).update(known)


def carried(report: Report) -> dict[Hashable, Any]:
    """What ``carry`` kept on this instance (nothing on one read for the answer)."""
    return dict(report.__dict__.get("_carried_reads", {}))


def _dimensions_key(service_type: Any) -> tuple[Any, ...]:
    return ("dimensions", getattr(service_type, "pk", None))


def _submission_key(obj: Any) -> tuple[Any, ...]:
    return ("submission", obj.region_id, obj.period_id)


def _items_key(report: Report) -> tuple[Any, ...]:
    return ("quality_items", report.service_type_id)


def _rows_key(report: Report) -> tuple[Any, ...]:
    return ("quality_rows", report.pk)


def prefetched(obj: Any, name: str) -> bool:
    """Whether ``obj``'s ``name`` relation was prefetched (a list page's one query)."""
    return name in getattr(obj, "_prefetched_objects_cache", {})
