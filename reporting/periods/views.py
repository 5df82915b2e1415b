"""Pages of the periods area (Bangda's): the national calendar of quarters with its CSV/XLSX,
providing a year, due date and late entry, opening a period (a background job whose row the
page polls), closing it, and the regions a period is measured against.

Every page but the list is Bangda's; for anyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from espm import exports
from regions.models import Level
from regions.scoping import sees_everything
from reporting.models import Period, PeriodOpening, Report
from reporting.periods import services
from reporting.periods.forms import PeriodForm, YearForm
from reporting.rules import universe


def _require_bangda(request: HttpRequest) -> None:
    if not sees_everything(request.user):
        raise Http404


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    periods = list(Period.objects.order_by("-year", "quarter"))
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        headers = [
            _("Tahun"),
            _("Triwulan"),
            _("Batas waktu"),
            _("Status"),
            _("Terlambat diizinkan"),
        ]
        data = [
            [
                p.year,
                p.quarter_label,
                p.due_date.isoformat(),
                p.get_state_display(),
                _("ya") if p.allow_late else _("tidak"),
            ]
            for p in periods
        ]
        return exports.table_download(headers, data, "periode", export)
    return _period_page(request, periods)


def _period_page(
    request: HttpRequest,
    periods: list[Period],
    bound: dict[int, PeriodForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The period list; ``bound`` keeps a refused edit's typed values in its row."""
    is_bangda = sees_everything(request.user)
    rows = _period_rows(request, periods, is_bangda)
    for row in rows:
        if bound and row["period"].pk in bound:
            row["form"] = bound[row["period"].pk]
    return render(
        request,
        "reporting/period_list.html",
        {
            "rows": rows,
            "is_bangda": is_bangda,
            "year_form": YearForm(initial={"year": timezone.localdate().year}),
        },
        status=status,
    )


def _period_rows(
    request: HttpRequest, periods: list[Period], is_bangda: bool
) -> list[dict[str, Any]]:
    """One table row per period: its reports in the user's scope, and for Bangda the edit form
    and the latest opening run (progress while it runs, then who opened it and the result)."""
    report_counts = dict(
        Report.objects.visible_to(request.user)
        .filter(period__in=periods)
        .order_by()
        .values_list("period_id")
        .annotate(n=Count("id"))
        .values_list("period_id", "n")
    )
    openings: dict[int, PeriodOpening] = {}
    if is_bangda:
        for job in PeriodOpening.objects.filter(period__in=periods).select_related("requested_by"):
            openings.setdefault(job.period_id, job)  # newest first (Meta.ordering)
    return [
        {
            "period": p,
            "reports": report_counts.get(p.pk, 0),
            "opening": openings.get(p.pk),
            "form": PeriodForm(
                initial={"due_date": p.due_date, "allow_late": p.allow_late, "version": p.version},
                prefix=f"p{p.pk}",
            ),
        }
        for p in periods
    ]


@login_required
@require_POST
def period_create(request: HttpRequest) -> HttpResponse:
    _require_bangda(request)
    form = YearForm(request.POST)
    if form.is_valid():
        services.ensure_periods(form.cleaned_data["year"], request.user)
        messages.success(
            request, _("Periode TW I–IV %(year)s tersedia.") % {"year": form.cleaned_data["year"]}
        )
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("reporting:period_list")


@login_required
@require_POST
def period_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bangda(request)
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise Http404
    form = PeriodForm(request.POST, prefix=f"p{pk}")
    if form.is_valid():
        try:
            services.update_period(pk, request.user, **form.cleaned_data)
        except services.PeriodChanged as exc:
            # Keep what was typed, now against the current version: saving again is a
            # decision made knowing the other change, which the message spells out.
            messages.error(request, str(exc))
            data = request.POST.copy()
            data[form.add_prefix("version")] = str(exc.period.version)
            periods = list(Period.objects.order_by("-year", "quarter"))
            return _period_page(
                request, periods, {pk: PeriodForm(data, prefix=f"p{pk}")}, status=409
            )
        messages.success(request, _("Periode %(p)s diperbarui.") % {"p": period})
        return redirect("reporting:period_list")
    messages.error(
        request,
        _("Periode %(p)s: %(err)s")
        % {"p": period, "err": " ".join(str(e) for errs in form.errors.values() for e in errs)},
    )
    periods = list(Period.objects.order_by("-year", "quarter"))
    return _period_page(request, periods, {pk: form}, status=400)


