"""Pages of the review chain. Thin: every step goes through `reporting.workflow.transition`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from espm.parsing import parse_int
from espm.reads import building_response
from regions.middleware import signed_in
from regions.scoping import Action, scoped_get
from reporting import (
    notifications,
    recap,
    workflow,
)
from reporting.documents import services as documents
from reporting.models import Notification, RegionSubmission, Report, Section
from reporting.quality import check_views as quality_views
from reporting.quality import selectors as quality_selectors
from reporting.review import selectors as review_selectors
from reporting.review import services as review_services
from reporting.rules import windows


def _safe_next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return default


def _int(value: str | None) -> int | None:
    return parse_int(value)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "reporting/review/forbidden.html", {"message": message}, status=403)
    return response


# ---------------------------------------------------------------- one report


def _report(request: HttpRequest, pk: int) -> Report:
    """The report in the user's scope (else 404), with what the page prints of it: one query."""
    report = (
        Report.objects.visible_to(request.user, Action.VIEW)
        .select_related("region", "period", "agency", "service_type__sector")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def _report_page(
    request: HttpRequest, report: Report, *, error: workflow.TransitionError | None = None,
    typed: dict[str, Any] | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    """The page after every step of the request: its parts share their reads."""
    with building_response():
        context = _report_context(request, report, error=error, typed=typed)
        return render(request, "reporting/review/report_review.html", context, status=status)


def _report_context(
    request: HttpRequest,
    report: Report,
    *,
    error: workflow.TransitionError | None,
    typed: dict[str, Any] | None,
) -> dict[str, Any]:
    submission = workflow.submission_for(report)
    changes = review_selectors.changes_since_return(report)
    return {
        "report": report,
        "submission": submission,
        "problems": workflow.report_problems(report),
        "changes": changes,
        "contents": review_selectors.review_contents(report),
        # The latest return's pointers stay beside their sections for the next review.
        "feedback": review_selectors.section_feedback(
            report, changes.returned if changes else None
        ),
        "may_note": workflow.note_refusal(report, request.user) is None,
        "lock_reason": workflow.review_lock_reason(report, submission),
        "error": error,
        # Someone acted first: the page now shows what they left, to be read again.
        "stale": isinstance(error, workflow.Stale),
        "typed": typed or {},
        # Data-quality flags with the operator's explanations; the verifier follows up.
        **quality_views.section_context(report, request.user, review=True),
        "check_sections": quality_views.CHECK_SECTIONS,
    }


@login_required
@require_GET
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, _report(request, pk))


@login_required
@require_POST
def report_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = _report(request, pk)
    typed: dict[str, Any] = {
        "action": action,
        "reason": request.POST.get("reason", ""),
        "target_exception_reason": request.POST.get("target_exception_reason", ""),
        "sections": request.POST.getlist("sections"),
    }
    try:
        result = workflow.transition(
            report,
            action,
            request.user,
            reason=typed["reason"],
            expected_version=_int(request.POST.get("version")),
            expected_status=request.POST.get("status") or None,
            target_exception_reason=typed["target_exception_reason"],
            sections=typed["sections"],
            # The bar's version: a step acts only on what its actor was shown.
            require_version=True,
        )
    except workflow.NotAllowed as exc:
        return _forbidden(request, exc.message)
    except workflow.TransitionError as exc:
        # The page again as it is now (its bar with the new version), with what was typed.
        report.refresh_from_db()
        return _report_page(request, report, error=exc, typed=typed)
    if result.already_done:
        messages.info(request, _t("Tindakan ini sudah tercatat sebelumnya; tidak diulang."))
    else:
        messages.success(
            request,
            _t("%(label)s: %(report)s — status sekarang %(status)s.")
            % {
                "label": workflow.ACTION_LABELS[action],
                "report": report.service_type.code,
                "status": result.obj.get_status_display(),
            },
        )
    return redirect(_safe_next(request, reverse("reporting:report_review", args=[pk])))


@login_required
@require_POST
def review_note(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """The verifier's note on one section (blank text removes it); back to that section.

    The form carries the note it started from (``base``): a note changed since is not
    replaced — the page comes back with what was typed still in the field, the note as it is
    now beside it, and that note as the next save's base (saving again replaces it knowingly).
    """
    report = _report(request, pk)
    text = request.POST.get("text", "")
    base = request.POST.get("base", "")
    try:
        note = review_services.save_note(report.pk, request.user, section, text, base=base)
    except workflow.NotAllowed as exc:
        return _forbidden(request, exc.message)
    except workflow.TransitionError as exc:
        report.refresh_from_db()
        typed: dict[str, Any] = {"note_section": section, "note_text": text, "note_base": base}
        if isinstance(exc, review_services.NoteChanged):
            current = exc.current.text if exc.current is not None else ""
            typed.update(note_base=current, note_conflict=True)
        return _report_page(request, report, error=exc, typed=typed, status=409)
    label = Section(section).label
    if note is None:
        messages.info(request, _t("Catatan bagian %(s)s dihapus.") % {"s": label})
    else:
        messages.success(request, _t("Catatan bagian %(s)s disimpan.") % {"s": label})
    return redirect(reverse("reporting:report_review", args=[pk]) + f"#sec-{section}")


# ---------------------------------------------------------------- inboxes and bulk verify


@login_required
@require_GET
def review_inbox(request: HttpRequest) -> HttpResponse:
    rows = review_selectors.reports_waiting(request.user)
    flagged_only = request.GET.get("temuan") == "1"
    return render(
        request,
        "reporting/review/inbox.html",
        {
            "rows": [r for r in rows if r.checks] if flagged_only else rows,
            "flagged_only": flagged_only,
            "flagged_count": sum(1 for r in rows if r.checks),
            "waiting_count": len(rows),
            "own": review_selectors.own_submissions(request.user)[:12],
            "ready": review_selectors.ready_to_submit(request.user),
        },
    )


@login_required
def review_bulk_verify(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET or POST without `confirm`): list what passes; step 2 (POST confirm): verify."""
    source = request.POST if request.method == "POST" else request.GET
    ids = sorted({i for i in (_int(x) for x in source.getlist("ids")) if i is not None})
    reports = list(review_selectors.bulk_candidates(request.user, ids))
    if len(reports) != len(ids):
        raise Http404
    spec = workflow.TRANSITIONS[(workflow.Kind.REPORT, "verify")]
    if any(workflow.actor_for(spec, r, request.user) is None for r in reports):
        return _forbidden(
            request, _t("Hanya verifikator wilayah laporan yang dapat memverifikasi.")
        )
    ready, blocked = [], []
    for r in reports:
        # Every check of the table's verify row (complete, region not frozen), as the step runs
        # them: a report the step would refuse is listed apart with why, never as passing.
        actor = workflow.actor_for(spec, r, request.user) or spec.actors[0]
        problems = (
            workflow.step_problems(spec, r, actor) if r.status == Report.Status.SUBMITTED else []
        )
        if r.status != Report.Status.SUBMITTED:
            blocked.append((r, [r.get_status_display()]))
        elif problems:
            blocked.append((r, [p.message for p in problems]))
        elif workflow.authored_by(r, request.user):
            blocked.append((r, [workflow.author_problem(r)]))
        elif target := workflow.target_problem(r):
            # An exception needs its own reason: given one report at a time, on its page.
            blocked.append((r, [target]))
        else:
            ready.append(r)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        # Each report as the confirmation list showed it (its version): one that changed since
        # is refused and named, the others are verified.
        seen = {r.pk: _int(request.POST.get(f"version-{r.pk}")) for r in reports}
        done, refused = workflow.bulk_verify(ready, request.user, seen=seen)
        # Listed as passing, no longer so: named too, never skipped in silence.
        refused += [(r, _bulk_blocked(r, seen[r.pk], why)) for r, why in blocked]
        if done:
            messages.success(request, _t("%(n)d laporan diverifikasi.") % {"n": len(done)})
        for r, why in refused:
            messages.error(request, f"{r.service_type.code}: {why}")
        return redirect("reporting:review_inbox")
    return render(
        request, "reporting/review/bulk_confirm.html", {"ready": ready, "blocked": blocked}
    )


def _bulk_blocked(report: Report, shown: int | None, why: list[str]) -> str:
    """Why a report sent for confirmation is not verified: changed since it was shown (the
    step's own stale message), else what blocks it now."""
    if shown is None:
        return workflow.version_missing().message
    if shown != report.version:
        return workflow.stale_message(report)
    return "; ".join(why)


@login_required
@require_GET
def review_regions(request: HttpRequest) -> HttpResponse:
    waiting = review_selectors.submissions_waiting(request.user)
    return render(
        request,
        "reporting/review/regions.html",
        {
            "pending": [s for s in waiting if s.status == RegionSubmission.Status.SUBMITTED],
            "all": waiting[:300],
            "own": review_selectors.own_submissions(request.user)[:12],
        },
    )


# ---------------------------------------------------------------- region submissions


def _submission(request: HttpRequest, pk: int) -> RegionSubmission:
    return scoped_get(RegionSubmission, request.user, Action.VIEW, pk=pk)


def _submission_page(
    request: HttpRequest, sub: RegionSubmission, *, error: workflow.TransitionError | None = None,
    typed: dict[str, str] | None = None,
) -> HttpResponse:  # fmt: skip
    kabkota = review_selectors.kabkota_standing(sub, request.user)
    reports = (
        Report.objects.visible_to(request.user, Action.VIEW)
        .filter(region_id=sub.region_id, period_id=sub.period_id)
        .select_related("agency", "service_type")
        .order_by("service_type__order", "service_type__code")
    )
    return render(
        request,
        "reporting/review/submission.html",
        {
            "submission": sub,
            "reports": reports,
            "problems": workflow.region_problems(sub, request.user),
            # Never blocks: the year's action plan missing or only a draft.
            "warnings": workflow.region_warnings(sub),
            # Flags still open on its reports (explained warnings): seen before it goes up.
            "open_checks": quality_selectors.open_checks(reports),
            "window": windows.window_problem(sub.period, sub),
            "due_date": windows.effective_due_date(sub.period, sub),
            "can_recap": recap.may_see_submission(request.user, sub),
            # Only the kab/kota this user may see (a province's own agency: none).
            "kabkota": kabkota,
            "not_submitted": kabkota.not_submitted
            if sub.status in (RegionSubmission.Status.IN_PROGRESS, RegionSubmission.Status.RETURNED)
            else [],
            "error": error,
            "stale": isinstance(error, workflow.Stale),
            "typed": typed or {},
        },
    )


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _submission_page(request, _submission(request, pk))


@login_required
@require_POST
def submission_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sub = _submission(request, pk)
    typed = {
        "action": action,
        "reason": request.POST.get("reason", ""),
        "due_date": request.POST.get("due_date", ""),
    }
    try:
        result = workflow.transition(
            sub,
            action,
            request.user,
            reason=typed["reason"],
            expected_version=_int(request.POST.get("version")),
            expected_status=request.POST.get("status") or None,
            due_date=_date(typed["due_date"]),
            require_version=True,
        )
    except workflow.NotAllowed as exc:
        return _forbidden(request, exc.message)
    except workflow.TransitionError as exc:
        sub.refresh_from_db()
        return _submission_page(request, sub, error=exc, typed=typed)
    if result.already_done:
        messages.info(request, _t("Tindakan ini sudah tercatat sebelumnya; tidak diulang."))
    else:
        messages.success(
            request,
            _t("%(label)s: %(region)s — status sekarang %(status)s.")
            % {
                "label": workflow.ACTION_LABELS[action],
                "region": sub.region.name,
                "status": result.obj.get_status_display(),
            },
        )
    return redirect("reporting:submission_detail", pk=pk)


# ---------------------------------------------------------------- province recap


def _recap(request: HttpRequest, pk: int) -> recap.Recap:
    return recap.of_submission(request.user, _submission(request, pk))


@login_required
@require_GET
def recap_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "reporting/review/recap.html", {"recap": _recap(request, pk), "pk": pk})


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def recap_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    # One row per kab/kota (at most ~40): milliseconds, so it stays a direct download.
    r = _recap(request, pk)
    return _download(
        recap.to_xlsx(r),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        recap.filename(r, "xlsx"),
    )


@login_required
@require_POST
def recap_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the recap PDF (seconds of layout) as a document job; its page shows progress."""
    doc = documents.request_recap(request.user, _submission(request, pk))
    return redirect("reporting:document_status", pk=doc.pk)


# ---------------------------------------------------------------- notifications


def _own_notifications(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(user=signed_in(request))


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = _own_notifications(request).order_by("-created_at")[:200]
    return render(request, "reporting/review/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one (`id`) or all of the user's own notifications read; never anyone else's."""
    one = _int(request.POST.get("id"))
    notifications.mark_read(request.user, [one] if one else None)
    if request.headers.get("HX-Request") == "true":  # the bell's own HTMX refresh
        return notifications_bell(request)
    target = ""
    if one:
        target = (
            _own_notifications(request).filter(pk=one).values_list("url", flat=True).first() or ""
        )
    return redirect(_safe_next(request, target or reverse("reporting:notifications")))


@login_required
@require_GET
def notifications_bell(request: HttpRequest) -> HttpResponse:
    return render(request, "partials/bell.html", {})
