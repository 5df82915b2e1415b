"""Small dashboard scenarios built directly with the models (no data-entry services needed).

A test-only catalog year (2031) with 2 provincial and 3 kab/kota service types keeps the
hand-computed figures independent of the real catalog and of other areas' demo data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from indicators.models import CatalogEdition, CatalogYear, Sector, ServiceType
from regions.models import Region
from reporting.models import Period, RegionSubmission, Report
from reporting.rules.capaian import band_for

YEAR = 2031
SERVICES = [
    ("P-DIK-01", "province", "DIK"),
    ("P-KES-01", "province", "KES"),
    ("K-DIK-01", "kabkota", "DIK"),
    ("K-KES-01", "kabkota", "KES"),
    ("K-KES-02", "kabkota", "KES"),
]


def catalog(year: int = YEAR) -> dict[str, ServiceType]:
    edition, _ = CatalogEdition.objects.get_or_create(
        code="T-DASH", defaults={"name": "Edisi uji dashboard", "status": "published"}
    )
    CatalogYear.objects.update_or_create(year=year, defaults={"edition": edition})
    out = {}
    for order, (code, level, sector_code) in enumerate(SERVICES):
        sector, _ = Sector.objects.get_or_create(code=sector_code, defaults={"name": sector_code})
        out[code], _ = ServiceType.objects.get_or_create(
            edition=edition,
            code=code,
            defaults={"sector": sector, "level": level, "name": f"Layanan {code}", "order": order},
        )
    return out


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("year", "quarter")

    year = YEAR
    quarter = 2
    due_date = factory.LazyAttribute(lambda p: dt.date(p.year, p.quarter * 3 + 1, 20))
    state = Period.State.OPEN


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def report(
    region: str,
    service: ServiceType,
    period: Period,
    index: str | None,
    *,
    entered: bool = True,
    status: str = Report.Status.VERIFIED,
) -> Report:
    value = Decimal(index) if index is not None else None
    return Report.objects.create(
        region=Region.objects.get(code=region),
        period=period,
        service_type=service,
        status=status,
        capaian_index=value,
        band=band_for(value) if value is not None else "",
        entered_at=at(period.due_date - dt.timedelta(days=10)) if entered else None,
    )


def submission(
    region: str,
    period: Period,
    status: str,
    *,
    days_before_due: int | None = 1,
    due_date: dt.date | None = None,
) -> RegionSubmission:
    sent = None
    if days_before_due is not None:
        sent = at((due_date or period.due_date) - dt.timedelta(days=days_before_due))
    return RegionSubmission.objects.create(
        region=Region.objects.get(code=region),
        period=period,
        status=status,
        submitted_at=sent,
        due_date=due_date,
    )
