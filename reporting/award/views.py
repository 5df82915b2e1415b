"""SPM Award pages: the ranking per year and category (Bangda; a province reviewer reads its
own kab/kota), its XLSX/PDF export, and Bangda's yearly configuration with its history.

The XLSX is written at once (≈ 0.1 s for the 415 kabupaten); the PDF takes seconds of layout,
so it is a document job (``documents.request_award``): a POST queues it, or returns the
requester's identical one, and the status page shows its progress.

Who may see anything here is ``selectors.may_view``; others get 404 (no hint that the page
exists for them). Only Bangda edits the configuration; a reviewer who opens it gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reporting.award import exports, selectors, services
from reporting.award.forms import AwardConfigForm
from reporting.documents import services as documents
from reporting.rules import award


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    if raw:
        raise Http404
    return selectors.years()[0]


def _args(request: HttpRequest) -> tuple[int, str, Any, list[award.Scored], list[str]]:
    if not selectors.may_view(request.user):
        raise Http404
    year = _year(request)
    config = selectors.config_for(year)
    categories = selectors.categories_for(request.user, config)
    category = request.GET.get("category") or (categories[0] if categories else "")
    config, rows = selectors.ranking(request.user, year, category)
    return year, category, config, rows, categories


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    year, category, config, rows, categories = _args(request)
    return render(
        request,
        "reporting/award/ranking.html",
        {
            "year": year,
            "years": selectors.years(),
            "category": category,
            "category_label": award.CATEGORIES[category],
            "categories": [(c, award.CATEGORIES[c]) for c in categories],
            "config": config,
            "criteria": [
                (k, award.COMPONENT_LABELS[k], w, award.COMPONENTS[k]) for k, w in config.weights
            ],
            "rows": rows,
            "may_edit": selectors.may_edit(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _pdf_job(request)
    fmt = request.GET.get("format", "xlsx")
    if fmt == "pdf":
        # A link to the old synchronous PDF builds nothing: back to the page and its button.
        year, category, _config, _rows, _categories = _args(request)
        messages.info(request, _("PDF dibuat di latar: tekan tombol Buat PDF."))
        return redirect(f"{reverse('reporting:award')}?year={year}&category={category}")
    if fmt != "xlsx":
        raise Http404
    year, category, config, rows, _categories = _args(request)
    return exports.xlsx(year, category, config, rows)


def _pdf_job(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    raw = request.POST.get("year", "")
    if not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise Http404
    if request.POST.get("format", "pdf") != "pdf":
        raise Http404
    doc = documents.request_award(request.user, int(raw), request.POST.get("category", ""))
    return redirect("reporting:document_status", pk=doc.pk)


@login_required
@require_http_methods(["GET", "POST"])
def config_edit(request: HttpRequest, year: int) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    if not selectors.may_edit(request.user):
        return render(
            request,
            "reporting/review/forbidden.html",
            {"message": _("Hanya Bangda yang dapat mengubah konfigurasi Penghargaan SPM.")},
            status=403,
        )
    if not 2000 <= year <= 2100:
        raise Http404
    config = selectors.config_for(year)
    form = AwardConfigForm(request.POST or None, config=config)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.save_config(
                    request.user,
                    year,
                    criteria=form.criteria(),
                    categories=form.cleaned_data["categories"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    seen_version=form.cleaned_data["version"],
                )
            except ValidationError as e:
                for name, errors in e.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Konfigurasi Penghargaan SPM disimpan."))
                return redirect(f"{reverse('reporting:award')}?year={year}")
    return render(
        request,
        "reporting/award/config_form.html",
        {
            "year": year,
            "config": config,
            "form": form,
            "history": selectors.config_history(config),
        },
        status=status,
    )
