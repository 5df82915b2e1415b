"""The LPPD annex (annual SPM report of a region) and the one-quarter report, as PDF.

Data is gathered in a few queries into plain dicts with every figure already formatted the
Indonesian way (``76,00``, ``Rp1.500.000``, ``20 April 2026``), so the templates under
``templates/reporting/pdf/`` only lay out. Capaian figures are the stored ones computed by
``reporting.rules.capaian`` and rolled up with ``capaian.rollup`` — the same numbers as the
dashboards. Callers check scope first (see ``reporting.documents.services``): these functions
read the whole region, because the document holds the whole region.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

import lokal
from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from indicators.models import CatalogEdition, CatalogYear, ServiceType
from regions.models import Level, Region
from reporting.models import (
    ActionPlan,
    ActionPlanCommitment,
    Evidence,
    LppdDueDate,
    Period,
    RegionSubmission,
    Report,
    ReportStage,
    SpmTeam,
    SpmTeamMember,
    Stage,
)
from reporting.reminders import format_date
from reporting.rules import annual as annual_rule
from reporting.rules import capaian, completeness, lppd, universe

# WeasyPrint logs every layout step at INFO; the worker log needs only its warnings.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

Progress = Callable[[int, str], None]
CSS_PATH = settings.BASE_DIR / "static" / "css" / "pdf.css"
DASH = "–"
QUARTER_LABELS = ("TW I", "TW II", "TW III", "TW IV")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")


# --- Indonesian formats -----------------------------------------------------------------------


def fmt_number(value: Decimal | float | int | None, decimals: int = 2) -> str:
    """1234.5 → "1.234,50" (dot thousands, comma decimals); None → "–"."""
    if value is None:
        return DASH
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{q:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def fmt_qty(value: Decimal | int | None) -> str:
    """A counted quantity as typed: 1706 → "1.706", 744.12 → "744,12" (no ",00" on counts)."""
    if value is None:
        return DASH
    text = fmt_number(value)
    return text[:-3] if text.endswith(",00") else text


def fmt_int(value: int | Decimal | None) -> str:
    return DASH if value is None else fmt_number(value, 0)


def fmt_rupiah(value: int | None) -> str:
    return DASH if value is None else lokal.format_rupiah(value)


def short_name(region: Region) -> str:
    """Klaten, Serang, Jawa Tengah: the name without its level word."""
    for prefix in ("Kabupaten ", "Kota Administrasi ", "Kota "):
        if region.name.startswith(prefix):
            return region.name.removeprefix(prefix)
    return region.name


def head_title(region: Region) -> str:
    """The head of region who signs: Bupati, Wali Kota or Gubernur."""
    word: dict[str, str] = {
        Level.PROVINCE: "Gubernur",
        Level.KABUPATEN: "Bupati",
        Level.KOTA: "Wali Kota",
    }
    return f"{word.get(region.level, 'Kepala Daerah')} {short_name(region)}"


def head_word(region: Region) -> str:
    words: dict[str, str] = {
        Level.PROVINCE: "Gubernur",
        Level.KABUPATEN: "Bupati",
        Level.KOTA: "Wali Kota",
    }
    return words.get(region.level, "Kepala Daerah")


def government_name(region: Region) -> str:
    if region.level == Level.PROVINCE:
        return f"Pemerintah Provinsi {region.name}"
    return f"Pemerintah {region.name}"


# --- data -------------------------------------------------------------------------------------


def edition_for(year: int) -> CatalogEdition | None:
    row = CatalogYear.objects.filter(year=year).select_related("edition").first()
    if row:
        return row.edition
    return CatalogEdition.objects.filter(status=CatalogEdition.Status.PUBLISHED).first()


def service_types_for(region: Region, year: int, reports: Iterable[Report]) -> list[ServiceType]:
    """The region's service types for the year (its level, the year's edition) plus any reported."""
    found = {r.service_type_id: r.service_type for r in reports}
    edition = edition_for(year)
    if edition is not None:
        for st in ServiceType.objects.filter(
            edition=edition, level__in=universe.service_levels(region.code, region.level)
        ).select_related("sector"):
            found.setdefault(st.pk, st)
    return sorted(found.values(), key=lambda st: (st.sector.order, st.order, st.code))


def _reports(region: Region, periods: list[Period]) -> list[Report]:
    return list(
        Report.objects.filter(region=region, period__in=periods)
        .select_related("service_type__sector", "agency", "period")
        .prefetch_related(
            "quality__quality_item",
            "stages",
            "budget_lines",
            Prefetch(
                "evidence",
                queryset=Evidence.objects.filter(deleted_at__isnull=True).select_related(
                    "stage", "quality__quality_item"
                ),
            ),
        )
    )


def _cell(index: Decimal | None, band: str = "") -> dict[str, str]:
    return {
        "value": fmt_number(index),
        "band": band or (capaian.band_for(index) if index is not None else ""),
    }


def _rollup_cell(indices: list[Decimal | None], expected: int) -> dict[str, Any]:
    r = capaian.rollup(indices, expected)
    return {
        **_cell(r.index),
        "reported": r.reported,
        "missing": r.missing,
        "expected": r.expected,
        "mean_reported": fmt_number(r.mean_reported),
    }


def _official(report: Report) -> Decimal | None:
    """The report's index when it counts in official figures (``rules.completeness``)."""
    return completeness.standing(report).index


