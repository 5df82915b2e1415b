"""Dashboard pages, their data endpoints (JSON / CSV / Excel) and drill-down lists.

Thin views: figures come from ``reporting.dashboards.selectors``; access goes through the scoping
layer (out of scope → 404), the national dashboard needs a national role (else 403).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from espm import exports
from espm.parsing import parse_int
from indicators.models import Sector, ServiceType
from regions.middleware import active_membership
from regions.models import Level, Region
from regions.roles import sector_place
from regions.scoping import (
    PROVINCE_WIDE_ROLES,
    AnyUser,
    has_national_view,
    reads_regions_whole,
    region_in_scope,
    sees_everything,
)
from reporting.dashboards import cache as dc
from reporting.dashboards import selectors as d
from reporting.dashboards.charts import Bar, column_chart, hbar_chart
from reporting.lppd import selectors as lppd_selectors
from reporting.models import QUARTER_LABELS
from reporting.rules.completeness import is_provisional


def _int(value: str | None, low: int, high: int) -> int | None:
    return parse_int(value, low, high)


def year_quarter(request: HttpRequest) -> tuple[int, int]:
    year = _int(request.GET.get("year"), 2000, 2100)
    quarter = _int(request.GET.get("quarter"), 1, 4)
    if year is None or quarter is None:
        dy, dq = d.default_year_quarter()
        return year or dy, quarter or dq
    return year, quarter


def _query(year: int, quarter: int, **extra: str) -> str:
    return urlencode({"year": year, "quarter": quarter, **{k: v for k, v in extra.items() if v}})


# ----------------------------------------------------------------------------- entry


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """Send the user to the dashboard of their active role."""
    m = active_membership(request)
    if has_national_view(request.user) and (m is None or m.region.level == Level.NATIONAL):
        return redirect("reporting:dashboard_national")
    if m is None:
        raise Http404
    if m.region.is_province and m.role in PROVINCE_WIDE_ROLES:
        return redirect("reporting:dashboard_province", code=m.region.code)
    return redirect("reporting:dashboard_region", code=m.region.code)


# ----------------------------------------------------------------------------- charts


def status_chart(dash: d.NationalDashboard, base: str) -> str:
    groups = []
    for row in dash.status:
        link = reverse("reporting:dashboard_regions") + f"?{base}&level={row.level}&status="
        groups.append(
            (
                f"{row.label} ({row.total})",
                [
                    Bar(
                        _("Mengisi"),
                        row.entered_pct,
                        "s-entered",
                        _pct_text(row.entered, row.entered_pct),
                        link + "entered",
                    ),
                    Bar(
                        _("Mengirim"),
                        row.submitted_pct,
                        "s-submitted",
                        _pct_text(row.submitted, row.submitted_pct),
                        link + "submitted",
                    ),
                    Bar(
                        _("Diterima"),
                        row.accepted_pct,
                        "s-accepted",
                        _pct_text(row.accepted, row.accepted_pct),
                        link + "accepted",
                    ),
                ],
            )
        )
    return hbar_chart(groups, title=_("Status pengisian per tingkat (% wilayah)"), max_value=100)


def band_chart(dash: d.NationalDashboard, base: str) -> str:
    link = reverse("reporting:dashboard_reports") + f"?{base}&"
    bars = [
        Bar(
            b.label,
            b.count,
            b.css,
            f"{b.count} ({_fmt_pct(b.share)})",
            "" if b.band == d.MISSING_BAND else link + urlencode({"band": b.band}),
        )
        for b in dash.bands
    ]
    return hbar_chart([("", bars)], title=_("Sebaran kategori capaian (jumlah laporan)"))


def _fmt_pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.2f}%".replace(".", ",")


def _pct_text(n: int, p: Decimal | None) -> str:
    return f"{number_format(n, force_grouping=True)} ({_fmt_pct(p)})"


# ----------------------------------------------------------------------------- national / province


def _national_context(
    request: HttpRequest, province: Region | None, year: int, quarter: int
) -> dict[str, Any]:
    dash = d.national_dashboard(
        request.user, year, quarter, province=province, provisional=is_provisional(request)
    )
    official = _query(year, quarter, province=province.code if province else "")
    base = _query(
        year,
        quarter,
        province=province.code if province else "",
        sementara="1" if dash.provisional else "",
    )
    return {
        "dash": dash,
        "base_official": official,
        "year": year,
        "quarter": quarter,
        "province": province,
        "base": base,
        "status_svg": status_chart(dash, base),
        "band_svg": band_chart(dash, base),
        "tie_rule": d.TIE_RULE,
        "award_rule": d.award_rule_text(d.award_rule()),
        "quarters": QUARTERS,
    }


QUARTERS = list(enumerate(QUARTER_LABELS, start=1))


def _cache_key(
    request: HttpRequest, kind: str, year: int, quarter: int, region: Region | None = None
) -> dc.Key:
    """What a dashboard's figures depend on: the rows whose fingerprint guards its cache."""
    figures = reads_regions_whole(request.user)
    if kind.startswith("national"):
        parts = dc.national_parts(year, quarter, figures=figures)
    elif region is None:
        raise ValueError(f"the {kind} dashboard needs a region")
    elif kind.startswith("province"):
        parts = dc.province_parts(year, quarter, region, figures=figures)
    else:
        parts = dc.region_parts(
            year, quarter, region, figures=figures, positions=not kind.endswith("-data")
        )
    args = (year, quarter, region.code if region else "", is_provisional(request))
    return dc.Key(kind, args, parts)


