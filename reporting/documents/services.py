"""Generated documents (LPPD annex, quarter report, province recap PDF, Bangda's batch zip, a
large report list download, the SPM Award ranking's PDF): request, build, staleness.

A document is scoped by the data it holds (region; no agency, no sector = all of them), so
only people who may read the whole region's data reach it: the region's verifier, the
province reviewer and auditors above it, Bangda. Everything goes through the scoping layer:
``GeneratedDocument.objects.visible_to`` for reads, and a request is refused (404) when the
row it would create is not visible to the requester. A report list download is what its
requester sees (``selectors.report_list`` under their grants), so it is theirs alone
(``reachable``); so is an award export (``award.selectors.ranking`` in their scope).

Every build is a job (``espm.background.start``: a Celery worker, or a background thread in
eager mode), never work inside the request. An identical request while a build is queued or
running, or after one finished over unchanged data (same fingerprint), gets that document.
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

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BigIntegerField, Count, Max, Q, QuerySet, Value
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from espm import background, exports
from regions.models import NATIONAL_CODE, Level, Region, User
from regions.scoping import Action, AnyUser, ScopePaths, acting_user, grants_for, scope_q
from reporting import recap
from reporting.documents import pdf
from reporting.entry import selectors
from reporting.models import (
    BudgetLine,
    Evidence,
    GeneratedDocument,
    LppdDueDate,
    Period,
    PeriodUniverseChange,
    RegionSubmission,
    Report,
    ReportQuality,
    ReportStage,
)

log = logging.getLogger(__name__)
Kind = GeneratedDocument.Kind
Status = GeneratedDocument.Status

# A queued or running job silent this long (its worker or process died) is given up: the
# page stops polling and an identical request starts a new one. Every progress step beats.
STALE_JOB = dt.timedelta(minutes=10)
# A build past its task's soft time limit (reporting/tasks.py) stops here, not silently.
TIMED_OUT = "Gagal membuat dokumen: melewati batas waktu proses latar; silakan buat ulang."
# Documents whose text follows the UI language (the others are Indonesian official forms).
TRANSLATED = {Kind.RECAP, Kind.REPORT_LIST, Kind.AWARD}
# Held by their requester alone: they contain what the requester sees under their grants.
PERSONAL = (Kind.REPORT_LIST, Kind.AWARD)
# A report list up to this many rows downloads at once (XLSX ≈ 0.35 s per 1,000 rows on the
# demo machine); a longer one is a job. Bangda's national quarter, 15.3k rows, takes ≈ 5 s.
EXPORT_DIRECT_ROWS = 2000
EXPORT_FORMATS = ("xlsx", "csv")
AWARD_FORMATS = ("pdf",)
# The scope of a whole-region document, evaluated on Region rows: the constant annotations
# stand in for GeneratedDocument's empty agency and sector, so the rule stays in scoping.py.
WHOLE_REGION = ScopePaths(region="", agency="doc_agency", sector="doc_sector")


def _whole_region_scope(user: AnyUser) -> QuerySet[Region]:
    return Region.objects.annotate(
        doc_agency_id=Value(None, output_field=BigIntegerField()), doc_sector=Value("")
    ).filter(scope_q(user, Action.VIEW, WHOLE_REGION))


def document_regions(user: AnyUser) -> QuerySet[Region]:
    """Regions whose whole-region documents ``user`` may see (and so request)."""
    return _whole_region_scope(user).exclude(level=Level.NATIONAL)


def may_batch(user: AnyUser) -> bool:
    """The all-provinces batch is a national document (region 00): Bangda's."""
    return _whole_region_scope(user).filter(code=NATIONAL_CODE).exists()


def reachable(user: AnyUser) -> QuerySet[GeneratedDocument]:
    """The documents ``user`` may open: whole-region ones through the scoping layer, a report
    list download or an award export only by whoever requested it (it holds what they saw)."""
    docs = GeneratedDocument.objects
    return docs.visible_to(user).exclude(kind__in=PERSONAL) | docs.filter(
        kind__in=PERSONAL, requested_by_id=getattr(user, "pk", None)
    )


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


def _list_rows(doc: GeneratedDocument) -> QuerySet[Report]:
    filters = selectors.ReportFilters.from_query(QueryDict(doc.query))
    return selectors.report_list(doc.requested_by, filters)


