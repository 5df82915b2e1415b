"""The data-quality view (pages and downloads) for a region, a province and Bangda.

Thin views: figures come from ``reporting.quality.dashboard``; a province or region asked
for goes through the scoping layer (out of scope → 404); roles without a data-quality task
(OPD staff) get 403. Without ``province``/``region`` a national user sees the country and
anyone else their own province or region.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from espm import exports
from regions.models import Level, Region
from regions.scoping import (
    DATA_QUALITY_ROLES,
    grants_for,
    has_national_view,
    may_view_data_quality,
    region_in_scope,
)
from reporting.dashboards import cache as dc
from reporting.dashboards import selectors as d
from reporting.dashboards.views import QUARTERS, year_quarter
from reporting.models import ValidationRule
from reporting.quality import dashboard as q
from reporting.quality.dashboard import FLAG_FILTERS

PAGE_SIZE = 50


def _narrowing(request: HttpRequest) -> tuple[Region | None, Region | None]:
    """The province or region asked for (404 when out of scope), else the user's default."""
    prov_code = request.GET.get("province", "")
    reg_code = request.GET.get("region", "")
    if reg_code:
        return None, region_in_scope(request, reg_code, d.LEVELS, active_only=True)
    if prov_code:
        return region_in_scope(request, prov_code, [Level.PROVINCE]), None
    return None, None


def _default(request: HttpRequest) -> tuple[Region | None, Region | None]:
    """A user without a national role starts at their own province or region."""
    if has_national_view(request.user):
        return None, None
    active = getattr(request, "active_membership", None)
    memberships = [
        m
        for m in [active, *getattr(request, "memberships", ())]
        if m is not None and m.role in DATA_QUALITY_ROLES and m.region.level in d.LEVELS
    ]
    if not memberships:
        grants = [g for g in grants_for(request.user) if g.role in DATA_QUALITY_ROLES]
        if not grants:
            raise Http404
        region = Region.objects.get(pk=grants[0].region_id)
    else:
        region = memberships[0].region
    if region.level == Level.PROVINCE:
        return region, None
    return None, region


def _args(request: HttpRequest) -> tuple[int, int, Region | None, Region | None]:
    province, region = _narrowing(request)
    if not may_view_data_quality(request.user):
        raise PermissionDenied
    if province is None and region is None:
        province, region = _default(request)
    year, quarter = year_quarter(request)
    return year, quarter, province, region


def _query(year: int, quarter: int, **extra: str) -> str:
    return urlencode({"year": year, "quarter": quarter, **{k: v for k, v in extra.items() if v}})


def _crumbs(
    request: HttpRequest, year: int, quarter: int, province: Region | None, region: Region | None
) -> list[tuple[str, str]]:
    """(label, query) from the widest view the user may open down to the current one."""
    out = []
    national = has_national_view(request.user)
    if national:
        out.append((_("Nasional"), _query(year, quarter)))
    prov_code = province.code if province else (region.province_code if region else "")
    if prov_code and (province is not None or region is not None):
        prov = province
        if prov is None and region is not None and region.level != Level.PROVINCE:
            prov = Region.objects.visible_to(request.user).filter(code=prov_code).first()
        if prov is not None:
            out.append((prov.name, _query(year, quarter, province=prov.code)))
    if region is not None and region.level != Level.PROVINCE:
        out.append((region.name, _query(year, quarter, region=region.code)))
    return out


@login_required
def quality_dashboard(request: HttpRequest) -> HttpResponse:
    year, quarter, province, region = _args(request)
    mode = "region" if region is not None else ("province" if province is not None else "national")
    narrowing = {
        "province": province.code if province else "",
        "region": region.code if region else "",
    }
    base = _query(year, quarter, **narrowing)

    def body() -> str:
        view = q.quality_view(request.user, year, quarter, province=province, region=region)
        context = {
            "view": view,
            "mode": mode,
            "province": province,
            "region": region,
            "year": year,
            "quarter": quarter,
            "quarters": QUARTERS,
            "narrowing": narrowing,
            "base": base,
            "period_q": _query(year, quarter),
            "crumbs": _crumbs(request, year, quarter, province, region),
            "sector_names": sorted(view.sector_limit or ()),
        }
        return render_to_string("reporting/quality/_body.html", context, request=request)

    cached = dc.cached(request.user, q.cache_key("page", year, quarter, province, region), body)
    context: dict[str, Any] = {
        "body": mark_safe(cached),  # noqa: S308 — our template
        "mode": mode,
        "year": year,
        "quarter": quarter,
        "province": province,
        "region": region,
        "base": base,
    }
    if region is not None:
        # The reports and their flags, with names of who explained: always read afresh.
        period = d.get_period(year, quarter)
        reports = list(q.drill_reports(request.user, period, region=region))
        services = d.expected_services(year, d.sector_limit(request.user))
        have = {r.service_type.code for r in reports}
        context["lines"] = q.report_lines(request.user, reports) + q.missing_lines(
            region, period, services, have
        )
    return render(request, "reporting/quality/dashboard.html", context)


