"""A report's data-quality flags: the operator explains a warning, the verifier marks one
"checked — correct". Both answer HTMX with the section's flags (and the workflow bar, whose
Ajukan/Verifikasi follow), or redirect back without it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regions.scoping import Action, AnyUser, may_edit_report_data, scoped_get
from reporting.entry import locks
from reporting.models import Report, ReportCheck, Section
from reporting.quality import follow_up, selectors, services

# Sections of the report form that show data-quality flags (``ValidationRule.section``).
CHECK_SECTIONS = tuple(Section.values)


def section_context(report: Report, user: AnyUser, *, review: bool = False) -> dict[str, Any]:
    """What ``reporting/quality/_checks.html`` needs: the flags by section, and who may act."""
    checks = selectors.checks_of(report.pk)
    by_section: dict[str, list[ReportCheck]] = {}
    for c in checks:
        by_section.setdefault(c.section, []).append(c)
    confirmable = bool(checks) and review and follow_up.may_confirm(checks[0], user)
    return {
        "checks_by_section": by_section,
        "checks_all": checks,
        "check_counts": selectors.Counts(
            errors=sum(1 for c in checks if c.is_error),
            warnings=sum(1 for c in checks if not c.is_error),
            unexplained=sum(1 for c in checks if c.needs_explanation),
        ),
        "may_explain": locks.entry_lock_reason(report, user) is None,
        "may_confirm_checks": confirmable,
        "checks_review": review,
    }


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reporting/review/forbidden.html", {"message": message}, status=403)


def _check(request: HttpRequest, pk: int, check_pk: int) -> tuple[Report, ReportCheck]:
    report = scoped_get(Report, request.user, Action.VIEW, pk=pk)
    check = get_object_or_404(
        ReportCheck.objects.select_related("rule"), pk=check_pk, report_id=report.pk
    )
    return report, check


def _answer(
    request: HttpRequest, report: Report, check: ReportCheck, *, review: bool, error: str = "",
    typed: str = "",
) -> HttpResponse:  # fmt: skip
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, error)
        name = "reporting:report_review" if review else "reporting:report_detail"
        return redirect(reverse(name, args=[report.pk]) + f"#checks-{check.section}")
    report = Report.objects.select_related(
        "region", "period", "service_type__sector", "agency", "updated_by"
    ).get(pk=report.pk)
    ctx = {
        "report": report,
        "section_name": check.section,
        "check_error": error,
        "check_error_id": check.pk if error else None,
        "check_typed": typed,
        **section_context(report, request.user, review=review),
    }
    html = render_to_string("reporting/quality/_checks.html", ctx, request=request)
    html += render_to_string(
        "reporting/_workflow_bar.html",
        {
            "report": report,
            "submission": None,
            "oob": True,
            # Its buttons return to the page the flag was answered on, not to this URL.
            "workflow_next": reverse(
                "reporting:report_review" if review else "reporting:report_detail",
                args=[report.pk],
            ),
        },
        request=request,
    )
    response = HttpResponse(html, status=422 if error else 200)
    response["HX-Retarget"] = f"#checks-{check.section}"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_POST
def check_explain(request: HttpRequest, pk: int, check_pk: int) -> HttpResponse:
    report, check = _check(request, pk, check_pk)
    if not may_edit_report_data(request.user, report):
        return _forbidden(request, _("Hanya operator perangkat daerah pemilik laporan."))
    text = request.POST.get("explanation", "")
    try:
        follow_up.explain(check, request.user, text)
    except services.CheckError as exc:
        return _answer(request, report, check, review=False, error=str(exc), typed=text)
    if not getattr(request, "htmx", False):
        messages.success(request, _("Penjelasan disimpan."))
    return _answer(request, report, check, review=False)


@login_required
@require_POST
def check_confirm(request: HttpRequest, pk: int, check_pk: int) -> HttpResponse:
    report, check = _check(request, pk, check_pk)
    if not follow_up.may_confirm(check, request.user):
        return _forbidden(request, _("Hanya verifikator wilayah ini yang dapat menandai temuan."))
    undo = request.POST.get("undo") == "1"
    note = request.POST.get("note", "")
    try:
        follow_up.confirm(check, request.user, note, undo=undo)
    except services.CheckError as exc:
        return _answer(request, report, check, review=True, error=str(exc), typed=note)
    if not getattr(request, "htmx", False):
        messages.success(
            request, _("Tanda diperiksa dibatalkan.") if undo else _("Ditandai sudah diperiksa.")
        )
    return _answer(request, report, check, review=True)