def _page(
    request: HttpRequest,
    template: str,
    body_template: str,
    key: dc.Key,
    context: Callable[[], dict[str, Any]],
    **page: Any,
) -> HttpResponse:
    """Render the page frame around the figures' body, the body reused while its rows stand."""
    body = dc.cached(request.user, key, lambda: render_to_string(body_template, context()))
    return render(request, template, {**page, "body": mark_safe(body)})  # noqa: S308 — our template


def _data(
    request: HttpRequest,
    key: dc.Key,
    dashboard: Callable[[], Any],
    tables: Callable[[Any], dict[str, d.Table]],
    name: str,
) -> HttpResponse:
    if request.GET.get("format", "json") == "json":
        payload = dc.cached(request.user, key, lambda: _json(dashboard(), tables))
        return HttpResponse(payload, content_type="application/json")
    dash = dashboard()
    return export(request, tables(dash), name, dash)


@login_required
def national(request: HttpRequest) -> HttpResponse:
    if not has_national_view(request.user):
        raise PermissionDenied
    year, quarter = year_quarter(request)
    data_url = reverse("reporting:dashboard_national_data")
    title = sector_title(request.user)
    return _page(
        request,
        "reporting/dashboard/national.html",
        "reporting/dashboard/_national_body.html",
        _cache_key(request, "national", year, quarter),
        lambda: {
            **_national_context(request, None, year, quarter),
            "data_url": data_url,
            "sector_title": title,
        },
        sector_title=title,
        # Outside the cached body: it changes with hand-ins and today's date, not with reports.
        lppd=lppd_selectors.headline(request.user, year) if sees_everything(request.user) else None,
    )


def sector_title(user: AnyUser) -> str:
    """A sector viewer's dashboard is their sector's, from their ministry: say so in the title."""
    limit = d.sector_limit(user)
    if not limit:
        return ""
    return "; ".join(
        _("Dashboard bidang %(place)s") % {"place": sector_place(code)} for code in sorted(limit)
    )


@login_required
def national_data(request: HttpRequest) -> HttpResponse:
    if not has_national_view(request.user):
        raise PermissionDenied
    year, quarter = year_quarter(request)
    return _data(
        request,
        _cache_key(request, "national-data", year, quarter),
        lambda: d.national_dashboard(
            request.user, year, quarter, provisional=is_provisional(request)
        ),
        d.dashboard_tables,
        f"dashboard-nasional-{year}-tw{quarter}",
    )


def _province(request: HttpRequest, code: str) -> Region:
    return region_in_scope(request, code, [Level.PROVINCE])


@login_required
def province(request: HttpRequest, code: str) -> HttpResponse:
    prov = _province(request, code)
    year, quarter = year_quarter(request)
    data_url = reverse("reporting:dashboard_province_data", args=[prov.code])
    return _page(
        request,
        "reporting/dashboard/province.html",
        "reporting/dashboard/_province_body.html",
        _cache_key(request, "province", year, quarter, prov),
        lambda: {**_national_context(request, prov, year, quarter), "data_url": data_url},
        province=prov,
    )


