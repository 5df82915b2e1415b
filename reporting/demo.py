"""DEMO quarterly data for the 7 demo regions (never loaded by migrations; `seed_demo` only).

2026: TW I and TW II filled, verified and accepted, then closed — except Ngawi in TW II, which
reported only part of its services and never submitted (`PARTIAL_REGION`: ranked below the
complete regions, no award candidate); TW III open with varied states and capaian bands
(Klaten: drafts, one half-filled and so *belum lengkap*, one returned with a reason, some
submitted); TW IV planned. DKI Jakarta's province reports its 14 provincial and 29 kab/kota
service types. Every text written here says "demo". Idempotent: a period already seeded is skipped.

Times follow the rules the pages apply (reporting.rules.windows): in a closed quarter every
region submitted before the due date except one (`LATE_REGION`), its reports were submitted
and verified before it, and a report verified while its year target is not verified (Klaten's
K-KES-11/12, K-DIK-03, K-SOS-04) carries the exception reason the verify step records.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, cast

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from espm import history
from indicators.models import NomenclatureItem, ServiceBudgetCode
from indicators.services import load_nomenclature
from regions.demo import DEMO_REGIONS
from regions.models import User
from reporting import workflow
from reporting.entry import services
from reporting.models import (
    BudgetLine,
    Evidence,
    Period,
    RegionSubmission,
    Report,
    ReportQuality,
    ReportStage,
    WorkflowEvent,
    private_storage,
)
from reporting.periods import services as period_services
from reporting.quality import services as quality_checks
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import windows

DEMO_YEAR = 2026
DEMO_NOTE = "(Data demo)"
BULK = 100
# Klaten TW III: service code → wanted state (everything else: submitted).
KLATEN_TW3 = {
    "K-KES-01": "draft",
    "K-KES-02": "draft_partial",
    "K-KES-04": "returned",
    "K-KES-05": "submitted_explained",
    "K-KES-08": "empty",
    "K-DIK-01": "draft",
    "K-DIK-02": "draft_partial",
    "K-PU-01": "empty",
}
RETURN_REASON = (
    "(Data demo) Jumlah penerima tidak sesuai data kohort ibu hamil di Puskesmas; "
    "mohon lampirkan rekap kohort per Puskesmas dan perbaiki angka terlayani."
)
# The sections of the form that reason is about (shown beside them on the operator's form).
RETURN_SECTIONS = ["recipients", "evidence"]
# Closed quarter → the demo region that submitted it late (all others on time).
LATE_REGION = {1: "35.21", 2: "36"}
# Closed quarter → a demo region that reported only part of its services and so never submitted
# the quarter: the official figures count its missing services as 0, so it ranks below the
# complete regions and is no SPM Award candidate (SPM.md §5).
PARTIAL_REGION = {2: ("35.21", ("K-KES-06", "K-PU-02", "K-SOS-05"))}
TARGET_EXCEPTION = (
    "(Data demo) Target tahunan layanan ini belum terverifikasi; capaian diverifikasi "
    "berdasarkan data sasaran dinas, target menyusul."
)
# Budget lines take the service type's usual kegiatan / sub kegiatan from the nomenclature.


@functools.cache
def _budget_codes(service_code: str, sector_code: str) -> tuple[str, str, str, str]:
    """(kegiatan code, kegiatan name, sub kegiatan code, sub kegiatan name) for a service:
    its usual code, else the sector's first listed kegiatan."""
    link = (
        ServiceBudgetCode.objects.filter(service_code=service_code)
        .select_related("item__parent")
        .order_by("order")
        .first()
    )
    item = link.item if link else None
    if item is None:
        item = NomenclatureItem.objects.filter(
            sector__code=sector_code, level=NomenclatureItem.Level.ACTIVITY
        ).first()
    if item is None:
        return ("", "", "", "")
    if item.level == NomenclatureItem.Level.SUB_ACTIVITY and item.parent is not None:
        return (item.parent.code, item.parent.name, item.code, item.name)
    return (item.code, item.name, "", "")


