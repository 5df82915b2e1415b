"""Generated documents: request (annex, quarter report, Bangda's batch), progress, download.
The province recap's PDF is requested from the recap page (``review.views.recap_pdf``), a long
report list's download from the list (``views.report_export``), the SPM Award ranking's PDF
from its page (``award.views.export``).

Thin views over ``reporting.documents.services``; every object is reached through
``documents.reachable`` (the scoping layer; a list download only by its requester), so
another region's document answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from espm import exports
from espm.parsing import parse_int
from reporting import recap
from reporting.documents import services as documents
from reporting.entry.evidence import open_stored
from reporting.models import QUARTER_LABELS, GeneratedDocument, Period, RegionSubmission

RECENT = 30
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "zip": "application/zip",
    "xlsx": exports.XLSX_TYPE,
    "csv": "text/csv; charset=utf-8",
}


def _years() -> list[int]:
    years = sorted(set(Period.objects.values_list("year", flat=True)), reverse=True)
    return years or [timezone.localdate().year]


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    docs = list(
        documents.reachable(request.user)
        .select_related("region", "period", "requested_by")
        .order_by("-created_at")[:RECENT]
    )
    # One fingerprint per distinct document subject; the national batch only on its own page.
    prints: dict[tuple, str] = {}
    for doc in docs:
        subject = (doc.kind, doc.region_id, doc.year, doc.period_id, doc.query, doc.requested_by_id)
        if doc.status == GeneratedDocument.Status.DONE and doc.kind != GeneratedDocument.Kind.BATCH:
            if subject not in prints:
                prints[subject] = documents.fingerprint(doc)
            doc.stale = doc.fingerprint != prints[subject]
    regions = documents.document_regions(request.user).order_by("code").only("code", "name")
    return render(
        request,
        "reporting/documents/index.html",
        {
            "documents": docs,
            "regions": regions,
            "years": _years(),
            "quarters": list(enumerate(QUARTER_LABELS, start=1)),
            "batch_allowed": documents.may_batch(request.user),
        },
    )


def _int(value: str | None) -> int | None:
    return parse_int(value)


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    region = (
        documents.document_regions(request.user).filter(code=request.POST.get("region", "")).first()
    )
    if region is None:
        raise Http404
    year = _int(request.POST.get("year"))
    kind = request.POST.get("kind", GeneratedDocument.Kind.ANNEX)
    if year is None or kind not in (GeneratedDocument.Kind.ANNEX, GeneratedDocument.Kind.QUARTER):
        messages.error(request, _("Pilih jenis dokumen dan tahun yang benar."))
        return redirect("reporting:documents")
    period = None
    if kind == GeneratedDocument.Kind.QUARTER:
        quarter = _int(request.POST.get("quarter")) or 0
        period = Period.objects.filter(year=year, quarter=quarter).first()
        if period is None:
            messages.error(request, _("Periode triwulan itu belum ada."))
            return redirect("reporting:documents")
    doc = documents.request_document(request.user, kind, region, year, period)
    return redirect("reporting:document_status", pk=doc.pk)


@login_required
@require_POST
def generate_batch(request: HttpRequest) -> HttpResponse:
    if not documents.may_batch(request.user):
        raise Http404
    year = _int(request.POST.get("year"))
    if year is None:
        messages.error(request, _("Pilih tahun."))
        return redirect("reporting:documents")
    doc = documents.request_batch(request.user, year)
    return redirect("reporting:document_status", pk=doc.pk)


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(documents.reachable(request.user), pk=pk)
    documents.give_up_if_lost(doc)
    doc.stale = documents.is_stale(doc)
    if getattr(request, "htmx", False):
        return render(request, "reporting/documents/_progress.html", {"doc": doc})
    return render(
        request, "reporting/documents/status.html", {"doc": doc, "back": _origin(request, doc)}
    )


def _origin(request: HttpRequest, doc: GeneratedDocument) -> tuple[str, str] | None:
    """(url, label) of the page a recap PDF, a list or award download was asked from."""
    if doc.kind == GeneratedDocument.Kind.REPORT_LIST:
        params = QueryDict(doc.query, mutable=True)
        params.pop("export", None)
        return f"{reverse('reporting:report_list')}?{params.urlencode()}", _("Daftar laporan")
    if doc.kind == GeneratedDocument.Kind.AWARD:
        params = QueryDict(doc.query)
        query = f"year={doc.year}&category={params.get('category', '')}"
        return f"{reverse('reporting:award')}?{query}", _("Penghargaan SPM")
    if doc.kind == GeneratedDocument.Kind.RECAP:
        sub = RegionSubmission.objects.filter(region=doc.region, period=doc.period).first()
        if sub is not None and recap.may_see_submission(request.user, sub):
            label = _("Rekap provinsi") + f" {doc.region.name}"
            return reverse("reporting:recap", args=[sub.pk]), label
    return None


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    doc = get_object_or_404(documents.reachable(request.user), pk=pk)
    if doc.status != GeneratedDocument.Status.DONE or not doc.file:
        raise Http404
    name = doc.filename or (doc.file.name or "dokumen").rsplit("/", 1)[-1]
    content_type = CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return FileResponse(
        open_stored(doc.file),
        as_attachment=True,
        filename=name,
        content_type=content_type,
    )