def _budget_counts(report: Report) -> bool:
    """Do the report's budget lines count in official figures: its status is an official one
    (``rules.completeness.official_statuses``, policy), whatever its capaian completeness — the
    rule of the dashboards' budget (``dashboards.selectors.budget_reports``) and its exports."""
    return report.status in completeness.official_statuses()


def _report_cell(report: Report) -> dict[str, str]:
    stand = completeness.standing(report)
    if stand.index is None:
        # Why there is no figure: a note that wraps in the narrow quarter column, not a number.
        return {"value": "", "band": "", "note": stand.reason_label}
    return _cell(stand.index, report.band)


def _quality_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for q in report.quality.all():
        item = q.quality_item
        term = capaian.quality_term(
            capaian.QualityInput(q.required, q.realised, item.has_quantity, q.met)
        )
        if item.has_quantity:
            required, realised = fmt_qty(q.required), fmt_qty(q.realised)
        else:
            required = "Ya"
            realised = DASH if q.met is None else ("Ya" if q.met else "Tidak")
        rows.append(
            {
                "description": item.description,
                "kind": item.get_kind_display(),
                "unit": item.unit,
                "required": required,
                "realised": realised,
                "pct": fmt_number(term.pct),
                "met": term.pct >= capaian.HUNDRED,
            }
        )
    return rows


def _stage_rows(report: Report | None) -> list[str]:
    by_stage = {s.stage: s for s in report.stages.all()} if report else {}
    out = []
    for stage in Stage:
        row: ReportStage | None = by_stage.get(stage.value)
        out.append(row.get_status_display() if row and row.status else DASH)
    return out


