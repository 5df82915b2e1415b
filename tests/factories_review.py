"""Small factories for the review chain tests: a period, the reports of a region filled so they
pass the checks, and the region's submission. They reuse the loaded catalog when there is one
and otherwise create a minimal one (a few service types per level)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from indicators.models import CatalogEdition, CatalogYear, QualityItem, Sector, ServiceType
from regions.models import Agency, Region
from reporting.models import Period, RegionSubmission, Report, ReportQuality, ReportStage

SECTOR_AGENCY = {
    "DIK": "DINDIK",
    "KES": "DINKES",
    "PU": "DPUPR",
    "PKP": "DISPERKIM",
    "TRANTIB": "SATPOLPP",
    "SOS": "DINSOS",
}
MINI_CATALOG = [
    ("KES", "Kesehatan", "K-KES-01", "kabkota", "Pelayanan kesehatan ibu hamil"),
    ("KES", "Kesehatan", "K-KES-02", "kabkota", "Pelayanan kesehatan ibu bersalin"),
    ("DIK", "Pendidikan", "K-DIK-01", "kabkota", "Pendidikan anak usia dini"),
    ("KES", "Kesehatan", "P-KES-01", "province", "Pelayanan kesehatan bagi penduduk terdampak"),
    ("DIK", "Pendidikan", "P-DIK-01", "province", "Pendidikan menengah"),
]


def edition_for(year: int) -> CatalogEdition:
    existing = CatalogYear.objects.filter(year=year).select_related("edition").first()
    if existing:
        return existing.edition
    edition = CatalogEdition.objects.filter(service_types__isnull=False).distinct().first()
    if edition is None:
        edition = CatalogEdition.objects.create(
            code="TEST", name="Katalog uji", status=CatalogEdition.Status.PUBLISHED
        )
        for order, (sc, sname, code, level, name) in enumerate(MINI_CATALOG):
            sector, _ = Sector.objects.get_or_create(code=sc, defaults={"name": sname})
            st = ServiceType.objects.create(
                edition=edition, code=code, sector=sector, level=level, name=name, order=order
            )
            QualityItem.objects.create(
                service_type=st, code=f"{code}-M1", kind="goods", description="Barang", order=1
            )
            QualityItem.objects.create(
                service_type=st,
                code=f"{code}-M2",
                kind="staff",
                description="SDM",
                has_quantity=False,
                order=2,
            )
    CatalogYear.objects.create(year=year, edition=edition)
    return edition


def service_types(region: Region, year: int) -> list[ServiceType]:
    return list(
        ServiceType.objects.filter(edition=edition_for(year), level=region.service_level)
        .select_related("sector")
        .order_by("order", "code")
    )


def period(
    year: int = 2027,
    quarter: int = 1,
    *,
    due_date: dt.date | None = None,
    allow_late: bool = True,
    state: str = Period.State.OPEN,
) -> Period:
    due = due_date or timezone.localdate() + dt.timedelta(days=10)
    p, _ = Period.objects.update_or_create(
        year=year,
        quarter=quarter,
        defaults={"due_date": due, "allow_late": allow_late, "state": state},
    )
    return p


def agency_for(region: Region, st: ServiceType) -> Agency | None:
    short = SECTOR_AGENCY.get(st.sector.code)
    agency = Agency.objects.filter(region=region, short_name=short).first()
    return agency or Agency.objects.filter(region=region).order_by("id").first()


def open_region(region: Region, p: Period) -> RegionSubmission:
    """The region's submission and one draft report per service type of its level."""
    for st in service_types(region, p.year):
        Report.objects.get_or_create(
            region=region,
            period=p,
            service_type=st,
            defaults={"agency": agency_for(region, st), "recipients_target": 100},
        )
    sub, _ = RegionSubmission.objects.update_or_create(
        region=region, period=p, defaults={"status": RegionSubmission.Status.IN_PROGRESS}
    )
    return sub


# The default bands (SPM.md §5), written out here: factories never ask the formula itself.
BANDS = ((100, "Tuntas Paripurna"), (90, "Tuntas Utama"), (80, "Tuntas Madya"),
         (70, "Tuntas Pratama"), (60, "Tuntas Muda"), (0, "Belum Tuntas"))  # fmt: skip


def band_of(index: Decimal) -> str:
    return next(label for lower, label in BANDS if index >= lower)


def fill(report: Report, served: int = 80) -> Report:
    """Answer every required part so the report passes the submit checks.

    Every quality item is fully met (10 of 10, or met), so quality is 100 and the index is
    0.8 × recipients % + 0.2 × 100; with the default 80 served of 100: 64 + 20 = 84.
    """
    report.recipients_target = report.recipients_target or 100
    report.recipients_served = served
    for item in report.service_type.quality_items.all():
        ReportQuality.objects.update_or_create(
            report=report,
            quality_item=item,
            defaults={
                "required": Decimal(10) if item.has_quantity else None,
                "realised": Decimal(10) if item.has_quantity else None,
                "met": None if item.has_quantity else True,
            },
        )
    ReportStage.objects.update_or_create(
        report=report, stage=1, defaults={"status": ReportStage.Status.IN_PROGRESS}
    )
    recipients = min(Decimal(served) * 100 / report.recipients_target, Decimal(100))
    report.recipients_pct, report.quality_pct = recipients, Decimal(100)
    report.capaian_index = Decimal("0.8") * recipients + Decimal(20)  # 0.2 × 100 = 20
    report.band = band_of(report.capaian_index)
    report.save()
    return report


def set_status(obj: Report | RegionSubmission, status: str) -> Report | RegionSubmission:
    """Test setup only: put an object in a state without going through the chain."""
    type(obj).objects.filter(pk=obj.pk).update(status=status)
    obj.refresh_from_db()
    return obj


def verified_region(
    region: Region, p: Period, *, except_codes: tuple[str, ...] = ()
) -> RegionSubmission:
    """A region whose reports are all filled and verified (but those in `except_codes`, filled)."""
    sub = open_region(region, p)
    for report in Report.objects.filter(region=region, period=p).select_related("service_type"):
        fill(report)
        if report.service_type.code not in except_codes:
            set_status(report, Report.Status.VERIFIED)
    return sub