@login_required
@require_POST
def period_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue opening the period for every region (a Celery task) and return at once; the
    period's row then shows the run's progress (``period_opening``)."""
    _require_bangda(request)
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise Http404
    try:
        job, started = services.request_open_period(pk, request.user)
    except services.PeriodError as exc:
        messages.error(request, str(exc))
        return redirect("reporting:period_list")
    job.refresh_from_db()  # eager Celery (no broker) has already run it
    if job.status == PeriodOpening.Status.DONE:
        messages.success(
            request,
            _("Periode %(p)s dibuka: %(n)s laporan baru untuk %(r)s wilayah.")
            % {"p": period, "n": job.reports_created, "r": job.regions_total},
        )
    elif job.status == PeriodOpening.Status.FAILED:
        messages.error(
            request,
            _("Periode %(p)s gagal dibuka: %(err)s") % {"p": period, "err": job.message},
        )
    elif started:
        messages.info(
            request,
            _("Periode %(p)s sedang dibuka untuk semua wilayah; kemajuannya tampil di bawah.")
            % {"p": period},
        )
    else:
        messages.info(
            request,
            _("Periode %(p)s sudah sedang dibuka oleh %(who)s; tidak dimulai dua kali.")
            % {"p": period, "who": job.requested_by},
        )
    return redirect(f"{reverse('reporting:period_list')}#period-{pk}")


@login_required
@require_GET
def period_opening(request: HttpRequest, pk: int) -> HttpResponse:
    """The period's table row, polled by HTMX while it is being opened (Bangda only)."""
    _require_bangda(request)
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise Http404
    if not _htmx(request):
        return redirect(f"{reverse('reporting:period_list')}#period-{pk}")
    (row,) = _period_rows(request, [period], True)
    return render(request, "reporting/_period_row.html", {"row": row, "is_bangda": True})


@login_required
@require_POST
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bangda(request)
    if not Period.objects.filter(pk=pk).exists():
        raise Http404
    try:
        services.close_period(pk, request.user)
        messages.success(request, _("Periode ditutup."))
    except services.PeriodError as exc:
        messages.error(request, str(exc))
    return redirect("reporting:period_list")


LEVEL_NAMES = dict(Level.choices)


@login_required
@require_http_methods(["GET", "POST"])
def period_universe(request: HttpRequest, pk: int) -> HttpResponse:
    """The regions a period is measured against, and Bangda's recorded changes to them."""
    _require_bangda(request)
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise Http404
    typed = {"add": "", "remove": "", "reason": ""}
    status = 200
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in typed}
        try:
            universe.change(
                period,
                request.user,
                add=typed["add"].replace(",", " ").split(),
                remove=typed["remove"].replace(",", " ").split(),
                reason=typed["reason"],
            )
        except universe.UniverseError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(request, _("Wilayah pelapor %(p)s diperbarui.") % {"p": period})
            return redirect("reporting:period_universe", pk=pk)
    counts = universe.counts(period)
    return render(
        request,
        "reporting/period_universe.html",
        {
            "period": period,
            "counts": [(str(LEVEL_NAMES[level]), n) for level, n in counts.items()],
            "total": sum(counts.values()),
            "has_snapshot": universe.has_snapshot(period),
            "changes": period.universe_changes.select_related("actor"),
            "typed": typed,
        },
        status=status,
    )