def _list_fingerprint(doc: GeneratedDocument) -> str:
    """The rows the requester sees under the list's filters (count, latest change) and the
    grants they see them through."""
    agg = _list_rows(doc).order_by().aggregate(n=Count("pk"), last=Max("updated_at"))
    grants = sorted(repr(g) for g in grants_for(doc.requested_by))
    raw = repr((agg["n"], agg["last"].isoformat() if agg["last"] else "", grants))
    return hashlib.sha256(raw.encode()).hexdigest()


def _award_ranking(doc: GeneratedDocument) -> tuple[Any, list[Any]]:
    """The award ranking of the export's year and category, in its requester's scope now."""
    from reporting.award import selectors as award_selectors

    params = QueryDict(doc.query)
    return award_selectors.ranking(doc.requested_by, doc.year, params.get("category", ""))


def _award_fingerprint(config: Any, rows: list[Any]) -> str:
    """The ranking itself (every component of every region) and the configuration it used: the
    scoring reads a dozen tables, so the result is compared rather than each table (≈ 0.1 s
    for the 415 kabupaten, against seconds of PDF layout)."""
    raw = repr((config.pk, config.weights, rows))
    return hashlib.sha256(raw.encode()).hexdigest()


def fingerprint(doc: GeneratedDocument) -> str:
    """Count and latest change of the reports behind a document and of every part's history."""
    if doc.kind == Kind.REPORT_LIST:
        return _list_fingerprint(doc)
    if doc.kind == Kind.AWARD:
        try:
            return _award_fingerprint(*_award_ranking(doc))
        except Http404:  # the requester no longer sees that category: never reused
            return ""
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
            model.history.filter(report_id__in=report_ids).aggregate(
                n=Count("pk"), last=Max("history_date")
            )
        )
    if doc.kind == Kind.ANNEX:
        # The annex's cover prints the year's LPPD due date, which Bangda may change.
        parts.append(
            LppdDueDate.history.filter(year=doc.year).aggregate(
                n=Count("pk"), last=Max("history_date")
            )
        )
    if doc.kind == Kind.RECAP:
        # The recap also lists the period's regions (its universe) and tells "overdue" from
        # "not yet submitted" by today's date.
        parts.append(
            PeriodUniverseChange.objects.filter(period=doc.period).aggregate(
                n=Count("pk"), last=Max("at")
            )
        )
        parts.append({"n": 0, "last": timezone.localdate()})
    raw = repr([(p["n"], p["last"].isoformat() if p["last"] else "") for p in parts])
    return hashlib.sha256(raw.encode()).hexdigest()


def is_stale(doc: GeneratedDocument) -> bool:
    return doc.status == Status.DONE and doc.fingerprint != fingerprint(doc)


def is_lost(doc: GeneratedDocument) -> bool:
    """Queued or running, and silent for ``STALE_JOB``: its worker or process is gone."""
    return not doc.is_finished and doc.updated_at < timezone.now() - STALE_JOB


def give_up_if_lost(doc: GeneratedDocument) -> bool:
    """Mark a lost job failed (so its page stops polling); True if it was lost."""
    if not is_lost(doc):
        return False
    _finish(doc, Status.FAILED, _("Terhenti tanpa kabar dari proses latar; silakan buat ulang."))
    return True


def ui_language() -> str:
    """The active UI language as stored on a translated document: "id" or "en"."""
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


# --- requests -------------------------------------------------------------------------------


def request_document(
    user: AnyUser,
    kind: str,
    region: Region,
    year: int,
    period: Period | None = None,
    *,
    language: str = "",
) -> GeneratedDocument:
    """Queue a document build, or return the identical one that is queued, running, or done
    over unchanged data (any requester's, if ``user`` may see it). Out of scope: 404."""
    if kind in (Kind.QUARTER, Kind.RECAP) and period is None:
        raise ValueError("A quarter report and a recap need a period.")
    language = language if kind in TRANSLATED else ""
    subject = {"kind": kind, "region": region, "year": year, "period": period, "language": language}
    with transaction.atomic():
        # One request per region at a time decides reuse or build (SQLite: the write lock).
        Region.objects.select_for_update().filter(pk=region.pk).first()
        return _reuse_or_queue(user, subject, GeneratedDocument.objects.visible_to(user))