@login_required
def province_data(request: HttpRequest, code: str) -> HttpResponse:
    prov = _province(request, code)
    year, quarter = year_quarter(request)
    return _data(
        request,
        _cache_key(request, "province-data", year, quarter, prov),
        lambda: d.national_dashboard(
            request.user, year, quarter, province=prov, provisional=is_provisional(request)
        ),
        d.dashboard_tables,
        f"dashboard-{prov.code}-{year}-tw{quarter}",
    )


# ----------------------------------------------------------------------------- region


def _region(request: HttpRequest, code: str) -> Region:
    return region_in_scope(request, code, d.LEVELS, active_only=True)


def _region_context(request: HttpRequest, reg: Region, year: int, quarter: int) -> dict[str, Any]:
    dash = d.region_dashboard(request.user, reg, year, quarter, provisional=is_provisional(request))
    band_groups = [Bar(label, len(lines), css) for label, css, lines in dash.by_band] + [
        Bar(_("Tidak ada laporan"), len(dash.missing), "band-missing")
    ]
    return {
        "dash": dash,
        "region": reg,
        "year": year,
        "quarter": quarter,
        "base": _query(year, quarter, region=reg.code, sementara="1" if dash.provisional else ""),
        "base_official": _query(year, quarter, region=reg.code),
        "quarters": QUARTERS,
        "band_svg": hbar_chart([("", band_groups)], title=_("Jenis layanan per kategori")),
        "trend_svg": column_chart(
            dash.trend_labels, dash.overall_trend, title=_("Tren capaian wilayah")
        ),
        "data_url": reverse("reporting:dashboard_region_data", args=[reg.code]),
    }


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    reg = _region(request, code)
    year, quarter = year_quarter(request)
    return _page(
        request,
        "reporting/dashboard/region.html",
        "reporting/dashboard/_region_body.html",
        _cache_key(request, "region", year, quarter, reg),
        lambda: _region_context(request, reg, year, quarter),
        region=reg,
    )


@login_required
def region_data(request: HttpRequest, code: str) -> HttpResponse:
    reg = _region(request, code)
    year, quarter = year_quarter(request)
    return _data(
        request,
        _cache_key(request, "region-data", year, quarter, reg),
        # The data tables carry no ranking positions: the peers' figures are not read.
        lambda: d.region_dashboard(
            request.user, reg, year, quarter, provisional=is_provisional(request), positions=False
        ),
        d.region_tables,
        f"dashboard-{reg.code}-{year}-tw{quarter}",
    )


# ----------------------------------------------------------------------------- export


def export(request: HttpRequest, tables: dict[str, d.Table], name: str, dash: Any) -> HttpResponse:
    """JSON (all tables) by default; ``format=csv|xlsx`` with ``table=<key>`` for one table."""
    fmt = request.GET.get("format", "json")
    if fmt == "json":
        return HttpResponse(_json(dash, lambda _d: tables), content_type="application/json")
    table = tables.get(request.GET.get("table", ""))
    if table is None:
        raise Http404
    filename = f"{name}-{table.key}"
    headers = [h for _c, h in table.columns]
    rows = table.display_rows()
    if fmt == "csv":
        return exports.csv_response(headers, rows, f"{filename}.csv")
    if fmt == "xlsx":
        return exports.xlsx_response(headers, rows, f"{filename}.xlsx", table.key)
    raise Http404


def _json(dash: Any, tables: Callable[[Any], dict[str, d.Table]]) -> str:
    payload = {
        "year": dash.year,
        "quarter": dash.quarter,
        "tables": {k: t.as_dict() for k, t in tables(dash).items()},
    }
    return json.dumps(payload, ensure_ascii=False, cls=_Encoder)


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


# ----------------------------------------------------------------------------- drill-down


def _drill_scope(request: HttpRequest) -> tuple[d.Scope, Region | None, Region | None]:
    prov_code = request.GET.get("province", "")
    reg_code = request.GET.get("region", "")
    prov = _province(request, prov_code) if prov_code else None
    reg = _region(request, reg_code) if reg_code else None
    scope = d.scope_for(
        request.user, province=prov, region=reg, provisional=is_provisional(request)
    )
    return scope, prov, reg


