"""Generated documents (LPPD annex, quarter report, Bangda's batch zip): request, build, staleness.

A document is scoped by the data it holds (region; no agency, no sector = all of them), so
only people who may read the whole region's data reach it: the region's verifier, the
province reviewer and auditors above it, Bangda. Everything goes through the scoping layer:
``GeneratedDocument.objects.visible_to`` for reads, and a request is refused (404) when the
row it would create is not visible to the requester.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import time
import uuid
import zipfile
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BigIntegerField, Count, Max, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from regions.models import NATIONAL_CODE, Level, Region
from regions.scoping import Action, ScopePaths, scope_q
from reporting import pdf
from reporting.models import (
    BudgetLine,
    Evidence,
    GeneratedDocument,
    Period,
    RegionSubmission,
    Report,
    ReportQuality,
    ReportStage,
)

log = logging.getLogger(__name__)
Kind = GeneratedDocument.Kind
Status = GeneratedDocument.Status

# The scope of a whole-region document, evaluated on Region rows: the constant annotations
# stand in for GeneratedDocument's empty agency and sector, so the rule stays in scoping.py.
# An identical job queued or running this recently is shown instead of starting another.
REUSE_WINDOW = dt.timedelta(minutes=30)
WHOLE_REGION = ScopePaths(region="", agency="doc_agency", sector="doc_sector")


def _whole_region_scope(user: Any) -> QuerySet[Region]:
    return Region.objects.annotate(
        doc_agency_id=Value(None, output_field=BigIntegerField()), doc_sector=Value("")
    ).filter(scope_q(user, Action.VIEW, WHOLE_REGION))


def document_regions(user: Any) -> QuerySet[Region]:
    """Regions whose whole-region documents ``user`` may see (and so request)."""
    return _whole_region_scope(user).exclude(level=Level.NATIONAL)


def may_batch(user: Any) -> bool:
    """The all-provinces batch is a national document (region 00): Bangda's."""
    return _whole_region_scope(user).filter(code=NATIONAL_CODE).exists()


# --- staleness ------------------------------------------------------------------------------


def _report_filter(doc: GeneratedDocument) -> Q:
    q = Q(period__year=doc.year)
    if doc.period_id:
        q &= Q(period_id=doc.period_id)
    if doc.kind == Kind.BATCH:
        return q
    if doc.region.is_province:
        # A province's annex also holds the recap of its kab/kota.
        return q & Q(region__province_code=doc.region.province_code)
    return q & Q(region_id=doc.region_id)


def fingerprint(doc: GeneratedDocument) -> str:
    """Count and latest change of the reports behind a document and of every part's history."""
    where = _report_filter(doc)
    report_ids = Report.objects.filter(where).values("pk")
    parts: list[Any] = [
        Report.objects.filter(where).aggregate(n=Count("pk"), last=Max("updated_at")),
        Report.history.filter(id__in=report_ids).aggregate(n=Count("pk"), last=Max("history_date")),
        RegionSubmission.history.filter(
            region_id__in=Report.objects.filter(where).values("region_id"),
            period__year=doc.year,
        ).aggregate(n=Count("pk"), last=Max("history_date")),
    ]
    for model in (ReportQuality, ReportStage, BudgetLine, Evidence):
        parts.append(
            model.history.filter(report_id__in=report_ids).aggregate(  # type: ignore[attr-defined]
                n=Count("pk"), last=Max("history_date")
            )
        )
    raw = repr([(p["n"], p["last"].isoformat() if p["last"] else "") for p in parts])
    return hashlib.sha256(raw.encode()).hexdigest()


def is_stale(doc: GeneratedDocument) -> bool:
    return doc.status == Status.DONE and doc.fingerprint != fingerprint(doc)


# --- requests -------------------------------------------------------------------------------


def request_document(
    user: Any, kind: str, region: Region, year: int, period: Period | None = None
) -> GeneratedDocument:
    """Queue a document build; an identical one already queued or running is reused."""
    from reporting import tasks

    if kind == Kind.QUARTER and period is None:
        raise ValueError("A quarter report needs a period.")
    with transaction.atomic():
        running = GeneratedDocument.objects.filter(
            kind=kind,
            region=region,
            year=year,
            period=period,
            status__in=[Status.QUEUED, Status.RUNNING],
            created_at__gte=timezone.now()
            - REUSE_WINDOW,  # a job lost in a crash is not waited for
        ).first()
        if running and GeneratedDocument.objects.visible_to(user).filter(pk=running.pk).exists():
            return running
        # An identical request over unchanged data gets the finished file, not a rebuild.
        done = (
            GeneratedDocument.objects.visible_to(user)
            .filter(kind=kind, region=region, year=year, period=period, status=Status.DONE)
            .exclude(file="")
            .order_by("-created_at")
            .first()
        )
        if done is not None and not is_stale(done):
            return done
        doc = GeneratedDocument.objects.create(
            kind=kind,
            region=region,
            year=year,
            period=period,
            requested_by=user,
            task_id=str(uuid.uuid4()),
        )
        if not GeneratedDocument.objects.visible_to(user).filter(pk=doc.pk).exists():
            raise Http404  # rolls the row back: out of scope looks like absent
        task = tasks.generate_batch if kind == Kind.BATCH else tasks.generate_document
        transaction.on_commit(lambda: task.apply_async((doc.pk,), task_id=doc.task_id))
    return doc