def _service_block(st: ServiceType, by_quarter: dict[int, Report], quarters: list[int]) -> dict:
    # The latest quarter with data: recipients are cumulative, budget realisation too.
    filled = [q for q, r in by_quarter.items() if r.entered_at or r.capaian_index is not None]
    last_q = max(filled or by_quarter) if by_quarter else None
    latest = by_quarter[last_q] if last_q else None
    # The budget is an official figure: the lines of the latest quarter whose report counts
    # (``_budget_counts``), as on the dashboards; a draft's or a not yet verified report's
    # lines are left out of the blocks and the totals (the document has no "unverified" line).
    budgeted = [q for q, r in by_quarter.items() if _budget_counts(r)]
    budget = list(by_quarter[max(budgeted)].budget_lines.all()) if budgeted else []
    quality = _quality_rows(latest) if latest else []
    allocated = sum(b.allocated for b in budget)
    realised = sum(b.realised for b in budget)
    return {
        "code": st.code,
        "name": st.name,
        "sector": st.sector.name,
        "agency": (latest.agency.name if latest and latest.agency else DASH),
        "recipient_definition": st.recipient_definition,
        "cells": [
            _report_cell(by_quarter[q]) if q in by_quarter else {"value": DASH, "band": ""}
            for q in quarters
        ],
        "latest_quarter": QUARTER_LABELS[last_q - 1] if last_q else DASH,
        "target": fmt_int(latest.recipients_target) if latest else DASH,
        "served": fmt_int(latest.recipients_served) if latest else DASH,
        "recipients_pct": fmt_number(latest.recipients_pct) if latest else DASH,
        "quality_pct": fmt_number(latest.quality_pct) if latest else DASH,
        "index": (
            fmt_number(_official(latest))
            if _official(latest) is not None
            else completeness.standing(latest).reason_label
        )
        if latest
        else DASH,
        "band": (latest.band if latest and _official(latest) is not None else "") or "",
        "no_target": bool(latest and latest.flag_no_target),
        "quality": quality,
        "quality_met": sum(1 for q in quality if q["met"]),
        "stages": _stage_rows(latest),
        "budget": [
            {
                "activity": " ".join(filter(None, [b.activity_code, b.activity_name])),
                "sub_activity": " ".join(filter(None, [b.sub_activity_code, b.sub_activity_name])),
                "allocated": fmt_rupiah(b.allocated),
                "realised": fmt_rupiah(b.realised),
                "pct": fmt_number(Decimal(b.realised) * 100 / b.allocated) if b.allocated else DASH,
            }
            for b in budget
        ],
        "budget_allocated": allocated,
        "budget_realised": realised,
        "problems": [
            {
                "quarter": QUARTER_LABELS[q - 1],
                "problems": by_quarter[q].problems,
                "solutions": by_quarter[q].solutions,
            }
            for q in sorted(by_quarter)
            if by_quarter[q].problems or by_quarter[q].solutions
        ],
    }


def _evidence_rows(reports: list[Report]) -> list[dict[str, str]]:
    rows = []
    for report in sorted(
        reports, key=lambda r: (r.period.quarter, r.service_type.order, r.service_type.code)
    ):
        for ev in sorted(report.evidence.all(), key=lambda e: e.uploaded_at):
            attached = DASH
            if ev.stage_id and ev.stage:
                attached = f"Tahap {ev.stage.stage}"
            elif ev.quality_id and ev.quality:
                attached = ev.quality.quality_item.description
            rows.append(
                {
                    "quarter": report.period.quarter_label,
                    "service": report.service_type.code,
                    "name": ev.original_name,
                    "description": ev.description or attached,
                    "uploaded": format_date(timezone.localtime(ev.uploaded_at).date()),
                }
            )
    return rows


PLAN_STATUS = {"set": "Ditetapkan", "draft": "Rancangan", "none": "Belum ada"}


def _share(count: int, total: int, what: str) -> str:
    """'1 dari 7 kabupaten/kota (14,29%)': a share always names its denominator."""
    if not total:
        return DASH
    return f"{count} dari {total} {what} ({fmt_number(Decimal(count) * 100 / total)}%)"


def _plan_and_team(region: Region, year: int) -> dict[str, Any]:
    """The year's action plan (with its commitments) and Tim Penerapan SPM, formatted."""
    plan = (
        ActionPlan.objects.filter(region=region, year=year)
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=ActionPlanCommitment.objects.select_related("service_type").order_by(
                    "service_type__order", "service_type__code"
                ),
            )
        )
        .first()
    )
    team = (
        SpmTeam.objects.filter(region=region, year=year)
        .prefetch_related(
            Prefetch("members", queryset=SpmTeamMember.objects.select_related("agency"))
        )
        .first()
    )
    regulation = f"Peraturan {head_word(region)} {short_name(region)}"
    decree = f"Keputusan {head_word(region)} {short_name(region)}"
    status = plan.status if plan else "none"
    if plan is not None and status == "set":
        text = f"{regulation} Nomor {plan.number}"
        if plan.date:
            text += f" tanggal {format_date(plan.date)}"
        if plan.title:
            text += f" tentang {plan.title}"
    elif plan is not None and status == "draft":
        text = f"Rancangan {regulation}" + (f" tentang {plan.title}" if plan.title else "")
        text += " (belum ditetapkan)"
    else:
        text = "Belum ada"
    team_text = "Belum ada"
    members: list[dict[str, str]] = []
    if team is not None:
        team_text = (
            f"{decree} Nomor {team.decree_number} tanggal {format_date(team.decree_date)}; "
            f"ketua {team.chair_name} ({team.chair_position}); "
            f"{len(team.members.all())} anggota"
        )
        with translation.override("id"):
            members = [
                {
                    "name": m.name,
                    "position": m.position,
                    "unit": m.unit_name,
                    "role": str(m.get_role_display()),
                }
                for m in team.members.all()
            ]
    return {
        "plan_status": PLAN_STATUS[status],
        "plan_text": text,
        "commitments": [
            {
                "code": c.service_type.code,
                "name": c.service_type.name,
                "commitment": c.commitment,
                "budget": fmt_rupiah(c.budget),
            }
            for c in (plan.commitments.all() if plan else [])
        ],
        "team_text": team_text,
        "team_chair": f"{team.chair_name} ({team.chair_position})" if team else "",
        "members": members,
    }


