"""LPPD annex pages: each region's status for a year with counts per level (Bangda sees every
region; a province its own and its kab/kota; a region itself), the hand-in and withdraw
actions of a region's verifier, Bangda's due date of a year, and the list as CSV/XLSX.

Who sees a region's row is who may open its LPPD annex (``selectors.regions_for``); others
get 404. A refused write re-renders the page with what was typed (422) or, when stale, 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from espm import exports
from regions.models import Region
from reporting.lppd import selectors, services
from reporting.lppd.forms import DueDateForm, HandInForm, WithdrawForm
from reporting.rules import lppd


def _year(raw: str) -> int:
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    if raw:
        raise Http404
    return selectors.years()[0]


def _filtered(request: HttpRequest, found: list[selectors.Row]) -> list[selectors.Row]:
    status = request.GET.get("status", "")
    level = request.GET.get("level", "")
    if status in lppd.STATUSES:
        found = [r for r in found if r.status == status]
    if level in selectors.LEVELS:
        found = [r for r in found if r.region.level == level]
    return found


def _page(
    request: HttpRequest,
    year: int,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    found = selectors.rows(request.user, year)
    due, saved = selectors.due_of(year)
    own: list[selectors.Row] = []
    # Bangda records a hand-in from a region's row, not from a card each.
    if not selectors.may_set_due_date(request.user):
        mine = selectors.hand_in_regions(request.user, [r.region.pk for r in found])
        own = [r for r in found if r.region.pk in mine]
    forms = forms or {}
    cards = [
        {
            "row": r,
            "document": selectors.current_annex_document(r.region, year),
            "hand_in": forms.get(f"in-{r.region.code}")
            or HandInForm(
                prefix=f"in-{r.region.code}",
                initial={"version": r.annex.version if r.annex else 0},
            ),
            "withdraw": forms.get(f"out-{r.region.code}")
            or WithdrawForm(
                prefix=f"out-{r.region.code}",
                initial={"version": r.annex.version if r.annex else 0},
            ),
        }
        for r in own
    ]
    due_form = forms.get("due") or DueDateForm(
        initial={"due_date": due, "version": saved.version if saved else 0}
    )
    return render(
        request,
        "reporting/lppd/index.html",
        {
            "year": year,
            "years": selectors.years(),
            "due": due,
            "due_saved": saved,
            "default_due": lppd.default_due(year),
            "summary": selectors.summary(found),
            "rows": _filtered(request, found),
            "status_choices": [(s, lppd.LABELS[s]) for s in lppd.STATUSES],
            "level_choices": [(lv, selectors.LEVEL_LABELS[lv]) for lv in selectors.LEVELS],
            "status_filter": request.GET.get("status", ""),
            "level_filter": request.GET.get("level", ""),
            "cards": cards,
            "may_set_due_date": selectors.may_set_due_date(request.user),
            "due_form": due_form,
            "legal_basis": lppd.LEGAL_BASIS,
        },
        status=status,
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, _year(request.GET.get("year", "")))


def _region(request: HttpRequest, code: str, year: int) -> Region:
    """A region of the year's universe whose annex the user follows, else 404."""
    region = selectors.regions_for(request.user, year).filter(code=code).first()
    if region is None:
        raise Http404
    return region


def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    """In scope (the row is visible) but not this user's to hand in: 403 with the reason."""
    return render(request, "reporting/review/forbidden.html", {"message": str(error)}, status=403)


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('reporting:lppd')}?year={year}")


def _refused(
    request: HttpRequest, year: int, key: str, form: Any, error: ValidationError
) -> HttpResponse:
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)
    stale = "version" in error.message_dict
    return _page(request, year, forms={key: form}, status=409 if stale else 422)


def _step(
    request: HttpRequest,
    code: str,
    year: int,
    form: Any,
    run: Callable[[Region, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Hand-in and withdraw: the form, the service, and the page again with what was typed
    when refused (422; 409 when stale), 403 when the row is visible but not the user's."""
    region = _region(request, code, year)
    key = form.prefix
    if not form.is_valid():
        return _page(request, year, forms={key: form}, status=422)
    try:
        run(region, form.cleaned_data)
    except PermissionDenied as e:
        return _forbidden(request, e)
    except ValidationError as e:
        return _refused(request, year, key, form, e)
    messages.success(request, done)
    return _back(year)


@login_required
@require_POST
def hand_in(request: HttpRequest, code: str, year: int) -> HttpResponse:
    def run(region: Region, data: dict[str, Any]) -> object:
        return services.hand_in(
            request.user, region, year, note=data["note"], seen_version=data["version"]
        )

    form = HandInForm(request.POST, prefix=f"in-{code}")
    done = _("Lampiran LPPD %(y)s diserahkan.") % {"y": year}
    return _step(request, code, year, form, run, done)


@login_required
@require_POST
def withdraw(request: HttpRequest, code: str, year: int) -> HttpResponse:
    def run(region: Region, data: dict[str, Any]) -> object:
        return services.withdraw(
            request.user, region, year, reason=data["reason"], seen_version=data["version"]
        )

    form = WithdrawForm(request.POST, prefix=f"out-{code}")
    return _step(request, code, year, form, run, _("Penyerahan lampiran ditarik."))


@login_required
@require_http_methods(["POST"])
def due_date(request: HttpRequest, year: int) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    if not 2000 <= year <= 2100:
        raise Http404
    if not selectors.may_set_due_date(request.user):
        return render(
            request,
            "reporting/review/forbidden.html",
            {"message": _("Hanya Bangda yang dapat mengubah batas waktu lampiran LPPD.")},
            status=403,
        )
    form = DueDateForm(request.POST)
    if not form.is_valid():
        return _page(request, year, forms={"due": form}, status=422)
    try:
        services.set_due_date(
            request.user,
            year,
            form.cleaned_data["due_date"],
            reason=form.cleaned_data["reason"],
            seen_version=form.cleaned_data["version"],
        )
    except ValidationError as e:
        return _refused(request, year, "due", form, e)
    messages.success(request, _("Batas waktu lampiran LPPD %(y)s disimpan.") % {"y": year})
    return _back(year)


def export_rows(found: list[selectors.Row]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Kode wilayah"),
        _("Wilayah"),
        _("Tingkat"),
        _("Status"),
        _("Diserahkan pada"),
        _("Indeks tahunan saat diserahkan"),
        _("Indeks tahunan saat ini"),
        _("Layanan terhitung"),
        _("Layanan diharapkan"),
        _("Angka final"),
    ]
    out = []
    for r in found:
        a = r.annex
        sent = lppd.handed_in_on(a.submitted_at) if a else None
        overall = r.annual.overall
        out.append(
            [
                r.region.code,
                r.region.name,
                r.level_label,
                r.label,
                sent.isoformat() if isinstance(sent, dt.date) else "",
                a.annual_index if a and a.submitted_at else None,
                r.index,
                overall.reported,
                len(r.annual.lines),
                _("ya") if r.annual.complete_year else _("tidak"),
            ]
        )
    return headers, out


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    year = _year(request.GET.get("year", ""))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    headers, body = export_rows(_filtered(request, selectors.rows(request.user, year)))
    name = f"lampiran-lppd-{year}"
    if fmt == "csv":
        return exports.csv_response(headers, body, f"{name}.csv")
    return exports.xlsx_response(headers, body, f"{name}.xlsx", f"LPPD {year}")