def _reuse_or_queue(
    user: AnyUser, subject: dict[str, Any], reachable_docs: QuerySet[GeneratedDocument]
) -> GeneratedDocument:
    """The identical document ``user`` reaches if it is queued, running or done over unchanged
    data; otherwise a new one, queued on commit. Call it under the caller's lock."""
    same = reachable_docs.filter(**subject)
    for running in same.filter(status__in=[Status.QUEUED, Status.RUNNING]):
        if not give_up_if_lost(running):
            return running
    # An identical request over unchanged data gets the finished file, not a rebuild.
    done = same.filter(status=Status.DONE).exclude(file="").order_by("-created_at").first()
    if done is not None and not is_stale(done):
        return done
    doc = GeneratedDocument.objects.create(
        **subject, requested_by=acting_user(user), task_id=str(uuid.uuid4())
    )
    if not reachable_docs.filter(pk=doc.pk).exists():
        raise Http404  # rolls the row back: out of scope looks like absent
    name = "generate_batch" if subject["kind"] == Kind.BATCH else "generate_document"
    task = background.task(f"reporting.tasks.{name}")
    transaction.on_commit(lambda: _enqueue(task, doc))
    return doc


def _personal(user: AnyUser, subject: dict[str, Any]) -> GeneratedDocument:
    """Queue a document only its requester reaches, or return their identical one."""
    with transaction.atomic():
        # The requester's own requests, one at a time (SQLite: the write lock).
        requester = acting_user(user)
        User.objects.select_for_update().filter(pk=requester.pk).first()
        mine = GeneratedDocument.objects.filter(kind=subject["kind"], requested_by=requester)
        return _reuse_or_queue(user, subject, mine)


def _enqueue(task: Any, doc: GeneratedDocument) -> None:
    try:
        background.start(task, (doc.pk,), doc.task_id)
    except Exception as exc:  # broker down: say so on the page instead of polling forever
        log.exception("document %s: not queued, or its inline build failed", doc.pk)
        message = _("Antrean tugas tidak dapat dihubungi (%(err)s); coba lagi.") % {"err": exc}
        GeneratedDocument.objects.filter(pk=doc.pk, status=Status.QUEUED).update(
            status=Status.FAILED, message=message[:300], finished_at=timezone.now()
        )


def request_batch(user: AnyUser, year: int) -> GeneratedDocument:
    return request_document(user, Kind.BATCH, Region.objects.get(code=NATIONAL_CODE), year)


def request_recap(user: AnyUser, submission: RegionSubmission) -> GeneratedDocument:
    """The recap PDF of a province's submission, in the UI language; 404 unless ``user`` may
    read the recap (``recap.may_see_submission``) and the whole province's documents."""
    if not recap.may_see_submission(user, submission):
        raise Http404
    period = submission.period
    return request_document(
        user, Kind.RECAP, submission.region, period.year, period, language=ui_language()
    )