def _recap(
    province: Region, periods: list[Period], quarters: list[int], measured: Period | None
) -> list[dict]:
    """A province's kab/kota: capaian per quarter (with missing counts) and the latest status.

    The kab/kota are the universe of ``measured``: the quarter's own period for a quarter
    report, the year's (``universe.year_period``, its last opened period) for the annex.
    """
    children = list(
        universe.regions_of(measured)
        .filter(province_code=province.code, level__in=[Level.KABUPATEN, Level.KOTA])
        .order_by("code")
    )
    edition = edition_for(periods[0].year) if periods else None
    expected = (
        ServiceType.objects.filter(edition=edition, level="kabkota").count() if edition else 0
    )
    indices: dict[tuple[int, int], list[Decimal | None]] = defaultdict(list)
    for region_id, quarter, index, report_status in Report.objects.filter(
        region__in=children, period__in=periods
    ).values_list("region_id", "period__quarter", "capaian_index", "status"):
        counted = completeness.counts_values(index, report_status)
        indices[(region_id, quarter)].append(index if counted else None)
    status = {
        (s.region_id, s.period.quarter): s.get_status_display()
        for s in RegionSubmission.objects.filter(
            region__in=children, period__in=periods
        ).select_related("period")
    }
    last = max(quarters) if quarters else 0
    year = periods[0].year if periods else 0
    plans = dict(
        ActionPlan.objects.filter(region__in=children, year=year).values_list("region_id", "status")
    )
    teams = set(
        SpmTeam.objects.filter(region__in=children, year=year).values_list("region_id", flat=True)
    )
    return [
        {
            "code": child.code,
            "name": child.name,
            "plan": PLAN_STATUS[plans.get(child.pk, "none")],
            "plan_set": plans.get(child.pk) == "set",
            "team": "Ada" if child.pk in teams else "Belum ada",
            "has_team": child.pk in teams,
            "cells": [
                _rollup_cell(
                    indices.get((child.pk, q), []), expected or len(indices[(child.pk, q)])
                )
                for q in quarters
            ],
            "status": status.get((child.pk, last), "Belum mengajukan"),
        }
        for child in children
    ]


def lppd_due_date(year: int) -> dt.date:
    """The year's LPPD due date: Bangda's, else 31 March of the next year (``rules.lppd``)."""
    saved = LppdDueDate.objects.filter(year=year).values_list("due_date", flat=True).first()
    return lppd.due_date(year, saved)


