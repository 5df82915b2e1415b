"""Reads on the catalog, assignments and targets; other areas call these (keep the names)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from indicators.models import (
    Assignment,
    BreakdownDimension,
    BreakdownGroup,
    CatalogEdition,
    CatalogYear,
    QualityItem,
    ServiceType,
    Target,
)
from regions.models import Region
from regions.scoping import (
    AnyUser,
    is_region_verifier,
    operated_agency_ids,
    sees_everything,
    sees_region_wide,
)


def current_year() -> int:
    return timezone.localdate().year


def edition_for_year(year: int) -> CatalogEdition:
    """The catalog edition a reporting year uses; raises CatalogYear.DoesNotExist if unmapped."""
    return CatalogYear.objects.select_related("edition").get(year=year).edition


def edition_for_year_or_none(year: int) -> CatalogEdition | None:
    row = CatalogYear.objects.select_related("edition").filter(year=year).first()
    return row.edition if row else None


def service_types_for_region(region: Region, year: int) -> QuerySet[ServiceType]:
    """The service types a region reports in a year: its levels' types of the year's edition."""
    edition = edition_for_year_or_none(year)
    if edition is None or region.level == "national":
        return ServiceType.objects.none()
    return (
        ServiceType.objects.filter(edition=edition, level__in=region.service_levels)
        .select_related("sector")
        .order_by("order", "code")
    )


def assigned_agency_ids(
    region_ids: Iterable[int], codes: Iterable[str] | None = None
) -> dict[tuple[int, str], int]:
    """(region id, service code) → agency id, for many regions at once (one query)."""
    qs = Assignment.objects.filter(region_id__in=list(region_ids))
    if codes is not None:
        qs = qs.filter(service_code__in=list(codes))
    return {(r, c): a for r, c, a in qs.values_list("region_id", "service_code", "agency_id")}


def assignment_for(region: Region, code: str) -> Assignment | None:
    return (
        Assignment.objects.select_related("agency").filter(region=region, service_code=code).first()
    )


def target_for(region: Region, year: int, service_type: ServiceType) -> Target | None:
    """The region's target for a service type in a year (by stable code, whatever its edition)."""
    return (
        Target.objects.select_related("service_type", "agency")
        .prefetch_related("quality__quality_item")
        .filter(region=region, year=year, service_type__code=service_type.code)
        .first()
    )


def agency_ids_operated(user: AnyUser, region: Region) -> set[int]:
    """The agencies of `region` whose targets the user enters (``scoping.operated_agency_ids``)."""
    return operated_agency_ids(user, region)


def is_bangda(user: AnyUser) -> bool:
    return sees_everything(user)


def unassigned_codes(region: Region, year: int | None = None) -> list[ServiceType]:
    year = year or current_year()
    assigned = set(Assignment.objects.filter(region=region).values_list("service_code", flat=True))
    return [st for st in service_types_for_region(region, year) if st.code not in assigned]


@dataclass
class TargetRow:
    service_type: ServiceType
    agency_id: int | None
    agency_name: str
    target: Target | None
    visible: bool = True


@dataclass
class RegionTargets:
    region: Region
    year: int
    rows: list[TargetRow] = field(default_factory=list)
    total: int = 0
    verified: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return round(100 * self.verified / self.total, 1) if self.total else 0.0


def region_targets(user: AnyUser, region: Region, year: int) -> RegionTargets:
    """The region's service types for a year with their targets, and completeness."""
    types = list(service_types_for_region(region, year))
    assignments = {
        a.service_code: a for a in Assignment.objects.filter(region=region).select_related("agency")
    }
    all_targets = {
        t.service_type.code: t
        for t in Target.objects.filter(region=region, year=year).select_related("service_type")
    }
    visible_ids = set(
        Target.objects.visible_to(user)
        .filter(region=region, year=year)
        .values_list("id", flat=True)
    )
    own_agencies = agency_ids_operated(user, region)
    agency_only = bool(own_agencies) and not sees_region_wide(user, region)
    result = RegionTargets(region=region, year=year, total=len(types))
    for st in types:
        a = assignments.get(st.code)
        t = all_targets.get(st.code)
        if t and t.status == Target.Status.VERIFIED:
            result.verified += 1
        status = t.status if t else "none"
        result.counts[status] = result.counts.get(status, 0) + 1
        if agency_only and (a is None or a.agency_id not in own_agencies):
            continue
        result.rows.append(
            TargetRow(
                service_type=st,
                agency_id=a.agency_id if a else None,
                agency_name=str(a.agency) if a else "",
                target=t if t and t.id in visible_ids else None,
                visible=t is None or t.id in visible_ids,
            )
        )
    return result


def may_see_target(
    user: AnyUser,
    region: Region,
    service_type: ServiceType,
    assignment: Assignment | None,
    target: Target | None,
) -> bool:
    """May the user see this target, or the place where it would be (None: not yet created)?

    An agency's staff see only their agency's service types; the region-wide readers see all
    (a sector viewer its sector). The target page and the API answer 404 when this is False.
    """
    if target is not None:
        return Target.objects.visible_to(user).filter(pk=target.pk).exists()
    own = agency_ids_operated(user, region)
    if own and (assignment is None or assignment.agency_id not in own):
        if not sees_region_wide(user, region):
            return False
    return bool(own) or sees_region_wide(user, region, service_type.sector.code)


