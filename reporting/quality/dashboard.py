"""The data-quality view's figures (selectors): per region and quarter, how complete, how
timely and how clean the reports are.

Nothing here states a rule of its own:

- the regions counted and the reports expected of each are the period's universe
  (``rules.universe`` through ``dashboards.regions_with_status`` / ``expected_services``);
- a report is complete when it has an index (``rules.completeness.counted_q(provisional=True)``)
  and counts in official figures when ``counted_q()`` says so;
- timeliness is the region submission's (``rules.windows``, SQL form, via
  ``dashboards.regions_with_status``);
- a flag is open by ``quality.selectors.open_q``; a warning is *explained* when it has an
  explanation or the verifier confirmed it for the numbers it shows now (the complement of an
  open warning without explanation, i.e. ``needs_explanation``);
- what a user sees is the scoping layer's (``visible_to``).

One page, its downloads and ``GET /api/v1/dashboard/data-quality/`` read ``quality_view``, so
a figure is the same wherever it is shown. The number of queries does not depend on the
number of regions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import Level, Region
from regions.scoping import Action, AnyUser
from reporting.dashboards import cache as dc
from reporting.dashboards import selectors as d
from reporting.models import Period, Report, ReportCheck, ValidationRule
from reporting.quality.selectors import message, open_q
from reporting.rules import completeness, universe, windows

E = ValidationRule.Severity.ERROR
W = ValidationRule.Severity.WARNING

SEVERITY_LABELS: dict[str, Any] = {E: _("Galat"), W: _("Peringatan")}
WORDS: dict[str, dict[str, Any]] = {**d.CODE_WORDS, "severity": SEVERITY_LABELS}


# ----------------------------------------------------------------------------- rows


@dataclass
class Flags:
    """Data-quality flags of some reports.

    ``errors``/``warnings`` are open (``open_q``); ``unexplained`` are open warnings without
    an explanation; ``warnings_total`` counts every warning of an active rule, confirmed ones
    included, so ``explained = warnings_total - unexplained``.
    """

    errors: int = 0
    warnings: int = 0
    unexplained: int = 0
    warnings_total: int = 0
    flagged_reports: int = 0

    @property
    def explained(self) -> int:
        return self.warnings_total - self.unexplained

    @property
    def explained_pct(self) -> Decimal | None:
        return d.pct(self.explained, self.warnings_total)

    def __add__(self, other: Flags) -> Flags:
        return Flags(
            self.errors + other.errors,
            self.warnings + other.warnings,
            self.unexplained + other.unexplained,
            self.warnings_total + other.warnings_total,
            self.flagged_reports + other.flagged_reports,
        )


@dataclass
class Figures:
    """What every row shows, for one region or summed over a group of regions.

    ``expected`` is the reports the universe expects; ``entered`` those with any data,
    ``complete`` those with an index, ``verified`` those counting in official figures. Flags
    are only meaningful where something was entered: with nothing entered they are None
    (shown "—", never 0).
    """

    regions: int = 0
    expected: int = 0
    entered: int = 0
    complete: int = 0
    verified: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0  # regions that have not submitted (timeliness "missing")
    flags: Flags = field(default_factory=Flags)

    @property
    def complete_pct(self) -> Decimal | None:
        return d.pct(self.complete, self.expected)

    @property
    def verified_pct(self) -> Decimal | None:
        return d.pct(self.verified, self.expected)

    @property
    def has_data(self) -> bool:
        return self.entered > 0

    @property
    def checked(self) -> Flags | None:
        """The flags, or None when no report has data yet (never a reassuring 0)."""
        return self.flags if self.has_data else None

    @property
    def flagged_pct(self) -> Decimal | None:
        return d.pct(self.flags.flagged_reports, self.entered) if self.has_data else None

    def add(self, other: Figures) -> None:
        for name in ("regions", "expected", "entered", "complete", "verified"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("on_time", "late", "missing"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.flags = self.flags + other.flags

    def figures_dict(self) -> dict[str, Any]:
        f = self.checked
        return {
            "expected": self.expected,
            "entered": self.entered,
            "complete": self.complete,
            "complete_pct": self.complete_pct,
            "verified": self.verified,
            "verified_pct": self.verified_pct,
            "errors": f.errors if f else None,
            "warnings": f.warnings if f else None,
            "unexplained": f.unexplained if f else None,
            "explained": f.explained if f else None,
            "warnings_total": f.warnings_total if f else None,
            "explained_pct": f.explained_pct if f else None,
            "flagged_reports": f.flagged_reports if f else None,
            "flagged_pct": self.flagged_pct,
        }


@dataclass
class RegionRow(Figures):
    id: int = 0
    code: str = ""
    name: str = ""
    level: str = ""
    province_code: str = ""
    timeliness: str = "missing"  # on_time / late / missing (rules.windows)
    submitted_on: dt.date | None = None
    due_date: dt.date | None = None

    @property
    def level_label(self) -> str:
        return str(d.LEVEL_LABELS.get(self.level, self.level))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "province": self.province_code,
            **self.figures_dict(),
            "timeliness": self.timeliness,
            "submitted_on": self.submitted_on,
            "due_date": self.due_date,
        }


@dataclass
class GroupRow(Figures):
    """A level (province / kabupaten / kota) or a province with its kab/kota."""

    key: str = ""
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "regions": self.regions,
            **self.figures_dict(),
            "on_time": self.on_time,
            "late": self.late,
            "not_submitted": self.missing,
        }


@dataclass
class RuleRow:
    """One active rule: its open flags in the scope, and how many warnings were explained."""

    code: str
    severity: str
    description: str
    errors: int = 0
    warnings: int = 0
    unexplained: int = 0
    warnings_total: int = 0
    reports: int = 0
    regions: int = 0

    @property
    def explained(self) -> int:
        return self.warnings_total - self.unexplained

    @property
    def explained_pct(self) -> Decimal | None:
        return d.pct(self.explained, self.warnings_total)

    @property
    def open(self) -> int:
        return self.errors + self.warnings

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS.get(self.severity, self.severity))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "description": self.description,
            "errors": self.errors,
            "warnings": self.warnings,
            "unexplained": self.unexplained,
            "explained": self.explained,
            "warnings_total": self.warnings_total,
            "explained_pct": self.explained_pct,
            "reports": self.reports,
            "regions": self.regions,
        }


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def describe(rule_message: str) -> str:
    """A rule's message as a description of the rule: its number placeholders shown as …"""
    return _PLACEHOLDER.sub("…", rule_message)