def _score(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from the parts (same demo on every run)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(is_demo=True)}


def _operator(users: dict[str, User], report: Report) -> User | None:
    if report.agency is None:
        return None
    prefix = DEMO_REGIONS.get(report.region.code)
    return users.get(f"{prefix}.{report.agency.short_name.lower()}")


def _verifier(users: dict[str, User], code: str) -> User | None:
    prefix = DEMO_REGIONS.get(code)
    return users.get(f"{prefix}.tapem") or users.get(f"{prefix}.biro")


def _parent_reviewer(users: dict[str, User], code: str) -> User | None:
    if "." not in code:
        return users.get("bangda.admin")
    return users.get(f"{DEMO_REGIONS.get(code.split('.')[0])}.biro")


@dataclass
class Batch:
    """Everything one period's demo writes, saved in bulk (a few queries, not thousands)."""

    reports: list[Report] = field(default_factory=list)
    quality: list[ReportQuality] = field(default_factory=list)
    stages: list[ReportStage] = field(default_factory=list)
    budget: list[BudgetLine] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    events: list[WorkflowEvent] = field(default_factory=list)

    def save(self) -> None:
        bulk_update_with_history(
            self.quality, ReportQuality, ["required", "realised", "met"], batch_size=BULK
        )
        bulk_update_with_history(self.stages, ReportStage, ["status", "note"], batch_size=BULK)
        bulk_create_with_history(self.budget, BudgetLine, batch_size=BULK)
        bulk_create_with_history(self.evidence, Evidence, batch_size=BULK)
        bulk_update_with_history(self.reports, Report, REPORT_FIELDS, batch_size=BULK)
        _save_events(self.events)


class _Backdated(Protocol):
    """A demo event with the time it is told to have happened (`at` is auto_now_add)."""

    demo_at: dt.datetime | None


def _backdate(event: WorkflowEvent, at: dt.datetime | None) -> None:
    cast(_Backdated, event).demo_at = at


def _save_events(events: list[WorkflowEvent]) -> None:
    """Create the events, then give back-dated ones their time (`at` is auto_now_add)."""
    WorkflowEvent.objects.bulk_create(events, batch_size=BULK)
    dated = []
    for e in events:
        at = getattr(e, "demo_at", None)
        if at is not None:
            e.at = at
            dated.append(e)
    WorkflowEvent.objects.bulk_update(dated, ["at"], batch_size=BULK)


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), windows.local_tz())


def _region_sent_at(period: Period, code: str) -> dt.datetime:
    """When a demo region submitted a closed quarter: its kab/kota first, the province the day
    before the due date; `LATE_REGION` some days after it."""
    is_province = "." not in code
    if LATE_REGION.get(period.quarter) == code:
        return _local(period.due_date + dt.timedelta(days=8 if is_province else 5), 15)
    if is_province:
        return _local(period.due_date - dt.timedelta(days=1), 15)
    days = 3 + int(3 * _score(code, period.quarter))
    return _local(period.due_date - dt.timedelta(days=days), 14)


REPORT_FIELDS = [
    "recipients_target",
    "recipients_served",
    "recipients_breakdown",
    "problems",
    "solutions",
    "recipients_pct",
    "quality_pct",
    "capaian_index",
    "band",
    "flag_no_target",
    "flag_over_target",
    "flag_zero_required",
    "status",
    "submitted_at",
    "verified_at",
    "entered_at",
    "updated_by",
    "version",
]