def request_report_list(
    user: AnyUser, filters: selectors.ReportFilters, fmt: str, period: Period | None
) -> GeneratedDocument:
    """Queue the download of a report list too long to write inside the request (see
    ``EXPORT_DIRECT_ROWS``); the requester's identical one queued, running or unchanged is
    returned instead."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    query = f"{filters.to_query()}&export={fmt}".lstrip("&")
    subject = {
        "kind": Kind.REPORT_LIST,
        "region": Region.objects.get(code=NATIONAL_CODE),
        "year": period.year if period else timezone.localdate().year,
        "period": period,
        "language": ui_language(),
        "query": query,
    }
    return _personal(user, subject)


def request_award(user: AnyUser, year: int, category: str, fmt: str = "pdf") -> GeneratedDocument:
    """Queue the SPM Award ranking's PDF of ``year`` and ``category`` in ``user``'s scope
    (404 unless ``award.selectors`` lets them see that category); the requester's identical
    one queued, running or over an unchanged ranking is returned instead."""
    from reporting.award import selectors as award_selectors

    if fmt not in AWARD_FORMATS:
        raise ValueError(f"unknown award export format {fmt!r}")
    if not award_selectors.may_view(user):
        raise Http404
    if category not in award_selectors.categories_for(user, award_selectors.config_for(year)):
        raise Http404
    subject = {
        "kind": Kind.AWARD,
        "region": Region.objects.get(code=NATIONAL_CODE),
        "year": year,
        "period": None,
        "language": ui_language(),
        "query": f"year={year}&category={category}&format={fmt}",
    }
    return _personal(user, subject)


# --- builds (run in the worker) ---------------------------------------------------------------


def _progress(doc_id: int, pct: int, message: str) -> None:
    # Outside any transaction, so the polling page sees it at once; also the job's heartbeat.
    GeneratedDocument.objects.filter(pk=doc_id).update(
        progress=min(pct, 99), message=message[:300], updated_at=timezone.now()
    )


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
    if user is None or not user.is_active or not reachable(user).filter(pk=doc.pk).exists():
        _finish(doc, Status.FAILED, "Akses pemohon sudah tidak berlaku.")
        return None
    doc.status = Status.RUNNING
    doc.started_at = timezone.now()
    doc.progress = 5
    doc.message = "Sedang dibuat"
    doc.save(update_fields=["status", "started_at", "progress", "message", "updated_at"])
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
        if doc.kind != Kind.AWARD:  # the award's is its ranking, read once below
            doc.fingerprint = fingerprint(doc)  # before reading: a change marks it stale

        def step(pct: int, message: str) -> None:
            _progress(doc.pk, pct, message)

        if doc.kind == Kind.AWARD:
            with translation.override(doc.language or "id"):
                content, name = _award_file(doc, step)
        elif doc.kind == Kind.REPORT_LIST:
            with translation.override(doc.language or "id"):
                content, name = _report_list_file(doc, step)
        elif doc.kind == Kind.RECAP and doc.period is not None:
            with translation.override(doc.language or "id"):
                r = recap.build(doc.region, doc.period)
                step(30, "Rekap dihitung")
                content = recap.to_pdf(r, step)
            name = recap.filename(r, "pdf")
        elif doc.kind == Kind.QUARTER and doc.period is not None:
            content = pdf.quarter_pdf(doc.region, doc.period, step)
            name = pdf.filename(doc.region, doc.year, doc.period.quarter)
        else:
            content = pdf.annex_pdf(doc.region, doc.year, step)
            name = pdf.filename(doc.region, doc.year)
        doc.file.save(name, ContentFile(content), save=False)
        doc.filename = name
        doc.size = len(content)
        _finish(doc, Status.DONE, "Selesai")
    except SoftTimeLimitExceeded:
        log.warning("document %s: soft time limit reached", document_id)
        _finish(doc, Status.FAILED, TIMED_OUT)
    except Exception as exc:
        log.exception("document %s failed", document_id)
        _finish(doc, Status.FAILED, f"Gagal membuat dokumen: {exc}")
        raise
    return doc.status


def _report_list_file(doc: GeneratedDocument, step: Any) -> tuple[bytes, str]:
    """The list page's download, read under the requester's grants as they are now."""
    rows_qs = _list_rows(doc)
    total = rows_qs.count()
    headers, rows = selectors.report_table(rows_qs)

    def counted() -> Any:
        for i, row in enumerate(rows, start=1):
            if i % 1000 == 0:
                step(
                    10 + 85 * i // max(total, 1),
                    f"{pdf.fmt_int(i)} dari {pdf.fmt_int(total)} baris",
                )
            yield row

    step(10, f"{pdf.fmt_int(total)} baris")
    fmt = QueryDict(doc.query).get("export", "xlsx")
    name = f"espm-laporan-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return exports.csv_bytes(headers, counted()), name
    return exports.xlsx_bytes(headers, counted(), "laporan"), name


def _award_file(doc: GeneratedDocument, step: Any) -> tuple[bytes, str]:
    """The award ranking read in the requester's scope as it is now, laid out as a PDF."""
    from reporting.award import exports as award_exports

    config, rows = _award_ranking(doc)
    doc.fingerprint = _award_fingerprint(config, rows)
    step(20, f"{pdf.fmt_int(len(rows))} wilayah diperingkat")
    category = QueryDict(doc.query).get("category", "")
    content = award_exports.pdf_bytes(doc.year, category, config, rows, step)
    return content, award_exports.filename(doc.year, category, "pdf")


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
    except SoftTimeLimitExceeded:
        log.warning("batch %s: soft time limit reached", document_id)
        _finish(doc, Status.FAILED, TIMED_OUT)
    except Exception as exc:
        log.exception("batch %s failed", document_id)
        _finish(doc, Status.FAILED, f"Gagal membuat paket: {exc}")
        raise
    return doc.status