def request_batch(user: Any, year: int) -> GeneratedDocument:
    return request_document(user, Kind.BATCH, Region.objects.get(code=NATIONAL_CODE), year)


# --- builds (run in the worker) ---------------------------------------------------------------


def _progress(doc_id: int, pct: int, message: str) -> None:
    # Outside any transaction, so the polling page sees it at once.
    GeneratedDocument.objects.filter(pk=doc_id).update(progress=min(pct, 99), message=message[:300])


def _start(document_id: int) -> GeneratedDocument | None:
    doc = (
        GeneratedDocument.objects.select_related("region", "period", "requested_by")
        .filter(pk=document_id)
        .first()
    )
    if doc is None or doc.status in (Status.DONE, Status.FAILED):
        return None  # idempotent: a redelivered task finds the work done
    user = doc.requested_by
    # Scope is re-checked when the task runs: the requester may have lost the role meanwhile.
    if user is None or not GeneratedDocument.objects.visible_to(user).filter(pk=doc.pk).exists():
        _finish(doc, Status.FAILED, "Akses pemohon sudah tidak berlaku.")
        return None
    doc.status = Status.RUNNING
    doc.started_at = timezone.now()
    doc.progress = 5
    doc.message = "Sedang dibuat"
    doc.save(update_fields=["status", "started_at", "progress", "message"])
    return doc


def _finish(doc: GeneratedDocument, status: str, message: str) -> None:
    doc.status = status
    doc.message = message[:300]
    doc.finished_at = timezone.now()
    if doc.started_at:
        doc.duration_ms = int((doc.finished_at - doc.started_at).total_seconds() * 1000)
    if status == Status.DONE:
        doc.progress = 100
    doc.save()


def build(document_id: int) -> str:
    doc = _start(document_id)
    if doc is None:
        return "skipped"
    try:
        doc.fingerprint = fingerprint(doc)  # before reading: a change meanwhile marks it stale

        def step(pct: int, message: str) -> None:
            _progress(doc.pk, pct, message)

        if doc.kind == Kind.QUARTER and doc.period is not None:
            content = pdf.quarter_pdf(doc.region, doc.period, step)
            name = pdf.filename(doc.region, doc.year, doc.period.quarter)
        else:
            content = pdf.annex_pdf(doc.region, doc.year, step)
            name = pdf.filename(doc.region, doc.year)
        doc.file.save(name, ContentFile(content), save=False)
        doc.filename = name
        doc.size = len(content)
        _finish(doc, Status.DONE, "Selesai")
    except Exception as exc:
        log.exception("document %s failed", document_id)
        _finish(doc, Status.FAILED, f"Gagal membuat dokumen: {exc}")
        raise
    return doc.status


def build_batch(document_id: int) -> str:
    """Every active province's annex for the year, zipped; progress and throughput recorded."""
    doc = _start(document_id)
    if doc is None:
        return "skipped"
    try:
        doc.fingerprint = fingerprint(doc)
        provinces = list(
            Region.objects.filter(level=Level.PROVINCE, is_active=True).order_by("code")
        )
        began = time.monotonic()
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                for i, province in enumerate(provinces, start=1):
                    archive.writestr(
                        pdf.filename(province, doc.year), pdf.annex_pdf(province, doc.year)
                    )
                    _progress(
                        doc.pk,
                        int(i * 100 / len(provinces)),
                        f"{i} dari {len(provinces)} provinsi: {province.name}",
                    )
            elapsed = time.monotonic() - began
            name = f"lampiran-lppd-spm-semua-provinsi-{doc.year}.zip"
            tmp.seek(0)
            doc.file.save(name, File(tmp), save=False)
            doc.size = doc.file.size
        doc.filename = name
        rate = len(provinces) * 60 / elapsed if elapsed else 0
        _finish(
            doc,
            Status.DONE,
            f"{len(provinces)} lampiran dalam {pdf.fmt_number(elapsed, 1)} detik "
            f"({pdf.fmt_number(rate, 1)} lampiran/menit)",
        )
    except Exception as exc:
        log.exception("batch %s failed", document_id)
        _finish(doc, Status.FAILED, f"Gagal membuat paket: {exc}")
        raise
    return doc.status