def _breakdown(report: Report, served: int) -> dict[str, Any]:
    """The served total split over each catalog dimension of the service type (structured);
    the old free-text split by sex for a service type whose catalog names none."""
    dims = breakdown_rules.dimensions_of(report.service_type)
    if not dims:
        return {"Laki-laki": served // 2, "Perempuan": served - served // 2}
    out: dict[str, Any] = {}
    for dim in dims:
        weights = [1 + _score(report.region.code, dim.key, g.key) for g in dim.groups]
        counts = [int(served * w / sum(weights)) for w in weights]
        if dim.sums_to_total:
            counts[-1] = served - sum(counts[:-1])  # the groups add up to the total
        out[dim.key] = {g.key: n for g, n in zip(dim.groups, counts, strict=True)}
    return out


def _fill(
    batch: Batch, report: Report, user: User, quarter: int, completeness: float = 1.0
) -> None:
    """Plausible demo data on the report (in memory; Batch.save writes it with history)."""
    code = report.service_type.code
    level = _score(report.region.code, code)  # the service's general performance
    target = report.recipients_target or int(200 + 2000 * _score(code, report.region.code, "t"))
    report.recipients_target = target
    share = min(1.05, (0.45 + 0.55 * level) * (0.4 + 0.2 * quarter))
    report.recipients_served = int(target * share)
    report.recipients_breakdown = _breakdown(report, report.recipients_served)
    rows = list(report.quality.all())
    for i, row in enumerate(rows):
        if completeness < 1 and i >= len(rows) * completeness:
            break
        if row.quality_item.has_quantity:
            required = row.required or Decimal(int(5 + 50 * _score(code, i)))
            factor = min(Decimal("1.1"), Decimal(str(round(0.5 + level * 0.6, 2))))
            if row.quality_item.per_recipient:
                # Given one per recipient: never more than the recipients served.
                required = row.required or Decimal(target)
                realised = min(required * factor, Decimal(report.recipients_served))
            else:
                realised = required * factor
            row.required = required
            row.realised = realised.quantize(Decimal(1))
        else:
            row.met = _score(code, i, quarter) < 0.5 + level / 2
        history.set_actor(row, user)
        batch.quality.append(row)
    if completeness >= 1:
        for stage in report.stages.all():
            stage.status = (
                ReportStage.Status.DONE
                if stage.stage <= min(4, quarter + 1)
                else ReportStage.Status.IN_PROGRESS
            )
            stage.note = f"{DEMO_NOTE} Tahap berjalan sesuai rencana aksi."
            history.set_actor(stage, user)
            batch.stages.append(stage)
            if stage.status == ReportStage.Status.DONE:
                batch.evidence.append(_stage_document(report, stage, user))
        act_code, act_name, sub_code, sub_name = _budget_codes(
            report.service_type.code, report.service_type.sector.code
        )
        allocated = int(100_000_000 + 900_000_000 * _score(code, "b"))
        line = BudgetLine(
            report=report,
            activity_code=act_code or "1.02.02.2.02",
            activity_name=act_name or f"{DEMO_NOTE} Kegiatan SPM",
            sub_activity_code=sub_code,
            sub_activity_name=sub_name,
            allocated=allocated,
            realised=int(allocated * min(1.0, 0.2 * quarter + 0.1 * level)),
            order=1,
        )
        history.set_actor(line, user)
        batch.budget.append(line)
        report.problems = (
            f"{DEMO_NOTE} Keterbatasan tenaga dan data sasaran belum padan dengan Dukcapil."
        )
        report.solutions = f"{DEMO_NOTE} Pemutakhiran data sasaran bersama Dukcapil dan Puskesmas."
    report.entered_at = report.entered_at or timezone.now()
    report.updated_by = user
    report.version += 1
    services.recompute_capaian(report, rows)
    history.set_actor(report, user)
    batch.reports.append(report)


def _set_status(
    batch: Batch,
    report: Report,
    status: str,
    actor: User,
    action: str,
    reason: str = "",
    at: dt.datetime | None = None,
    sections: list[str] | None = None,
) -> None:
    before = report.status
    report.status = status
    now = at or timezone.now()
    if status == Report.Status.VERIFIED:
        # The same rule as the verify step: no verified target → the exception is recorded.
        reason = workflow.verify_reason(report, reason, TARGET_EXCEPTION)
    if status == Report.Status.SUBMITTED:
        report.submitted_at = now
    if status == Report.Status.VERIFIED:
        report.verified_at = now
    snapshot: dict[str, Any] = {
        "recipients_served": report.recipients_served,
        "capaian_index": str(report.capaian_index),
        "band": report.band,
        "demo": True,
    }
    event = WorkflowEvent(
        region=report.region,
        agency=report.agency,
        report=report,
        action=action,
        from_status=before,
        to_status=status,
        actor=actor,
        reason=reason,
        snapshot=snapshot,
        sections=sections or [],
    )
    _backdate(event, at)
    batch.events.append(event)


def _region_event(
    sub: RegionSubmission, action: str, before: str, actor: User, at: dt.datetime
) -> WorkflowEvent:
    event = WorkflowEvent(
        region=sub.region,
        submission=sub,
        action=action,
        from_status=before,
        to_status=sub.status,
        actor=actor,
    )
    _backdate(event, at)
    return event


# One small PDF stored once, referenced by every done stage of the demo (as its document).
DEMO_DOCUMENT = "evidence/demo/dokumen-tahapan-demo.pdf"
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _demo_document() -> str:
    storage = private_storage()
    if not storage.exists(DEMO_DOCUMENT):
        storage.save(DEMO_DOCUMENT, ContentFile(DEMO_PDF))
    return DEMO_DOCUMENT


def _stage_document(report: Report, stage: ReportStage, user: User) -> Evidence:
    doc = Evidence(
        report=report,
        stage=stage,
        original_name=f"demo-tahap-{stage.stage}.pdf",
        content_type="application/pdf",
        size=len(DEMO_PDF),
        sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
        description=f"{DEMO_NOTE} Dokumen tahap {stage.stage}",
        uploaded_by=user,
    )
    doc.file.name = _demo_document()
    history.set_actor(doc, user)
    return doc


def _reports(period: Period) -> list[Report]:
    return list(
        Report.objects.filter(period=period, region__code__in=list(DEMO_REGIONS))
        .select_related("region", "agency", "service_type__sector", "period")
        .prefetch_related(
            Prefetch(
                "quality",
                ReportQuality.objects.select_related("quality_item").order_by(
                    "quality_item__order", "id"
                ),
            ),
            "stages",
            "service_type__quality_items",
            "service_type__breakdown_dimensions__groups",
        )
        .order_by("region__code", "service_type__order")
    )


def _seed_closed_quarter(period: Period, users: dict[str, User]) -> None:
    batch = Batch()
    partial_code, left_out = PARTIAL_REGION.get(period.quarter, ("", ()))
    for report in _reports(period):
        operator = _operator(users, report)
        verifier = _verifier(users, report.region.code)
        if operator is None or verifier is None:
            continue
        if report.region.code == partial_code and report.service_type.code in left_out:
            continue  # never entered: "tidak ada laporan" on every page
        _fill(batch, report, operator, period.quarter)
        sent = _region_sent_at(period, report.region.code)
        # A region submits its quarter only once every service report is verified.
        _set_status(
            batch, report, Report.Status.SUBMITTED, operator, "submit",
            at=sent - dt.timedelta(days=6, hours=5),
        )  # fmt: skip
        _set_status(
            batch, report, Report.Status.VERIFIED, verifier, "verify",
            at=sent - dt.timedelta(days=3, hours=4),
        )  # fmt: skip
    batch.save()
    subs = list(
        RegionSubmission.objects.filter(
            period=period, region__code__in=list(DEMO_REGIONS)
        ).select_related("region")
    )
    events = []
    for sub in subs:
        verifier = _verifier(users, sub.region.code)
        reviewer = _parent_reviewer(users, sub.region.code)
        if verifier is None or reviewer is None or sub.region.code == partial_code:
            continue
        sent = _region_sent_at(period, sub.region.code)
        decided = sent + dt.timedelta(days=2 if sub.region.is_province else 1, hours=-4)
        sub.status, sub.submitted_at, sub.submitted_by = (
            RegionSubmission.Status.SUBMITTED,
            sent,
            verifier,
        )
        events.append(
            _region_event(sub, "submit_region", RegionSubmission.Status.IN_PROGRESS, verifier, sent)
        )
        sub.status, sub.decided_at, sub.decided_by = (
            RegionSubmission.Status.ACCEPTED,
            decided,
            reviewer,
        )
        events.append(
            _region_event(sub, "accept", RegionSubmission.Status.SUBMITTED, reviewer, decided)
        )
        history.set_actor(sub, reviewer)
    bulk_update_with_history(
        subs,
        RegionSubmission,
        ["status", "submitted_at", "submitted_by", "decided_at", "decided_by"],
    )
    _save_events(events)


OVER_TARGET_EXPLANATION = (
    f"{DEMO_NOTE} Sasaran tahun ini dihitung dari proyeksi BPS; pendataan lapangan menemukan "
    "lebih banyak sasaran. Usulan revisi target sudah diajukan ke Bappeda."
)


def _over_target(report: Report) -> None:
    """Served 4% above the year's target: a data-quality warning the operator explained."""
    target = report.recipients_target or 0
    report.recipients_served = served = target + max(1, target // 25)
    report.recipients_breakdown = _breakdown(report, served)
    services.recompute_capaian(report, list(report.quality.all()))


def _seed_open_quarter(period: Period, users: dict[str, User]) -> None:
    batch = Batch()
    explained: list[tuple[Report, User]] = []
    for report in _reports(period):
        operator = _operator(users, report)
        verifier = _verifier(users, report.region.code)
        if operator is None or verifier is None:
            continue
        code = report.service_type.code
        if report.region.code == "33.10":
            wanted = KLATEN_TW3.get(code, "submitted")
        else:
            r = _score(report.region.code, code, "tw3")
            wanted = (
                "empty"
                if r < 0.2
                else "draft"
                if r < 0.45
                else "submitted"
                if r < 0.8
                else "verified"
            )
        if wanted == "empty":
            continue
        completeness = 0.5 if wanted == "draft_partial" else 1.0
        _fill(batch, report, operator, period.quarter, completeness)
        if wanted == "submitted_explained":
            _over_target(report)
            explained.append((report, operator))
            wanted = "submitted"
        if wanted in ("submitted", "verified", "returned"):
            _set_status(batch, report, Report.Status.SUBMITTED, operator, "submit")
        if wanted == "verified":
            _set_status(batch, report, Report.Status.VERIFIED, verifier, "verify")
        if wanted == "returned":
            _set_status(
                batch,
                report,
                Report.Status.RETURNED,
                verifier,
                "return",
                RETURN_REASON,
                sections=RETURN_SECTIONS,
            )
    batch.save()
    # Data-quality flags of the open quarter, as the saves would have left them.
    quality_checks.evaluate_period(period.pk)
    for report, operator in explained:
        # Explained while it was a draft (the demo writes the submitted state directly).
        for check in report.checks.filter(rule__code="MELEBIHI-TARGET"):
            check.explanation = OVER_TARGET_EXPLANATION
            check.explained_by, check.explained_at = operator, report.submitted_at
            history.set_actor(check, operator)
            check.save()


def seed() -> None:
    """Idempotent demo periods and reports for the 6 demo regions (needs the catalog)."""
    if period_services.edition_for_year(DEMO_YEAR) is None:
        return  # the catalog is not loaded yet
    users = _users()
    bangda = users.get("bangda.admin")
    if bangda is None:
        return
    if not NomenclatureItem.objects.exists():
        load_nomenclature()
    _budget_codes.cache_clear()
    periods = period_services.ensure_periods(DEMO_YEAR, bangda)
    codes = list(DEMO_REGIONS)
    for period in periods[:2]:
        if period.state == Period.State.CLOSED:
            continue
        with transaction.atomic():
            period_services.open_period(period.pk, bangda, region_codes=codes)
            _seed_closed_quarter(period, users)
            period_services.close_period(period.pk, bangda)
    tw3 = periods[2]
    if tw3.state == Period.State.PLANNED:
        with transaction.atomic():
            period_services.open_period(tw3.pk, bangda, region_codes=codes)
            _seed_open_quarter(tw3, users)