@login_required
def quality_data(request: HttpRequest) -> HttpResponse:
    """The view's figures: JSON (the API's payload) or one table as CSV / XLSX."""
    year, quarter, province, region = _args(request)
    fmt = request.GET.get("format", "json")
    if fmt == "json":
        payload = q.cached_payload(request.user, year, quarter, province, region)
        return HttpResponse(
            json.dumps(payload, ensure_ascii=False, cls=_Encoder),
            content_type="application/json",
        )
    view = q.quality_view(request.user, year, quarter, province=province, region=region)
    table = view.tables().get(request.GET.get("table", ""))
    if table is None:
        raise Http404
    where = region.code if region else (province.code if province else "nasional")
    name = f"kualitas-data-{where}-{year}-tw{quarter}-{table.key}"
    headers = [h for _c, h in table.columns]
    if fmt == "csv":
        return exports.csv_response(headers, table.display_rows(), f"{name}.csv")
    if fmt == "xlsx":
        return exports.xlsx_response(headers, table.display_rows(), f"{name}.xlsx", table.key)
    raise Http404


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        from datetime import date
        from decimal import Decimal

        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


# ----------------------------------------------------------------------------- drill-down


def _check_state(check: Any) -> str:
    if check.is_confirmed:
        return _("diperiksa benar oleh verifikator")
    if check.is_error:
        return _("galat terbuka")
    if check.explanation:
        return _("dijelaskan")
    return _("belum dijelaskan")


def drill_rows(lines: list[q.ReportLine]) -> list[list[Any]]:
    """One row per flag; a report without flags (or without a row) is one row with none."""
    out = []
    for line in lines:
        head = [
            line.region_code,
            line.region_name,
            line.service_code,
            line.service_name,
            line.status_label,
            line.completeness_label,
        ]
        if not line.checks:
            out.append([*head, "", "", "", "", "", ""])
        for c in line.checks:
            out.append(
                [
                    *head,
                    c.rule.code,
                    str(q.SEVERITY_LABELS.get(c.severity, c.severity)),
                    c.text,
                    c.explanation,
                    c.confirmed_note if c.is_confirmed else "",
                    _check_state(c),
                ]
            )
    return out


def _drill_headers() -> list[str]:
    return [
        _("Kode wilayah"),
        _("Wilayah"),
        _("Kode jenis layanan"),
        _("Jenis layanan"),
        _("Status laporan"),
        _("Kelengkapan"),
        _("Aturan"),
        _("Tingkat temuan"),
        _("Pesan"),
        _("Penjelasan"),
        _("Catatan pemeriksaan verifikator"),
        _("Keadaan temuan"),
    ]


@login_required
def quality_reports(request: HttpRequest) -> HttpResponse:
    """The reports behind a figure of the view, each with its flags; CSV/XLSX of the same."""
    year, quarter, province, region = _args(request)
    rule = request.GET.get("rule", "")
    if rule and not ValidationRule.objects.filter(code=rule, is_active=True).exists():
        raise Http404
    flags = request.GET.get("flags", "")
    if flags not in FLAG_FILTERS:
        flags = ""
    level = request.GET.get("level", "")
    if level not in d.LEVELS:
        level = ""
    period = d.get_period(year, quarter)
    qs = q.drill_reports(
        request.user,
        period,
        province=province,
        region=region,
        level=level,
        rule=rule,
        flags=flags,
    )
    narrowing = {
        "province": province.code if province else "",
        "region": region.code if region else "",
    }
    query = _query(year, quarter, **narrowing, level=level, rule=rule, flags=flags)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        lines = q.report_lines(request.user, qs, rule)
        where = region.code if region else (province.code if province else "nasional")
        name = f"kualitas-data-laporan-{where}-{year}-tw{quarter}"
        if fmt == "csv":
            return exports.csv_response(_drill_headers(), drill_rows(lines), f"{name}.csv")
        return exports.xlsx_response(_drill_headers(), drill_rows(lines), f"{name}.xlsx", "temuan")
    if fmt:
        raise Http404
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/quality/reports.html",
        {
            "page": page,
            "lines": q.report_lines(request.user, page.object_list, rule),
            "year": year,
            "quarter": quarter,
            "province": province,
            "region": region,
            "rule": rule,
            "flags": flags,
            "flags_label": FLAG_FILTERS[flags],
            "level_label": d.LEVEL_LABELS.get(level, ""),
            "query": query,
            "back": _query(year, quarter, **narrowing),
        },
    )