# ----------------------------------------------------------------------------- the view


@dataclass
class QualityView:
    year: int
    quarter: int
    period: Period | None
    regions: list[RegionRow]
    rules: list[RuleRow]
    province: Region | None = None
    region: Region | None = None
    sector_limit: frozenset[str] | None = None

    @property
    def total(self) -> GroupRow:
        out = GroupRow(key="", label=str(_("Semua")))
        for r in self.regions:
            out.add(r)
        return out

    @property
    def levels(self) -> list[GroupRow]:
        """Per level, only the levels the view contains."""
        out = []
        for level in d.LEVELS:
            mine = [r for r in self.regions if r.level == level]
            if not mine:
                continue
            row = GroupRow(key=level, label=str(d.LEVEL_LABELS[level]))
            for r in mine:
                row.add(r)
            out.append(row)
        return out

    @property
    def provinces(self) -> list[GroupRow]:
        """Per province: the province and its kab/kota (the national view's rows)."""
        names = {r.province_code: r.name for r in self.regions if r.level == Level.PROVINCE}
        groups: dict[str, GroupRow] = {}
        for r in sorted(self.regions, key=lambda r: r.code):
            g = groups.get(r.province_code)
            if g is None:
                label = names.get(r.province_code, r.province_code)
                g = groups[r.province_code] = GroupRow(key=r.province_code, label=label)
            g.add(r)
        return list(groups.values())

    def tables(self) -> dict[str, d.Table]:
        """The view as tables: what the page shows and a CSV/XLSX download holds."""
        return quality_tables(self)

    def as_dict(self) -> dict[str, Any]:
        """The API's payload (``GET /api/v1/dashboard/data-quality/``)."""
        return {
            "year": self.year,
            "quarter": self.quarter,
            "province": self.province.code if self.province else None,
            "region": self.region.code if self.region else None,
            "total": self.total.as_dict(),
            "levels": [g.as_dict() for g in self.levels],
            "regions": [r.as_dict() for r in self.regions],
            "rules": [r.as_dict() for r in self.rules],
        }


