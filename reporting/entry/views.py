"""Data-entry pages: report list + exports, the report form and its HTMX sections, evidence.

Views are thin: scoping through `scoped_get`/`visible_to` (out of scope → 404), rules in
`reporting.entry.locks`, writes in `reporting.entry.services`, reads in `reporting.entry.selectors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from espm import exports
from espm.reads import building_response
from indicators.models import Sector
from regions.models import Agency
from regions.scoping import Action, scoped_get
from reporting import reads
from reporting.documents import services as documents
from reporting.entry import locks, selectors, services
from reporting.entry.evidence import ACCEPT_ATTR, human_size, max_bytes, open_stored, preview_kind
from reporting.entry.forms import (
    BudgetLineForm,
    EvidenceForm,
    ProblemsForm,
    QualityForm,
    RecipientsForm,
    StagesForm,
    VersionOnlyForm,
)
from reporting.models import BudgetLine, Evidence, Period, Report
from reporting.periods import selectors as period_selectors
from reporting.quality import check_views as quality_views
from reporting.review import selectors as review_selectors
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import capaian

SECTIONS = ("recipients", "quality", "stages", "problems")
PAGE_SIZE = 50


# ---------------------------------------------------------------- helpers


def _get_report(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Report:
    """The report in the user's scope for ``action`` (else 404, as ``scoped_get``), with what
    the page header shows, in one query."""
    report = (
        Report.objects.visible_to(request.user, action)
        .select_related("region", "period", "service_type__sector", "agency", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _form(report: Report, name: str, rows: list[Any], stages: Callable[[], list[Any]]) -> Any:
    """One section's form as stored (the page's fields and the base a save starts from)."""
    v = {"version": report.version}
    if name == "recipients":
        dims = reads.dimensions_of(report.service_type)
        initial = {
            **v,
            "recipients_served": report.recipients_served,
            **RecipientsForm.initial_for(report.recipients_breakdown, dims),
        }
        return RecipientsForm(initial=initial, dimensions=dims)
    if name == "quality":
        return QualityForm(
            initial=v, rows=rows, required_editable=selectors.required_editable(report)
        )
    if name == "stages":
        return StagesForm(initial=v, stages=stages())
    if name == "problems":
        return ProblemsForm(
            initial={**v, "problems": report.problems, "solutions": report.solutions}
        )
    if name == "budget_new":
        form = BudgetLineForm(initial=v, prefix="new")
        form.with_nomenclature(reverse("reporting:budget_nomenclature", args=[report.pk]))
        return form
    if name == "evidence":
        return EvidenceForm(stages=stages(), quality=rows)
    raise KeyError(name)


class _Forms(Mapping[str, Any]):
    """The report's section forms, each built when first read: the whole page reads them all,
    a save's response only the saved section's (its stored values)."""

    NAMES = ("recipients", "quality", "stages", "problems", "budget_new", "evidence")

    def __init__(
        self,
        report: Report,
        rows: list[Any],
        stages: Callable[[], list[Any]],
        overrides: dict[str, Any],
    ) -> None:
        self._report, self._rows, self._stages = report, rows, stages
        self._built: dict[str, Any] = dict(overrides)
        kept = overrides.get("budget_new")  # what the user typed into the add form
        if isinstance(kept, BudgetLineForm):
            kept.with_nomenclature(reverse("reporting:budget_nomenclature", args=[report.pk]))

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = _form(self._report, name, self._rows, self._stages)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


def _budget_rows(
    report: Report, overrides: dict[int, BudgetLineForm] | None = None
) -> list[dict[str, Any]]:
    from indicators.selectors import known_budget_codes

    rows = []
    lines = selectors.report_budget(report)
    url = reverse("reporting:budget_nomenclature", args=[report.pk])
    known = known_budget_codes(
        c for line in lines for c in (line.activity_code, line.sub_activity_code)
    )
    for line in lines:
        form = (overrides or {}).get(line.pk) or BudgetLineForm(
            initial={
                "version": report.version,
                **{f: getattr(line, f) for f in services.BUDGET_FIELDS},
            },
            prefix=f"b{line.pk}",
        )
        form.with_nomenclature(url)
        unknown = [c for c in (line.activity_code, line.sub_activity_code) if c and c not in known]
        rows.append({"line": line, "form": form, "unknown_codes": unknown})
    return rows


def _budget_suggestions(report: Report) -> list[Any]:
    from indicators.selectors import search_nomenclature

    return search_nomenclature(
        "", sector=report.service_type.sector.code, service_code=report.service_type.code
    )


def _once(build: Callable[[], Any]) -> Callable[[], Any]:
    """A context value built on first use and kept: templates call it when they read it.

    A save's response shows the capaian panel, the buttons and the flags, not every form,
    budget row, nomenclature suggestion and evidence file of the report; those are only
    queried when a template (the whole page, one section) actually reads them.
    """
    return cache(build)


def _context(
    request: HttpRequest,
    report: Report,
    overrides: dict[str, Any] | None = None,
    budget_overrides: dict[int, BudgetLineForm] | None = None,
    conflict: services.StaleVersion | None = None,
    conflict_section: str = "",
    refusal: str = "",
) -> dict[str, Any]:
    rows = selectors.report_quality_rows(report)
    stages = _once(lambda: selectors.report_stages(report))
    evidence = _once(lambda: selectors.report_evidence(report))
    budget = _once(lambda: selectors.report_budget(report))
    lock_reason = locks.entry_lock_reason(report, request.user)

    def evidence_by(field: str) -> dict[int, list[Evidence]]:
        grouped: dict[int, list[Evidence]] = {}
        for ev in evidence():
            key = getattr(ev, field)
            if key:
                grouped.setdefault(key, []).append(ev)
        return grouped

    return {
        "report": report,
        "submission": locks.submission_for(report),
        "period": report.period,
        "forms": _Forms(report, rows, stages, overrides or {}),
        "budget_rows": _once(lambda: _budget_rows(report, budget_overrides)),
        "budget_totals": _once(lambda: selectors.budget_totals(budget())),
        "budget_suggestions": _once(lambda: _budget_suggestions(report)),
        "evidence": evidence,
        "evidence_by_stage": _once(lambda: evidence_by("stage_id")),
        "evidence_by_quality": _once(lambda: evidence_by("quality_id")),
        "explanation": selectors.explain(report, rows),
        "bands": capaian.bands(),
        "lock_reason": lock_reason,
        "editable": lock_reason is None,
        "due_date": locks.effective_due_date(report),
        "days_left": locks.days_left(report),
        "is_late": locks.is_late(report),
        "earlier": _once(lambda: selectors.served_so_far(report)),
        "conflict": conflict,
        "conflict_section": conflict_section,
        "refusal": refusal,
        "max_upload": human_size(max_bytes()),
        "accept": ACCEPT_ATTR,
        # The verifier's notes and the return's pointers, shown beside their sections.
        "feedback": _once(lambda: review_selectors.operator_feedback(report)),
        # Data-quality flags, beside the section whose values raised them.
        **quality_views.section_context(report, request.user),
        "check_sections": quality_views.CHECK_SECTIONS,
    }


def _render_detail(
    request: HttpRequest, report: Report, tab: str = "isian", status: int = 200, **extra: Any
) -> HttpResponse:
    with building_response():
        ctx = _context(request, report, **extra)
        ctx["tab"] = tab
        if tab == "riwayat":
            ctx["history"] = selectors.history(report)
        return render(request, "reporting/report_detail.html", ctx, status=status)


def _section_response(
    request: HttpRequest,
    report: Report,
    section: str,
    status: int,
    **extra: Any,
) -> HttpResponse:
    """Re-render one section (errors, conflicts) keeping what the user typed."""
    if status >= 400:
        extra.setdefault("conflict_section", section)  # the section says "belum tersimpan"
    if not _htmx(request):
        return _render_detail(request, report, status=status, **extra)
    with building_response():
        ctx = _context(request, report, **extra)
        html = render_to_string(f"reporting/sections/_{section}.html", ctx, request=request)
    response = HttpResponse(html, status=status)
    response["HX-Retarget"] = f"#sec-{section}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _saved_response(
    request: HttpRequest,
    report: Report,
    section: str,
    swap_section: bool = False,
    focus: str = "",
) -> HttpResponse:
    """After a good save: a 'saved' note, plus out-of-band capaian panel and version.

    A section swapped whole takes the focus with it; ``focus`` says where it lands instead
    ("new": the add form's first field, "heading": the section heading)."""
    if not _htmx(request):
        messages.success(request, _("Tersimpan."))
        return redirect(
            reverse("reporting:report_detail", kwargs={"pk": report.pk}) + f"#sec-{section}"
        )
    with building_response(reads.carried(report)):
        ctx = _context(request, report)
        ctx.update(
            {
                "section": section,
                "saved_at": timezone.localtime(),
                "swap_section": swap_section,
                "focus": focus,
            }
        )
        if focus == "new":
            ctx["forms"]["budget_new"].focus()
        # The submit button and its checks follow the save; its form returns to the report page.
        ctx["workflow_next"] = reverse("reporting:report_detail", kwargs={"pk": report.pk})
        if section in SECTIONS:
            # What is stored now, as the section's fields show it: the next save starts from it.
            ctx["stored"] = json.dumps(dict(ctx["forms"][section].bases()))
        html = render_to_string("reporting/_saved.html", ctx, request=request)
    response = HttpResponse(html)
    if swap_section:
        response["HX-Retarget"] = f"#sec-{section}"
        response["HX-Reswap"] = "outerHTML"
    else:
        response["HX-Retarget"] = f"#status-{section}"
        response["HX-Reswap"] = "innerHTML"
    return response


def _refused(
    request: HttpRequest, report: Report, section: str, exc: services.EntryError, **extra: Any
) -> HttpResponse:
    if isinstance(exc, services.StaleVersion):
        fresh = _get_report(request, report.pk)
        return _section_response(
            request, fresh, section, 409, conflict=exc, conflict_section=section, **extra
        )
    fresh = _get_report(request, report.pk)
    if not _htmx(request):
        messages.error(request, str(exc))
    return _section_response(
        request, fresh, section, 403, refusal=str(exc), conflict_section=section, **extra
    )


# ---------------------------------------------------------------- report list + exports


def _list_filters(request: HttpRequest) -> selectors.ReportFilters:
    f = selectors.ReportFilters.from_query(request.GET)
    if f.period is None:
        current = period_selectors.current_period()
        f.period = current.pk if current else None
    return f


def _stream_csv(qs: QuerySet[Report]) -> StreamingHttpResponse:
    """The list as CSV, whatever its length: lines leave as the rows are read (a national
    quarter's first bytes arrive before the last rows are fetched)."""
    headers, rows = selectors.report_table(qs)
    filename = f"espm-laporan-{timezone.localdate().isoformat()}.csv"
    return exports.csv_stream_response(headers, rows, filename)


def _export_list(
    request: HttpRequest, f: selectors.ReportFilters, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """CSV streams at once; a short XLSX downloads at once, a long one is a job (a workbook
    is built whole before its first byte: its page shows progress)."""
    qs = selectors.report_list(request.user, f)
    if fmt == "csv":
        return _stream_csv(qs)
    if qs.count() <= documents.EXPORT_DIRECT_ROWS:
        headers, rows = selectors.report_table(qs)
        return exports.table_download(headers, list(rows), "laporan", fmt)
    period = Period.objects.filter(pk=f.period).first() if f.period else None
    doc = documents.request_report_list(request.user, f, fmt, period)
    return redirect("reporting:document_status", pk=doc.pk)


@login_required
@require_POST
def report_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The list's *Unduh Excel* / *Unduh CSV* (filters in the query string, as on the page)."""
    fmt = request.POST.get("export", "")
    if fmt not in documents.EXPORT_FORMATS:
        raise Http404
    return _export_list(request, _list_filters(request), fmt)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    f = _list_filters(request)
    qs = selectors.report_list(request.user, f)
    export = request.GET.get("export")
    if export == "csv":
        return _stream_csv(qs)
    if export in documents.EXPORT_FORMATS:
        if qs.count() > documents.EXPORT_DIRECT_ROWS:
            # A GET builds nothing in the background: the buttons (a POST) do.
            messages.info(
                request,
                _(
                    "Daftar ini terlalu panjang untuk diunduh langsung; tekan Unduh Excel atau "
                    "Unduh CSV untuk membuatnya di latar belakang."
                ),
            )
            params = request.GET.copy()
            params.pop("export")
            return redirect(f"{reverse('reporting:report_list')}?{params.urlencode()}")
        headers, rows = selectors.report_table(qs)
        return exports.table_download(headers, list(rows), "laporan", export)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("hal"))
    params = request.GET.copy()
    params.pop("hal", None)
    agencies = Agency.objects.visible_to(request.user).select_related("region")
    if f.region:
        agencies = agencies.filter(region__code=f.region)
    return render(
        request,
        "reporting/report_list.html",
        {
            "page": page,
            "filters": f,
            "query": params.urlencode(),
            "periods": Period.objects.exclude(state=Period.State.PLANNED).order_by(
                "-year", "-quarter"
            ),
            "sectors": Sector.objects.all(),
            "agencies": agencies[:300] if f.region else [],
            "statuses": Report.Status.choices,
            "bands": [label for _lo, label in capaian.bands()],
            "status_counts": selectors.status_counts(qs),
            "band_counts": selectors.band_counts(qs),
            "total": page.paginator.count,
            "sorts": selectors.SORTS,
            "not_entered": selectors.NOT_ENTERED,
            "incomplete": selectors.INCOMPLETE,
        },
    )


# ---------------------------------------------------------------- the report page


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report(request, pk)
    tab = request.GET.get("tab", "isian")
    return _render_detail(
        request, report, tab if tab in ("isian", "riwayat", "linimasa") else "isian"
    )


@login_required
@require_GET
def report_history(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report(request, pk)
    if _htmx(request):
        return render(
            request,
            "reporting/_history.html",
            {"history": selectors.history(report), "report": report},
        )
    return _render_detail(request, report, "riwayat")


@login_required
@require_POST
def report_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    report = _get_report(request, pk, Action.CHANGE)
    # Read only by the sections whose form lists them.
    rows = _once(lambda: selectors.report_quality_rows(report))
    stages = _once(lambda: selectors.report_stages(report))
    dims = _once(lambda: breakdown_rules.dimensions_of(report.service_type))
    form = _rebind(section, request.POST, rows, stages, report, dims)
    if not form.is_valid():
        return _section_response(request, report, section, 422, overrides={section: form})
    version = form.cleaned_data["version"]
    # A save carries what the person started from (base-* inputs): merged field by field.
    base_data = form.base_data(request.POST)
    base_form = _rebind(section, base_data, rows, stages, report, dims) if base_data else None
    try:
        if base_form is not None and base_form.is_valid():
            report = services.save_fields(
                pk, request.user, form.field_values(), base_form.field_values()
            )
        elif section == "recipients":
            report = services.save_recipients(
                pk,
                request.user,
                version,
                served=form.cleaned_data["recipients_served"],
                breakdown=form.cleaned_data["breakdown"],
            )
        elif section == "quality":
            report = services.save_quality(pk, request.user, version, form.values())
        elif section == "stages":
            report = services.save_stages(pk, request.user, version, form.values())
        else:
            report = services.save_problems(
                pk,
                request.user,
                version,
                problems=form.cleaned_data["problems"],
                solutions=form.cleaned_data["solutions"],
            )
    except services.EntryError as exc:
        # Keep exactly what the user typed; only the version moves so a second save is deliberate.
        data = request.POST.copy()
        data["version"] = str(Report.objects.values_list("version", flat=True).get(pk=pk))
        kept = _rebind(section, data, rows, stages, report, dims)
        kept.is_valid()
        if isinstance(exc, services.StaleVersion) and exc.theirs:
            _offer_choice(kept, exc)
        return _refused(request, report, section, exc, overrides={section: kept})
    if section == "recipients":
        reads.remember_dimensions(report, dims())  # catalog rows: the answer's form shows them
    return _saved_response(request, _as_stored(report), section)


def _as_stored(report: Report) -> Report:
    """The instance a save has just written, for its response: every field is what was stored
    (the report's triggers write other tables only), so it is not read again; relations read
    before the write are dropped."""
    report.__dict__.pop("_prefetched_objects_cache", None)
    return report


def _offer_choice(form: Any, exc: services.StaleVersion) -> None:
    """After a field conflict: the next save starts from theirs, and each conflicting row of
    the table can put theirs back into its field ("use theirs") or keep what was typed."""
    names = form.field_keys()
    form.base_text = {
        names[key]: form.text_of(key, value) for key, value in exc.theirs.items() if key in names
    }
    choosable = getattr(form, "choosable", lambda key: True)
    for change in exc.changes:
        if change.key in names and choosable(change.key):
            change.field_name = names[change.key]
            change.theirs_text = form.text_of(change.key, exc.theirs[change.key])


def _rebind(
    section: str,
    data: Any,
    rows: Callable[[], list[Any]],
    stages: Callable[[], list[Any]],
    report: Report,
    dims: Callable[[], tuple[Any, ...]],
) -> Any:
    """The section's form bound to what was posted (or kept after a refused save)."""
    if section == "recipients":
        return RecipientsForm(data, dimensions=dims())
    if section == "quality":
        return QualityForm(data, rows=rows(), required_editable=selectors.required_editable(report))
    if section == "stages":
        return StagesForm(data, stages=stages())
    return ProblemsForm(data)


@login_required
@require_POST
def budget_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report(request, pk, Action.CHANGE)
    form = BudgetLineForm(request.POST, prefix="new")
    if not form.is_valid():
        return _section_response(
            request, report, "budget", 422, overrides={"budget_new": form.focus()}
        )
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        services.save_budget_line(pk, request.user, form.cleaned_data["version"], None, data)
    except services.EntryError as exc:
        post = request.POST.copy()
        post["new-version"] = str(Report.objects.values_list("version", flat=True).get(pk=pk))
        kept = BudgetLineForm(post, prefix="new")
        kept.is_valid()
        return _refused(request, report, "budget", exc, overrides={"budget_new": kept})
    return _saved_response(
        request, _get_report(request, pk), "budget", swap_section=True, focus="new"
    )


@login_required
@require_POST
def budget_update(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    report = _get_report(request, pk, Action.CHANGE)
    if not BudgetLine.objects.filter(pk=line_id, report=report).exists():
        raise Http404
    form = BudgetLineForm(request.POST, prefix=f"b{line_id}")
    if not form.is_valid():
        return _section_response(request, report, "budget", 422, budget_overrides={line_id: form})
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        services.save_budget_line(pk, request.user, form.cleaned_data["version"], line_id, data)
    except services.EntryError as exc:
        post = request.POST.copy()
        post[f"b{line_id}-version"] = str(
            Report.objects.values_list("version", flat=True).get(pk=pk)
        )
        kept = BudgetLineForm(post, prefix=f"b{line_id}")
        kept.is_valid()
        return _refused(request, report, "budget", exc, budget_overrides={line_id: kept})
    return _saved_response(request, _get_report(request, pk), "budget")


@login_required
@require_POST
def budget_delete(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    report = _get_report(request, pk, Action.CHANGE)
    if not BudgetLine.objects.filter(pk=line_id, report=report).exists():
        raise Http404
    form = VersionOnlyForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.delete_budget_line(pk, request.user, version, line_id)
    except services.EntryError as exc:
        return _refused(request, report, "budget", exc)
    return _saved_response(
        request, _get_report(request, pk), "budget", swap_section=True, focus="heading"
    )


# ---------------------------------------------------------------- evidence


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report(request, pk, Action.CHANGE)
    rows = selectors.report_quality_rows(report)
    stages = selectors.report_stages(report)
    form = EvidenceForm(request.POST, request.FILES, stages=stages, quality=rows)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        stage_id, quality_id = form.target()
        try:
            services.add_evidence(
                pk,
                request.user,
                upload,
                name=upload.name,
                size=upload.size,
                description=form.cleaned_data["description"],
                stage_id=stage_id,
                quality_id=quality_id,
            )
        except services.EntryLocked as exc:
            return _refused(request, report, "evidence", exc)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _saved_response(request, _get_report(request, pk), "evidence", swap_section=True)
    return _section_response(request, report, "evidence", 422, overrides={"evidence": form})


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = scoped_get(Evidence, request.user, Action.VIEW, pk=pk, deleted_at__isnull=True)
    response = FileResponse(
        open_stored(evidence.file),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The preview's own policy: nothing runs or loads in it. A PDF is framed by the review page
# (this site only) and drops `sandbox`: Chromium will not start its PDF viewer in a sandboxed
# document. An image is shown by <img> and is never framed.
PREVIEW_HEADERS = {
    "pdf": {
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'; "
        "base-uri 'none'; form-action 'none'",
        "X-Frame-Options": "SAMEORIGIN",
    },
    "image": {
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; "
        "frame-ancestors 'none'; sandbox",
        "X-Frame-Options": "DENY",
    },
}


@login_required
@require_GET
def evidence_preview(request: HttpRequest, pk: int) -> FileResponse:
    """A PDF or an image shown inline on the review page (iframe / img), through the same
    scoping as the download; any other kind is only downloaded (404 here)."""
    evidence = scoped_get(Evidence, request.user, Action.VIEW, pk=pk, deleted_at__isnull=True)
    kind = preview_kind(evidence.content_type)
    if kind is None:
        raise Http404
    response = FileResponse(
        open_stored(evidence.file),
        as_attachment=False,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    for header, value in PREVIEW_HEADERS[kind].items():
        response[header] = value
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = scoped_get(Evidence, request.user, Action.CHANGE, pk=pk, deleted_at__isnull=True)
    report = _get_report(request, evidence.report_id)
    try:
        services.delete_evidence(pk, request.user)
    except services.EntryLocked as exc:
        return _refused(request, report, "evidence", exc)
    return _saved_response(request, _get_report(request, report.pk), "evidence", swap_section=True)


@login_required
@require_GET
def budget_nomenclature(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget section's search-as-you-type list (``<option>``s for its datalist): kegiatan
    or sub kegiatan of the report's sector, the service type's usual ones first."""
    from indicators.selectors import search_nomenclature

    report = _get_report(request, pk)
    field, q = "", str(request.GET.get("q", ""))
    for name in request.GET:
        if name.endswith("activity_code"):
            field, q = name, str(request.GET.get(name, ""))
    level = None
    if field:
        level = "sub_activity" if field.endswith("sub_activity_code") else "activity"
    options = search_nomenclature(
        q.strip(),
        sector=report.service_type.sector.code,
        service_code=report.service_type.code,
        level=level,
    )
    return render(request, "reporting/sections/_budget_options.html", {"options": options})
