"""The verifier's workspace tests' report: Klaten's K-KES-01 of 2027 TW I with every section
of the form filled with numbers that need Indonesian formatting, three files, submitted."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone

from regions.models import Region, User
from reporting.entry import services
from reporting.models import BudgetLine, Evidence, Report, ReportQuality, ReportStage
from tests import factories_review as f
from tests.factories_reporting import PDF_BYTES, PNG_BYTES, xlsx_bytes

SERVED = 264250
TARGET = 300000
BREAKDOWN = {"Laki-laki": 130125, "Perempuan": 134125}
# The first counted quality item: 744,12 of 1.706 (43,62 %); every other one 10 of 10.
REQUIRED, REALISED = Decimal("1706"), Decimal("744.12")
ALLOCATED, SPENT = 1_500_000, 1_250_000  # 83,33 %
PROBLEMS = "Data kohort belum padan dengan Dukcapil."
SOLUTIONS = "Pemadanan data bersama Puskesmas."


def full_report() -> Report:
    """Filled through the models (setup), files through the upload service, then submitted."""
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    f.open_region(klaten, p)
    report = Report.objects.select_related("service_type", "period", "region", "agency").get(
        region=klaten, period=p, service_type__code="K-KES-01"
    )
    f.fill(report)
    report.recipients_target, report.recipients_served = TARGET, SERVED
    report.recipients_breakdown = BREAKDOWN
    report.problems, report.solutions = PROBLEMS, SOLUTIONS
    first = True
    for row in report.quality.select_related("quality_item").order_by("quality_item__order"):
        if row.quality_item.has_quantity and first:
            row.required, row.realised, first = REQUIRED, REALISED, False
            row.save()
    for stage in (1, 2, 3, 4):
        ReportStage.objects.update_or_create(
            report=report,
            stage=stage,
            defaults={"status": ReportStage.Status.DONE, "note": f"Tahap {stage} selesai."},
        )
    BudgetLine.objects.create(
        report=report,
        activity_code="1.02.02.2.02",
        activity_name="Penyediaan layanan kesehatan",
        sub_activity_code="1.02.02.2.02.0001",
        sub_activity_name="Pengelolaan pelayanan kesehatan ibu hamil",
        allocated=ALLOCATED,
        realised=SPENT,
    )
    report.entered_at = timezone.now()
    services.recompute_capaian(report)
    report.save()
    operator = User.objects.get(username="klaten.dinkes")
    stage1 = report.stages.get(stage=1)
    quality1 = report.quality.order_by("quality_item__order").first()
    for name, data, stage_id, quality_id in (
        ("berita-acara.pdf", PDF_BYTES, stage1.pk, None),
        ("foto-posyandu.png", PNG_BYTES, None, None),
        ("rekap-kohort.xlsx", xlsx_bytes(), None, quality1.pk if quality1 else None),
    ):
        services.add_evidence(
            report.pk,
            operator,
            io.BytesIO(data),
            name=name,
            size=len(data),
            stage_id=stage_id,
            quality_id=quality_id,
        )
    f.set_status(report, Report.Status.SUBMITTED)
    report.refresh_from_db()
    return report


def evidence_named(report: Report, name: str) -> Evidence:
    return Evidence.objects.get(report=report, original_name=name, deleted_at__isnull=True)


def quality_rows(report: Report) -> list[ReportQuality]:
    return list(report.quality.select_related("quality_item").order_by("quality_item__order"))