def checks_for(user: AnyUser, period: Period | None, scope: d.Scope) -> QuerySet[ReportCheck]:
    """The flags of the period the user may see, narrowed like the scope; active rules only."""
    if period is None:
        return ReportCheck.objects.none()
    qs = ReportCheck.objects.visible_to(user, Action.VIEW).filter(
        report__period=period, rule__is_active=True
    )
    if scope.province is not None:
        qs = qs.filter(report__region__province_code=scope.province.code)
    if scope.region is not None:
        qs = qs.filter(report__region=scope.region)
    return qs


@dataclass
class FlagTables:
    """Flag counts of a view: per region (id) and per rule (id)."""

    regions: dict[int, Flags] = field(default_factory=lambda: defaultdict(Flags))
    rules: dict[int, dict[str, int]] = field(default_factory=dict)


def flag_tables(user: AnyUser, period: Period | None, scope: d.Scope) -> FlagTables:
    """Counts of the scope's flags by region and by rule, from one grouping by region × rule.

    A flag belongs to one region and one rule, and a report to one region, so folding the
    groups either way gives exact sums — also of the reports with an open flag of a rule.
    The reports with any open flag of a region take a second, narrow grouping of the open
    flags' report ids.
    """
    out = FlagTables()
    if period is None:
        return out
    opened = open_q()
    names = ("errors", "warnings", "unexplained", "warnings_total")
    rows = (
        checks_for(user, period, scope)
        .order_by()
        .values("report__region_id", "rule_id")
        .annotate(
            errors=Count("pk", filter=opened & Q(severity=E)),
            warnings=Count("pk", filter=opened & Q(severity=W)),
            unexplained=Count("pk", filter=opened & Q(severity=W, explanation="")),
            warnings_total=Count("pk", filter=Q(severity=W)),
            reports=Count("report_id", filter=opened, distinct=True),
        )
    )
    for group in rows:
        row: dict[str, Any] = dict(group)
        f = out.regions[row["report__region_id"]]
        rule = out.rules.setdefault(
            row["rule_id"], dict.fromkeys((*names, "reports", "regions"), 0)
        )
        for name in names:
            setattr(f, name, getattr(f, name) + row[name])
            rule[name] += row[name]
        rule["reports"] += row["reports"]
        rule["regions"] += bool(row["reports"])
    for region_id, n in (
        checks_for(user, period, scope)
        .filter(opened)
        .order_by()
        .values("report__region_id")
        .annotate(n=Count("report_id", distinct=True))
        .values_list("report__region_id", "n")
    ):
        out.regions[region_id].flagged_reports = n
    return out


def _timeliness(on_time: bool, late: bool) -> str:
    return "on_time" if on_time else ("late" if late else "missing")


