"""Pages of the Excel import: download the prefilled workbook, upload → preview → commit.

Thin: reporting.imports.services validates and writes (through the entry services). The upload is
kept between preview and commit as a private file in the uploader's own folder, so a
commit can only apply the very workbook its user previewed.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from espm import drafts
from regions.models import Region
from regions.scoping import AnyUser, import_region_ids
from reporting.entry import services
from reporting.imports import services as importer
from reporting.models import Period
from reporting.periods.selectors import open_periods

YEAR_QUARTER = re.compile(r"^(\d{4})-([1-4])$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_regions(user: AnyUser) -> list[Region]:
    """Regions where the user enters data (operator) or checks it (verifier)."""
    return list(Region.objects.filter(pk__in=import_region_ids(user)).order_by("code"))


def _target(request: HttpRequest, source: Any) -> tuple[Region, Period]:
    code = str(source.get("wilayah", ""))
    region = next((r for r in import_regions(request.user) if r.code == code), None)
    period = _period(str(source.get("periode", "")))
    if region is None or period is None:
        raise Http404
    return region, period


def _period(value: str) -> Period | None:
    """A period by id, or by "2026-3" (year-quarter) for links that outlive ids."""
    if value.isascii() and value.isdigit() and len(value) < 10:
        return Period.objects.filter(pk=int(value)).first()
    found = YEAR_QUARTER.match(value)
    if found:
        return Period.objects.filter(year=found[1], quarter=found[2]).first()
    return None


@login_required
@require_GET
def import_start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/import/start.html",
        {"regions": import_regions(request.user), "periods": list(open_periods())},
    )


@login_required
@require_GET
def import_download(request: HttpRequest) -> HttpResponse:
    region, period = _target(request, request.GET)
    content = importer.build_workbook(request.user, region, period)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{importer.filename(region, period)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _render_preview(
    request: HttpRequest,
    region: Region,
    period: Period,
    result: importer.Preview | None,
    token: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "reporting/import/preview.html",
        {"region": region, "period": period, "result": result, "token": token, "error": error},
        status=status,
    )


@login_required
@require_POST
def import_preview(request: HttpRequest) -> HttpResponse:
    region, period = _target(request, request.POST)
    upload = request.FILES.get("berkas")
    if upload is None:
        return _render_preview(
            request, region, period, None, error=_("Pilih berkas Excel hasil unduhan."), status=422
        )
    if upload.size and upload.size > importer.MAX_BYTES:
        return _render_preview(
            request, region, period, None, error=_("Berkas lebih dari 5 MB."), status=422
        )
    data = upload.read()
    try:
        result = importer.preview(request.user, region, period, _bytes(data))
    except importer.WorkbookError as exc:
        return _render_preview(request, region, period, None, error=str(exc), status=422)
    token = ""
    if result.ok and result.changed:
        token = drafts.save(request.user, data)
    return _render_preview(request, region, period, result, token, status=200 if result.ok else 422)


def _bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


@login_required
@require_POST
def import_commit(request: HttpRequest) -> HttpResponse:
    region, period = _target(request, request.POST)
    token = str(request.POST.get("token", ""))
    data = drafts.load(request.user, token)
    if data is None:
        raise Http404
    try:
        done = importer.commit(request.user, region, period, _bytes(data))
    except (importer.WorkbookError, services.EntryError) as exc:
        result = None
        with contextlib.suppress(importer.WorkbookError):
            result = importer.preview(request.user, region, period, _bytes(data))
        return _render_preview(request, region, period, result, error=str(exc), status=409)
    drafts.delete(request.user, token)
    messages.success(
        request,
        _("Impor tersimpan: %(n)s laporan, %(c)s perubahan.")
        % {"n": done.reports, "c": done.changes},
    )
    return redirect("reporting:import_start")
