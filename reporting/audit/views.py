"""The audit trail for auditors, verifiers and Bangda: a read-only page and its CSV export.

GET only: nothing here (or anywhere) can edit or delete an audit row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from espm import exports
from regions.scoping import may_read_audit_trail
from reporting.audit import selectors as audit

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000


def _filters(request: HttpRequest) -> audit.AuditFilters:
    if not may_read_audit_trail(request.user):
        raise PermissionDenied
    return audit.AuditFilters.from_query(request.GET)


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    page = None
    entries: list[audit.AuditEntry] = []
    if not f.errors:
        stream: Any = audit.audit_stream(request.user, f)  # sliceable + countable
        paginator: Paginator[dict[str, Any]] = Paginator(stream, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        entries = audit.resolve(page.object_list)
    query = urlencode(f.as_query())
    return render(
        request,
        "reporting/audit/trail.html",
        {
            "filters": f,
            "kinds": audit.KIND_CHOICES,
            "page": page,
            "entries": entries,
            "query": query,
            "export_limit": EXPORT_LIMIT,
        },
    )


def _csv_rows(request: HttpRequest, f: audit.AuditFilters) -> Iterator[list[Any]]:
    for e in audit.iter_entries(request.user, f, EXPORT_LIMIT):
        yield [
            timezone.localtime(e.at).replace(tzinfo=None),
            e.user,
            str(e.kind_label),
            str(e.op_label),
            e.region,
            e.subject,
            e.changes_text(),
            e.reason,
        ]


@login_required
@require_GET
def audit_trail_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    f = _filters(request)
    if f.errors:
        return HttpResponse("\n".join(f.errors), status=400, content_type="text/plain")
    headers = [
        _("Waktu"),
        _("Pengguna"),
        _("Jenis data"),
        _("Tindakan"),
        _("Wilayah"),
        _("Objek"),
        _("Perubahan"),
        _("Alasan"),
    ]
    stamp = timezone.localdate().isoformat()
    return exports.csv_stream_response(
        headers, _csv_rows(request, f), f"espm-jejak-audit-{stamp}.csv"
    )