def region_rows(
    scope: d.Scope,
    period: Period | None,
    services: Sequence[d.ServiceInfo],
    flags: FlagTables,
) -> list[RegionRow]:
    """One row per region of the period's universe in the scope, by code."""
    per_level: dict[str, int] = defaultdict(int)
    for s in services:
        per_level[s.level] += 1
    reports: dict[int, dict[str, Any]] = {}
    regions = d.regions_with_status(scope, period)
    if period is not None:
        reports = {
            r["region_id"]: dict(r)
            for r in scope.reports.filter(period=period)
            .order_by()
            .values("region_id")
            .annotate(
                entered=Count("pk", filter=Q(entered_at__isnull=False)),
                complete=Count("pk", filter=completeness.counted_q(provisional=True)),
                verified=Count("pk", filter=completeness.counted_q()),
            )
        }
        sub = scope.submissions.filter(period=period, region=OuterRef("pk"))
        regions = regions.annotate(
            sent_at=Subquery(sub.values("submitted_at")[:1]),
            own_due=Subquery(sub.values("due_date")[:1]),
        )
    fields = ["pk", "code", "name", "level", "province_code", "is_on_time", "is_late_sub"]
    if period is not None:
        fields += ["sent_at", "own_due"]
    rows = []
    for r in regions.order_by("code").values(*fields):
        rep = reports.get(r["pk"], {})
        expected = sum(per_level[lv] for lv in universe.service_levels(r["code"], r["level"]))
        timeliness = _timeliness(r["is_on_time"], r["is_late_sub"])
        sent = r.get("sent_at")
        rows.append(
            RegionRow(
                regions=1,
                expected=max(expected, rep.get("complete", 0)),
                entered=rep.get("entered", 0),
                complete=rep.get("complete", 0),
                verified=rep.get("verified", 0),
                on_time=int(timeliness == "on_time"),
                late=int(timeliness == "late"),
                missing=int(timeliness == "missing"),
                flags=flags.regions.get(r["pk"]) or Flags(),
                id=r["pk"],
                code=r["code"],
                name=r["name"],
                level=r["level"],
                province_code=r["province_code"],
                timeliness=timeliness,
                submitted_on=(
                    timezone.localtime(sent, windows.local_tz()).date()
                    if sent and timeliness != "missing"
                    else None
                ),
                due_date=(r.get("own_due") or period.due_date) if period else None,
            )
        )
    return rows


def rule_rows(flags: FlagTables) -> list[RuleRow]:
    """Every active rule, with its flags in the scope (rules that flag nothing show zeros)."""
    counts = flags.rules
    out = []
    for rule in ValidationRule.objects.filter(is_active=True).order_by("code"):
        c = counts.get(rule.pk, {})
        out.append(
            RuleRow(
                code=rule.code,
                severity=rule.severity,
                description=describe(rule.message()),
                errors=c.get("errors", 0),
                warnings=c.get("warnings", 0),
                unexplained=c.get("unexplained", 0),
                warnings_total=c.get("warnings_total", 0),
                reports=c.get("reports", 0),
                regions=c.get("regions", 0),
            )
        )
    return out


def quality_view(
    user: AnyUser,
    year: int,
    quarter: int,
    *,
    province: Region | None = None,
    region: Region | None = None,
) -> QualityView:
    """The data-quality figures of one quarter in the user's scope (optionally narrowed)."""
    scope = d.scope_for(user, province=province, region=region)
    period = d.get_period(year, quarter)
    services = d.expected_services(year, scope.sectors)
    flags = flag_tables(user, period, scope)
    return QualityView(
        year=year,
        quarter=quarter,
        period=period,
        regions=region_rows(scope, period, services, flags),
        rules=rule_rows(flags),
        province=province,
        region=region,
        sector_limit=scope.sectors,
    )


# ----------------------------------------------------------------------------- tables

FIGURE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("expected", _("Laporan wajib")),
    ("entered", _("Laporan terisi")),
    ("complete", _("Laporan lengkap")),
    ("complete_pct", _("Persentase lengkap dari wajib")),
    ("verified", _("Laporan terverifikasi")),
    ("verified_pct", _("Persentase terverifikasi dari wajib")),
    ("errors", _("Galat terbuka")),
    ("warnings", _("Peringatan terbuka")),
    ("unexplained", _("Peringatan belum dijelaskan")),
    ("explained", _("Peringatan dijelaskan")),
    ("warnings_total", _("Semua peringatan")),
    ("explained_pct", _("Persentase dijelaskan dari semua peringatan")),
    ("flagged_reports", _("Laporan dengan temuan terbuka")),
    ("flagged_pct", _("Persentase laporan terisi dengan temuan")),
)