def report_data(
    region: Region, year: int, quarter: int | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Everything the annex (``quarter=None``) or one quarter's report shows, formatted."""
    step = progress or (lambda pct, msg: None)
    periods = list(Period.objects.filter(year=year).order_by("quarter"))
    if quarter is not None:
        periods = [p for p in periods if p.quarter == quarter]
    quarters = [quarter] if quarter is not None else [1, 2, 3, 4]
    reports = _reports(region, periods)
    step(20, "Data laporan dimuat")
    service_types = service_types_for(region, year, reports)
    by_service: dict[int, dict[int, Report]] = defaultdict(dict)
    for report in reports:
        by_service[report.service_type_id][report.period.quarter] = report
    services = [_service_block(st, by_service.get(st.pk, {}), quarters) for st in service_types]

    sectors: list[dict[str, Any]] = []
    by_sector: dict[str, list[ServiceType]] = defaultdict(list)
    for st in service_types:
        by_sector[st.sector.name].append(st)
    for name, sts in by_sector.items():
        cells = []
        for q in quarters:
            idx = [_official(by_service[st.pk][q]) for st in sts if q in by_service[st.pk]]
            cells.append(_rollup_cell(idx, len(sts)))
        sectors.append({"name": name, "count": len(sts), "cells": cells})
    region_cells = [
        _rollup_cell(
            [_official(by_service[st.pk][q]) for st in service_types if q in by_service[st.pk]],
            len(service_types),
        )
        for q in quarters
    ]
    # A quarter not opened yet has no report due: "belum dibuka", never "29 belum lapor".
    opened = {p.quarter for p in periods if p.state != Period.State.PLANNED} | {
        r.period.quarter for r in reports
    }
    rows: list[list[dict[str, Any]]] = [s["cells"] for s in sectors] + [region_cells]
    for i, q in enumerate(quarters):
        if q not in opened:
            for row in rows:
                row[i] = {"value": DASH, "band": "", "missing": 0, "not_open": True}
    step(35, "Capaian dihitung")
    year_figures = _annual(year, service_types, by_service) if quarter is None else None
    allocated = sum(s["budget_allocated"] for s in services)
    realised = sum(s["budget_realised"] for s in services)
    today = timezone.localdate()
    data: dict[str, Any] = {
        "region": region,
        "region_name": region.name,
        "government": government_name(region),
        "head_title": head_title(region),
        "place": short_name(region),
        "year": year,
        "quarter": quarter,
        "quarter_label": QUARTER_LABELS[quarter - 1] if quarter else "",
        "is_annex": quarter is None,
        "is_province": region.is_province,
        "quarter_labels": [QUARTER_LABELS[q - 1] for q in quarters],
        "periods": [
            {"label": str(p), "due": format_date(p.due_date), "state": p.get_state_display()}
            for p in periods
        ],
        "sectors": sectors,
        "region_cells": region_cells,
        "annual": year_figures,
        "services": services,
        "budget_allocated": fmt_rupiah(allocated),
        "budget_realised": fmt_rupiah(realised),
        "budget_pct": fmt_number(Decimal(realised) * 100 / allocated) if allocated else DASH,
        "has_budget": any(s["budget"] for s in services),
        "stage_names": [s.label for s in Stage],
        "problems": [s for s in services if s["problems"]],
        "evidence": _evidence_rows(reports),
        "recap": _recap(
            region,
            periods,
            quarters,
            universe.year_period(year) if quarter is None else (periods[0] if periods else None),
        )
        if region.is_province
        else [],
        **_plan_and_team(region, year),
        "generated_on": format_date(today),
        "legal_basis": [str(x) for x in lppd.LEGAL_BASIS] if quarter is None else [],
        "lppd_due": format_date(lppd_due_date(year)) if quarter is None else "",
        "report_count": len(reports),
        # An annex made before every quarter of the year is closed is provisional (sementara).
        "provisional": quarter is None
        and {p.quarter for p in periods if p.state == Period.State.CLOSED} != {1, 2, 3, 4},
    }
    for row in data["recap"]:
        for i, q in enumerate(quarters):
            if q not in opened:
                row["cells"][i] = {"value": DASH, "band": "", "missing": 0, "not_open": True}
    kabkota = len(data["recap"])
    data["recap_plan_share"] = _share(
        sum(r["plan_set"] for r in data["recap"]), kabkota, "kabupaten/kota"
    )
    data["recap_team_share"] = _share(
        sum(r["has_team"] for r in data["recap"]), kabkota, "kabupaten/kota"
    )
    data["chapters"] = _chapters(data)
    return data


def _annual(
    year: int, service_types: list[ServiceType], by_service: dict[int, dict[int, Report]]
) -> dict[str, Any]:
    """The year's figures (``rules.annual``) for the annex headline, formatted."""
    cells: dict[str, dict[int, Decimal]] = {}
    for st in service_types:
        counted = {q: _official(r) for q, r in by_service.get(st.pk, {}).items()}
        cells[st.code] = {q: i for q, i in counted.items() if i is not None}
    infos = [
        SimpleNamespace(
            code=st.code, name=st.name, sector_code=st.sector.code, sector_name=st.sector.name
        )
        for st in service_types
    ]
    a = annual_rule.build(year, infos, cells)
    overall = a.overall
    latest = max((line.quarter or 0 for line in a.lines), default=0)
    return {
        "index": fmt_number(overall.index),
        "band": capaian.band_for(overall.index) if overall.index is not None else "",
        "reported": overall.reported,
        "expected": overall.expected,
        "final": a.complete_year,
        "through": QUARTER_LABELS[latest - 1] if latest else DASH,
        "sectors": [
            {
                "name": next(x.sector_name for x in a.lines if x.sector_code == code),
                "index": fmt_number(r.index),
                "reported": r.reported,
                "expected": r.expected,
            }
            for code, r in a.sectors.items()
        ],
    }


def _chapters(data: dict[str, Any]) -> dict[str, str]:
    names = ["summary", "recipients", "budget", "stages", "plan", "problems", "evidence"]
    if data["is_province"]:
        names.append("recap")
    names.append("closing")
    return {name: ROMAN[i] for i, name in enumerate(names)}


# --- rendering --------------------------------------------------------------------------------

# The stock user-agent sheet styles six pseudo-elements on *every* element (``::marker``, the
# footnote and note calls and markers): ≈ 18,000 extra computed styles in a 25-page annex. Our
# documents have no lists, footnotes or notes, so those rules are limited to list items.
_UNIVERSAL_PSEUDO = re.compile(
    r"^::(marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)\b",
    re.MULTILINE,
)


@functools.cache
def _print_setup() -> tuple[Any, Any, Any]:
    """WeasyPrint's HTML class with the trimmed user-agent sheet, our parsed stylesheet and one
    URL fetcher, built once per process (parsing them and an SSL context cost ≈ 60 ms a render)."""
    from importlib import resources

    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher()
    stock = resources.files("weasyprint.css").joinpath("html5_ua.css").read_text("utf-8")
    ua = CSS(string=_UNIVERSAL_PSEUDO.sub(r"li::\1", stock), url_fetcher=fetcher)

    class PrintHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua]

    return PrintHTML, CSS(filename=str(CSS_PATH), url_fetcher=fetcher), fetcher


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Lay out without Python's cyclic collector, then collect once.

    An annex's layout builds ≈ 300,000 objects in reference cycles that live until the PDF is
    written; the collector, triggered every 700 allocations, re-scans the growing heap again and
    again (≈ a quarter of the render). One young-generation pass at the end frees the cycles.
    """
    if not gc.isenabled():  # already paused by a caller: leave the collection to it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def render_pdf(data: dict[str, Any], progress: Progress | None = None) -> bytes:
    step = progress or (lambda pct, msg: None)
    html = render_to_string("reporting/pdf/report.html", data)
    step(50, "Dokumen disusun")
    html_class, stylesheet, fetcher = _print_setup()
    with _collector_paused():
        document = html_class(
            string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher
        ).render(stylesheets=[stylesheet])
        step(85, f"{len(document.pages)} halaman ditata")
        return document.write_pdf()


def annex_pdf(region: Region, year: int, progress: Progress | None = None) -> bytes:
    return render_pdf(report_data(region, year, None, progress), progress)


def quarter_pdf(region: Region, period: Period, progress: Progress | None = None) -> bytes:
    return render_pdf(report_data(region, period.year, period.quarter, progress), progress)


def filename(region: Region, year: int, quarter: int | None = None) -> str:
    slug = region.code.replace(".", "-")
    if quarter:
        return f"laporan-spm-{slug}-{year}-tw{quarter}.pdf"
    return f"lampiran-lppd-spm-{slug}-{year}.pdf"