def may_edit_target(
    user: AnyUser, region: Region, assignment: Assignment | None, target: Target | None
) -> bool:
    """The assigned agency's staff edit draft/returned targets; a locked one only the verifier."""
    if target is not None and target.is_locked:
        return is_region_verifier(user, region)
    if target is not None and target.status == Target.Status.SUBMITTED:
        return False
    agency_id = target.agency_id if target and target.agency_id else None
    if agency_id is None and assignment is not None:
        agency_id = assignment.agency_id
    return agency_id is not None and agency_id in agency_ids_operated(user, region)


def quality_items_for(service_type: ServiceType) -> QuerySet[QualityItem]:
    return service_type.quality_items.order_by("order", "code")


def breakdown_dimensions_for(service_type: ServiceType) -> QuerySet[BreakdownDimension]:
    """The recipient breakdown the service type's standard uses, groups prefetched."""
    return service_type.breakdown_dimensions.order_by("order", "key").prefetch_related(
        Prefetch("groups", queryset=BreakdownGroup.objects.order_by("order", "key"))
    )


def edition_summary() -> QuerySet[CatalogEdition]:
    return CatalogEdition.objects.annotate(
        n_types=Count("service_types", distinct=True),
    ).prefetch_related("years")


def catalog_search(
    edition: CatalogEdition, *, sector: str = "", level: str = "", q: str = ""
) -> QuerySet[ServiceType]:
    qs = ServiceType.objects.filter(edition=edition).select_related("sector")
    if sector:
        qs = qs.filter(sector__code=sector)
    if level:
        qs = qs.filter(level=level)
    if q:
        matching = ServiceType.objects.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(recipient_definition__icontains=q)
            | Q(quality_items__description__icontains=q)
        ).values("pk")
        qs = qs.filter(pk__in=matching)
    return qs.annotate(n_quality=Count("quality_items")).order_by("order", "code")


# --------------------------------------------------------------------------- nomenclature

NOMENCLATURE_LIMIT = 20
NOMENCLATURE_MAX = 100


def search_nomenclature(
    q: str = "",
    sector: str | None = None,
    service_code: str | None = None,
    limit: int = NOMENCLATURE_LIMIT,
    level: str | None = None,
) -> list[Any]:
    """Kegiatan and sub kegiatan matching ``q`` (code prefix or every word in the name), within
    a sector; the service type's usual codes (and their sub kegiatan) first, then by code.

    Reference data, the same for everyone signed in: no region scoping applies."""
    from indicators.models import NomenclatureItem, ServiceBudgetCode

    limit = max(1, min(limit, NOMENCLATURE_MAX))
    # Query text comes from the URL: a NUL byte would be a database error, not a miss.
    q, sector, service_code = (
        "".join(ch for ch in (v or "") if ch.isprintable()) for v in (q, sector, service_code)
    )
    rows = NomenclatureItem.objects.exclude(level=NomenclatureItem.Level.PROGRAM).select_related(
        "parent"
    )
    if sector:
        rows = rows.filter(sector__code=sector)
    if level:
        rows = rows.filter(level=level)
    words = q.split()
    if words:
        match = Q()
        for word in words:
            match &= Q(name__icontains=word)
        rows = rows.filter(Q(code__startswith=q.strip()) | match)
    usual: list[str] = []
    if service_code:
        usual = list(
            ServiceBudgetCode.objects.filter(service_code=service_code).values_list(
                "item__code", flat=True
            )
        )
    if usual:
        first = Q(code__in=usual)
        for code in usual:
            first |= Q(code__startswith=code + ".")
        rows = rows.annotate(
            usual=Case(When(first, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("usual", "code")
    else:
        rows = rows.order_by("code")
    found = list(rows[:limit])
    usual_set = set(usual)
    for item in found:
        item.is_usual = item.code in usual_set or any(
            item.code.startswith(c + ".") for c in usual_set
        )
    return found


def known_budget_codes(codes: Iterable[str]) -> set[str]:
    """Which of these codes are in the nomenclature."""
    from indicators.models import NomenclatureItem

    wanted = {c for c in codes if c}
    if not wanted:
        return set()
    return set(NomenclatureItem.objects.filter(code__in=wanted).values_list("code", flat=True))


def nomenclature_list(q: str = "", sector: str | None = None) -> list[Any]:
    """Every loaded program / kegiatan / sub kegiatan matching ``q`` (code prefix or every
    word of the name), by code: the catalog's nomenclature page and its download."""
    from indicators.models import NomenclatureItem

    q = "".join(ch for ch in q if ch.isprintable())
    rows = NomenclatureItem.objects.select_related("sector").order_by("code")
    if sector:
        rows = rows.filter(sector__code=sector)
    if q.split():
        match = Q()
        for word in q.split():
            match &= Q(name__icontains=word)
        rows = rows.filter(Q(code__startswith=q.strip()) | match)
    return list(rows)