def quality_tables(view: QualityView) -> dict[str, d.Table]:
    def table(key: str, title: Any, columns: Iterable[tuple[str, Any]], rows: list[Any]) -> d.Table:
        return d.Table(
            key,
            str(title),
            tuple((c, str(h)) for c, h in columns),
            [r.as_dict() for r in rows],
            WORDS,
        )

    return {
        "regions": table(
            "regions",
            _("Kualitas data per wilayah"),
            (
                ("code", _("Kode")),
                ("name", _("Wilayah")),
                ("level", _("Tingkat")),
                *FIGURE_COLUMNS,
                ("timeliness", _("Ketepatan waktu")),
                ("submitted_on", _("Tanggal kirim")),
                ("due_date", _("Batas waktu")),
            ),
            view.regions,
        ),
        "levels": table(
            "levels",
            _("Kualitas data per tingkat"),
            (
                ("label", _("Tingkat")),
                ("regions", _("Wilayah")),
                *FIGURE_COLUMNS,
                ("on_time", _("Mengirim tepat waktu")),
                ("late", _("Mengirim terlambat")),
                ("not_submitted", _("Belum mengirim")),
            ),
            view.levels,
        ),
        "rules": table(
            "rules",
            _("Temuan per aturan"),
            (
                ("code", _("Aturan")),
                ("severity", _("Tingkat temuan")),
                ("description", _("Pesan")),
                ("errors", _("Galat terbuka")),
                ("warnings", _("Peringatan terbuka")),
                ("unexplained", _("Peringatan belum dijelaskan")),
                ("explained", _("Peringatan dijelaskan")),
                ("warnings_total", _("Semua peringatan")),
                ("explained_pct", _("Persentase dijelaskan dari semua peringatan")),
                ("reports", _("Laporan dengan temuan terbuka")),
                ("regions", _("Wilayah dengan temuan terbuka")),
            ),
            view.rules,
        ),
    }


# ----------------------------------------------------------------------------- drill-down

# Which reports a drill-down lists, by their flags ("" = every report of the scope).
FLAG_FILTERS: dict[str, Any] = {
    "": _("Semua laporan"),
    "open": _("Laporan dengan temuan terbuka"),
    "errors": _("Laporan dengan galat terbuka"),
    "unexplained": _("Laporan dengan peringatan belum dijelaskan"),
    "explained": _("Laporan dengan peringatan yang dijelaskan"),
}


def flag_q(kind: str) -> Q:
    """The flags a drill-down filter ``kind`` looks for (on ReportCheck rows, active rules)."""
    opened = open_q()
    return {
        "": Q(),
        "open": opened,
        "errors": opened & Q(severity=E),
        "unexplained": opened & Q(severity=W, explanation=""),
        "explained": Q(severity=W) & ~(opened & Q(explanation="")),
    }[kind]


@dataclass
class ReportLine:
    """One expected report of a drill-down and its flags (``report`` None: no report row)."""

    region_code: str
    region_name: str
    service_code: str
    service_name: str
    report: Report | None = None
    checks: list[ReportCheck] = field(default_factory=list)

    @property
    def standing(self) -> completeness.Standing | None:
        return completeness.standing(self.report, provisional=True) if self.report else None

    @property
    def completeness_label(self) -> str:
        s = self.standing
        if s is None:
            return str(_("Tidak ada laporan"))
        return str(_("lengkap")) if s.complete else s.reason_label

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report else ""


def drill_reports(
    user: AnyUser,
    period: Period | None,
    *,
    province: Region | None = None,
    region: Region | None = None,
    level: str = "",
    rule: str = "",
    flags: str = "",
) -> QuerySet[Report]:
    """The reports behind a figure of the view, in the user's scope, by region and service."""
    scope = d.scope_for(user, province=province, region=region)
    if period is None:
        return scope.reports.none()
    qs = scope.reports.filter(period=period, region__in=universe.regions_of(period))
    if level:
        qs = qs.filter(region__level=level)
    if rule or flags:
        checks = ReportCheck.objects.filter(
            flag_q(flags), report=OuterRef("pk"), rule__is_active=True
        )
        if rule:
            checks = checks.filter(rule__code=rule)
        qs = qs.filter(Exists(checks))
    return qs.select_related("region", "service_type", "agency").order_by(
        "region__code", "service_type__order", "service_type__code"
    )