STATUS_PREDICATES = {
    "all": lambda r: True,
    "entered": lambda r: r.entered,
    "submitted": lambda r: r.submitted,
    "accepted": lambda r: r.accepted,
    "nothing": lambda r: not r.entered and not r.submitted,
    "on_time": lambda r: r.timeliness == "on_time",
    "late": lambda r: r.timeliness == "late",
    "missing": lambda r: not r.submitted,
}
# Lazy: a module-level label would otherwise keep the language of the request that imported it.
STATUS_LABELS = {
    "all": gettext_lazy("Semua wilayah"),
    "entered": gettext_lazy("Sudah mengisi data"),
    "submitted": gettext_lazy("Sudah mengirim"),
    "accepted": gettext_lazy("Sudah diterima"),
    "nothing": gettext_lazy("Belum ada data"),
    "on_time": gettext_lazy("Mengirim tepat waktu"),
    "late": gettext_lazy("Mengirim terlambat"),
    "missing": gettext_lazy("Belum mengirim"),
}


@login_required
def regions_list(request: HttpRequest) -> HttpResponse:
    """The regions behind an input-status, timeliness or ranking figure."""
    scope, prov, _reg = _drill_scope(request)
    year, quarter = year_quarter(request)
    status = request.GET.get("status", "all")
    if status not in STATUS_PREDICATES:
        status = "all"
    level = request.GET.get("level", "")
    period = d.get_period(year, quarter)
    rows = d.rollup_by_region(scope, period, d.expected_services(year, scope.sectors))
    rows = [r for r in rows if STATUS_PREDICATES[status](r) and (not level or r.level == level)]
    if request.GET.get("sort") != "rank":
        rows.sort(key=lambda r: r.key)
    return render(
        request,
        "reporting/dashboard/regions_list.html",
        {
            "rows": rows,
            "year": year,
            "quarter": quarter,
            "status_label": STATUS_LABELS.get(status, ""),
            "level_label": d.LEVEL_LABELS.get(level) or "",
            "province": prov,
            "base": _query(year, quarter, province=prov.code if prov else ""),
            "provisional": scope.provisional,
        },
    )


def _filter_labels(filters: dict[str, str]) -> list[tuple[str, str]]:
    """A drill-down's filters as the page words them ("Kategori: Tuntas Madya"), never as keys."""
    out = []
    for key, value in filters.items():
        if key == "band":
            label, shown = _("Kategori"), value
        elif key == "sector":
            label = _("Bidang")
            shown = (
                Sector.objects.filter(code=value).values_list("name", flat=True).first() or value
            )
        elif key == "service_type":
            label = _("Jenis layanan")
            name = ServiceType.objects.filter(code=value).values_list("name", flat=True).first()
            shown = f"{value} {name}" if name else value
        else:
            label, shown = _("Tingkat"), str(d.LEVEL_LABELS.get(value, value))
        out.append((str(label), shown))
    return out


@login_required
def reports_list(request: HttpRequest) -> HttpResponse:
    """The reports behind a capaian figure (band, sector, service type, region)."""
    scope, prov, reg = _drill_scope(request)
    year, quarter = year_quarter(request)
    qs = d.counted_reports(scope, d.get_period(year, quarter))
    filters = {
        "band": request.GET.get("band", ""),
        "sector": request.GET.get("sector", ""),
        "service_type": request.GET.get("service_type", ""),
        "level": request.GET.get("level", ""),
    }
    if filters["band"]:
        qs = qs.filter(band=filters["band"])
    if filters["sector"]:
        qs = qs.filter(service_type__sector__code=filters["sector"])
    if filters["service_type"]:
        qs = qs.filter(service_type__code=filters["service_type"])
    if filters["level"]:
        qs = qs.filter(region__level=filters["level"])
    qs = qs.select_related("region", "service_type", "agency").order_by(
        "region__code", "service_type__order", "service_type__code"
    )
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    extra = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "reporting/dashboard/reports_list.html",
        {
            "page": page,
            "year": year,
            "quarter": quarter,
            "filters": extra,
            "filter_labels": _filter_labels(extra),
            "province": prov,
            "region": reg,
            "provisional": scope.provisional,
            "query": _query(
                year,
                quarter,
                province=prov.code if prov else "",
                region=reg.code if reg else "",
                sementara="1" if scope.provisional else "",
                **extra,
            ),
        },
    )