def report_lines(user: AnyUser, reports: Iterable[Report], rule: str = "") -> list[ReportLine]:
    """The reports with their flags (messages in the current language), in one query."""
    reports = list(reports)
    checks: dict[int, list[ReportCheck]] = defaultdict(list)
    qs = (
        ReportCheck.objects.visible_to(user, Action.VIEW)
        .filter(report_id__in=[r.pk for r in reports], rule__is_active=True)
        .select_related("rule", "explained_by", "confirmed_by")
        .order_by("report_id", "-severity", "section", "rule__code", "item_key")
    )
    if rule:
        qs = qs.filter(rule__code=rule)
    for c in qs:
        c.text = message(c)
        checks[c.report_id].append(c)
    return [
        ReportLine(
            r.region.code,
            r.region.name,
            r.service_type.code,
            r.service_type.name,
            r,
            checks.get(r.pk, []),
        )
        for r in reports
    ]


def missing_lines(
    region: Region, period: Period | None, services: Sequence[d.ServiceInfo], have: set[str]
) -> list[ReportLine]:
    """The expected services of one region that have no report row at all."""
    if period is not None and not universe.regions_of(period).filter(pk=region.pk).exists():
        return []
    levels = universe.service_levels(region.code, region.level)
    return [
        ReportLine(region.code, region.name, s.code, s.name)
        for s in services
        if s.level in levels and s.code not in have
    ]


# ----------------------------------------------------------------------------- cache

# The view reads, besides the dashboards' rows, the period's flags and the rules.
_CHECKS = "report_id IN (SELECT id FROM reporting_report WHERE {where})"
_RULES = ("reporting_validationrule", "TRUE", ())


def cache_parts(
    year: int, quarter: int, province: Region | None = None, region: Region | None = None
) -> tuple[dc.Part, ...]:
    """The rows whose fingerprint guards a cached view (``reporting.dashboards.cache``).

    Exactly the tables the view reads (tests/test_dashboard_cache_tables.py): no budget lines,
    plans or agencies, so editing those keeps the data-quality view cached.
    """
    if region is not None:
        mine = f"{dc.PERIOD} AND region_id = %s"
        args: tuple[Any, ...] = (year, quarter, region.pk)
        regions: dc.Part = ("regions_region", "id = %s", (region.pk,))
    elif province is not None:
        mine = f"{dc.PERIOD} AND {dc.IN_PROVINCE}"
        args = (year, quarter, province.code)
        regions = ("regions_region", "province_code = %s", (province.code,))
    else:
        mine, args = dc.PERIOD, (year, quarter)
        regions = ("regions_region", "TRUE", ())
    return (
        ("reporting_report", mine, args),
        ("reporting_regionsubmission", mine, args),
        ("reporting_reportcheck", _CHECKS.format(where=mine), args),
        ("reporting_periodregion", dc.PERIOD, (year, quarter)),
        regions,
        _RULES,
        *dc.CATALOG,
    )


def cache_key(
    kind: str, year: int, quarter: int, province: Region | None, region: Region | None
) -> dc.Key:
    where = (province.code if province else "", region.code if region else "")
    return dc.Key(
        f"quality-{kind}", (year, quarter, *where), cache_parts(year, quarter, province, region)
    )


def cached_payload(
    user: AnyUser, year: int, quarter: int, province: Region | None, region: Region | None
) -> dict[str, Any]:
    """``quality_view(...).as_dict()``, reused while its rows stand (page data and API)."""
    return dc.cached(
        user,
        cache_key("data", year, quarter, province, region),
        lambda: quality_view(user, year, quarter, province=province, region=region).as_dict(),
    )
