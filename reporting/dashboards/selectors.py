"""Dashboard figures (selectors): input status, timeliness, capaian roll-ups, rankings, awards.

Every figure is one SQL aggregate over stored fields (``Report.capaian_index``/``band``/
``entered_at`` and ``RegionSubmission.status``/``submitted_at``/``is_late``), read through
the scoping layer at request time, so a figure is as fresh as the last commit. For a user who
sees whole regions (``Scope.figures``/``whole``) the report aggregates are read from the rows
``reporting.figures`` keeps in each write's transaction, which hold the same sums and counts.
The number of queries does not depend on the number of regions (pinned in tests).

The same functions feed the pages, their CSV/Excel downloads, the drill-down lists and
the API, so a figure is the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import CatalogYear, ServiceType
from regions.models import Level, Region
from regions.scoping import (
    AnyUser,
    has_national_view,
    reads_region_as_agency_only,
    reads_regions_whole,
    sector_limit,
    sees_region_wide,
)
from reporting.dashboards import cache as dc
from reporting.models import (
    QUARTER_LABELS,
    Period,
    RegionFigure,
    RegionSubmission,
    Report,
    ServiceFigure,
)
from reporting.plans import selectors as plans
from reporting.rules import annual as annual_rule
from reporting.rules import completeness, universe, windows
from reporting.rules.capaian import band_for, bands, rollup, rollup_of, round2

LEVELS: tuple[str, ...] = (Level.PROVINCE, Level.KABUPATEN, Level.KOTA)
LEVEL_LABELS: dict[str, Any] = {
    Level.PROVINCE: _("Provinsi"),
    Level.KABUPATEN: _("Kabupaten"),
    Level.KOTA: _("Kota"),
}
SUBMITTED = (RegionSubmission.Status.SUBMITTED, RegionSubmission.Status.ACCEPTED)
MISSING_BAND = "__missing__"

# Filters a drill-down list accepts; each matches one figure of ``LevelRow``.
REGION_STATUS_FILTERS: dict[str, Q] = {
    "all": Q(),
    "entered": Q(has_entered=True),
    "submitted": Q(has_submitted=True),
    "accepted": Q(has_accepted=True),
    "nothing": Q(has_entered=False, has_submitted=False),
    "on_time": Q(is_on_time=True),
    "late": Q(is_late_sub=True),
    "missing": Q(has_submitted=False),
}

DEFAULT_AWARD_RULE: dict[str, Any] = {
    "top": 3,
    "max_missing": 0,
    "require_on_time": True,
    "require_accepted": False,
    "min_index": 0,
}


# ----------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What one dashboard reads: scoped reports/submissions and the regions it counts."""

    reports: QuerySet[Report]
    submissions: QuerySet[RegionSubmission]
    regions: QuerySet[Region]
    sectors: frozenset[str] | None = None  # a sector viewer's limit on expected services
    province: Region | None = None
    region: Region | None = None
    # The *sementara* switch: count complete drafts too (official figures: verified only).
    provisional: bool = False
    # ``reports`` are every report of ``regions`` (of ``sectors``): the figures can be read from
    # the maintained per-region rows (``reporting.figures``) instead of the reports.
    figures: bool = False
    # ...and ``regions`` are the whole nation (``province`` None) or the whole ``province``: the
    # per-province service rows serve too.
    whole: bool = False


def scope_for(
    user: AnyUser,
    *,
    province: Region | None = None,
    region: Region | None = None,
    provisional: bool = False,
) -> Scope:
    """The user's scope, optionally narrowed to one province (and its kab/kota) or one region.

    Which of its regions a period counts is the period's universe (``regions_with_status``).
    """
    regions = Region.objects.visible_to(user).filter(level__in=LEVELS)
    reports = Report.objects.visible_to(user)
    submissions = RegionSubmission.objects.visible_to(user)
    if province is not None:
        regions = regions.filter(province_code=province.code)
        reports = reports.filter(region__province_code=province.code)
        submissions = submissions.filter(region__province_code=province.code)
    if region is not None:
        regions = regions.filter(pk=region.pk)
        reports = reports.filter(region=region)
        submissions = submissions.filter(region=region)
    figures = reads_regions_whole(user)
    whole = (
        figures
        and region is None
        and (has_national_view(user) if province is None else sees_region_wide(user, province))
    )
    return Scope(
        reports,
        submissions,
        regions,
        sector_limit(user),
        province,
        region,
        provisional,
        figures=figures,
        whole=whole,
    )


def national_scope(*, provisional: bool = False) -> Scope:
    """Everything, for positions in the national ranking (only a rank number is shown)."""
    return Scope(
        Report.objects.all(),
        RegionSubmission.objects.all(),
        Region.objects.filter(level__in=LEVELS),
        provisional=provisional,
        figures=True,
        whole=True,
    )


# ----------------------------------------------------------------------------- periods


def get_period(year: int, quarter: int) -> Period | None:
    return Period.objects.filter(year=year, quarter=quarter).first()


def default_year_quarter(today: dt.date | None = None) -> tuple[int, int]:
    """The latest period that has been opened; else the quarter before today."""
    latest = (
        Period.objects.exclude(state=Period.State.PLANNED)
        .order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .first()
    )
    if latest:
        return latest
    today = today or timezone.localdate()
    q = (today.month - 1) // 3 + 1
    return (today.year, q - 1) if q > 1 else (today.year - 1, 4)


def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return round2(Decimal(part) * 100 / Decimal(whole))


# ----------------------------------------------------------------------------- input status


@dataclass(frozen=True)
class LevelRow:
    """Input status and timeliness of one level, as counts of the period's universe."""

    level: str
    total: int
    entered: int
    submitted: int
    accepted: int
    nothing: int
    on_time: int
    late: int

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, self.level))

    @property
    def missing(self) -> int:
        return self.total - self.submitted

    def pct(self, name: str) -> Decimal | None:
        return pct(getattr(self, name), self.total)

    @property
    def entered_pct(self) -> Decimal | None:
        return self.pct("entered")

    @property
    def submitted_pct(self) -> Decimal | None:
        return self.pct("submitted")

    @property
    def accepted_pct(self) -> Decimal | None:
        return self.pct("accepted")

    @property
    def nothing_pct(self) -> Decimal | None:
        return self.pct("nothing")

    @property
    def on_time_pct(self) -> Decimal | None:
        return self.pct("on_time")

    @property
    def late_pct(self) -> Decimal | None:
        return self.pct("late")

    @property
    def missing_pct(self) -> Decimal | None:
        return self.pct("missing")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "label": self.label, "total": self.total}
        for name in ("entered", "submitted", "accepted", "nothing", "on_time", "late", "missing"):
            out[name] = getattr(self, name)
            out[f"{name}_pct"] = self.pct(name)
        return out


def regions_with_status(scope: Scope, period: Period | None) -> QuerySet[Any]:
    """The scope's regions, each annotated with its input-status and timeliness flags.

    Dashboard counts aggregate exactly this queryset and drill-down lists filter it, so a
    count and its list cannot disagree. The regions are the period's universe
    (``rules.universe``), so every count has the period's own denominator.
    """
    regions = scope.regions.filter(universe.in_universe_q(period))
    if period is None:
        false = Value(False, output_field=BooleanField())
        return regions.annotate(
            has_entered=false,
            has_submitted=false,
            has_accepted=false,
            is_on_time=false,
            is_late_sub=false,
        )
    entered: QuerySet[Any] = (
        region_figures(scope, period).filter(region=OuterRef("pk"), entered__gt=0)
        if scope.figures
        else scope.reports.filter(period=period, region=OuterRef("pk"), entered_at__isnull=False)
    )
    subs = scope.submissions.filter(period=period, region=OuterRef("pk"))
    # Timeliness is reporting.rules.windows's rule, in its SQL form.
    return regions.annotate(
        has_entered=Exists(entered),
        has_submitted=Exists(subs.filter(status__in=SUBMITTED)),
        has_accepted=Exists(subs.filter(status=RegionSubmission.Status.ACCEPTED)),
        is_on_time=Exists(subs.filter(windows.on_time_q())),
        is_late_sub=Exists(subs.filter(windows.late_q())),
    )


def _input_status(scope: Scope, period: Period | None) -> list[LevelRow]:
    flagged = regions_with_status(scope, period)
    agg: dict[str, dict[str, Any]] = {
        row["level"]: row
        for row in flagged.order_by()
        .values("level")
        .annotate(
            total=Count("pk"),
            entered=Count("pk", filter=Q(has_entered=True)),
            submitted=Count("pk", filter=Q(has_submitted=True)),
            accepted=Count("pk", filter=Q(has_accepted=True)),
            nothing=Count("pk", filter=Q(has_entered=False, has_submitted=False)),
            on_time=Count("pk", filter=Q(is_on_time=True)),
            late=Count("pk", filter=Q(is_late_sub=True)),
        )
    }
    rows = []
    for level in LEVELS:
        a: dict[str, Any] | None = agg.get(level)
        if a is None:
            if scope.province is not None or scope.region is not None:
                continue  # a narrowed dashboard only lists the levels it contains
            a = dict.fromkeys(
                ("total", "entered", "submitted", "accepted", "nothing", "on_time", "late"), 0
            )
        rows.append(
            LevelRow(
                level=level,
                total=a["total"],
                entered=a["entered"],
                submitted=a["submitted"],
                accepted=a["accepted"],
                nothing=a["nothing"],
                on_time=a["on_time"],
                late=a["late"],
            )
        )
    return rows


def status_from_rollup(rows: Sequence[RegionRollup], *, narrowed: bool) -> list[LevelRow]:
    """The same counts as ``_input_status``, from region rows a page has already loaded.

    Both read ``regions_with_status``, so they cannot disagree (tested); this saves a query.
    """
    out = []
    for level in LEVELS:
        mine = [r for r in rows if r.level == level]
        if not mine and narrowed:
            continue
        out.append(
            LevelRow(
                level=level,
                total=len(mine),
                entered=sum(r.entered for r in mine),
                submitted=sum(r.submitted for r in mine),
                accepted=sum(r.accepted for r in mine),
                nothing=sum(not r.entered and not r.submitted for r in mine),
                on_time=sum(r.timeliness == "on_time" for r in mine),
                late=sum(r.timeliness == "late" for r in mine),
            )
        )
    return out


def input_status(
    user: AnyUser, year: int, quarter: int, *, province: Region | None = None
) -> list[LevelRow]:
    """Per level: total active regions, entered / submitted / accepted / nothing, on time / late."""
    return _input_status(scope_for(user, province=province), get_period(year, quarter))


# ----------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    code: str
    name: str
    level: str  # ServiceLevel: province / kabkota
    sector_code: str
    sector_name: str


def expected_services(year: int, sectors: frozenset[str] | None = None) -> list[ServiceInfo]:
    """The service types a region is expected to report in ``year`` (one query)."""
    qs = ServiceType.objects.order_by("level", "order", "-edition_id")
    edition = CatalogYear.objects.filter(year=year).values_list("edition_id", flat=True).first()
    if edition is not None:
        qs = qs.filter(edition_id=edition)
    if sectors is not None:
        qs = qs.filter(sector__code__in=sectors)
    seen: set[str] = set()
    out = []
    for row in qs.values_list("id", "code", "name", "level", "sector__code", "sector__name"):
        if row[1] in seen:  # without a CatalogYear, keep one edition's row per code
            continue
        seen.add(row[1])
        out.append(ServiceInfo(*row))
    return out


def service_level_of(region_level: str) -> str:
    return "province" if region_level == Level.PROVINCE else "kabkota"


# ----------------------------------------------------------------------------- capaian


def region_figures(scope: Scope, period: Period) -> QuerySet[RegionFigure]:
    """The maintained period × region × sector rows of the scope's reports (``scope.figures``).

    Not narrowed to the scope's regions: callers correlate or look up by region.
    """
    rows = RegionFigure.objects.filter(period=period)
    if scope.sectors is not None:
        rows = rows.filter(sector__code__in=scope.sectors)
    return rows


def _narrowed(rows: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    """Maintained per-region rows narrowed to the scope's one region or province."""
    if scope.region is not None:
        return rows.filter(region=scope.region)
    if scope.province is not None:
        return rows.filter(region__province_code=scope.province.code)
    return rows


def counted_by_region(scope: Scope, period: Period | None) -> dict[int, dict[str, Any]]:
    """Per region id: the sum (``total``) and number (``n``) of the indices that count."""
    if period is None:
        return {}
    rows: QuerySet[Any]
    if scope.figures:
        rows = (
            region_figures(scope, period)
            .filter(completeness.counted_figure_q(provisional=scope.provisional))
            .order_by()
            .values("region_id")
            .annotate(total=Sum("total"), n=Sum("counted"))
        )
        rows = _narrowed(rows, scope)
    else:
        rows = (
            counted_reports(scope, period)
            .order_by()
            .values("region_id")
            .annotate(total=Sum("capaian_index"), n=Count("pk"))
        )
    return {r["region_id"]: dict(r) for r in rows}


def counted_reports(scope: Scope, period: Period | None) -> QuerySet[Report]:
    """Reports that count in capaian figures (``rules.completeness.counted_q``)."""
    if period is None:
        return scope.reports.none()
    return scope.reports.filter(period=period).filter(
        completeness.counted_q(provisional=scope.provisional)
    )


@dataclass
class RollupRow:
    """A roll-up over the expected reports (``rules.capaian.Rollup``, the stated policy).

    ``mean`` is the official figure: the index over ALL expected reports, a missing,
    incomplete or (in official figures) unverified one counting 0; None when nothing
    counted. ``mean_reported`` is the mean of what was counted, always shown labelled.
    """

    key: str
    label: str
    mean: Decimal | None
    reported: int
    expected: int
    extra: dict[str, Any] = field(default_factory=dict)
    mean_reported: Decimal | None = None

    @property
    def missing(self) -> int:
        return max(self.expected - self.reported, 0)

    @property
    def mean_display(self) -> Decimal | None:
        return round2(self.mean) if self.mean is not None else None

    @property
    def mean_reported_display(self) -> Decimal | None:
        return round2(self.mean_reported) if self.mean_reported is not None else None

    @property
    def band(self) -> str:
        return band_for(self.mean) if self.mean is not None else ""

    @property
    def completeness_text(self) -> str:
        return str(_("%(n)s dari %(m)s layanan")) % {"n": self.reported, "m": self.expected}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "capaian": self.mean_display,
            "band": self.band,
            "mean_reported": self.mean_reported_display,
            "reported": self.reported,
            "expected": self.expected,
            "missing": self.missing,
            **{k: v for k, v in self.extra.items() if not k.startswith("_")},
        }


def _rolled(total: Decimal, reported: int, expected: int) -> tuple[Decimal | None, Decimal | None]:
    """(official index over expected, mean of the counted) — ``capaian.rollup_of``'s rule."""
    r = rollup_of(total, reported, expected)
    return r.index, r.mean_reported


@dataclass
class RegionRollup(RollupRow):
    level: str = ""
    province_code: str = ""
    timeliness: str = "missing"  # on_time / late / missing
    submitted: bool = False
    accepted: bool = False
    entered: bool = False
    rank: int | None = None
    province_rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "code": self.key,
            "name": self.label,
            "level": self.level,
            "capaian": self.mean_display,
            "band": self.band,
            "mean_reported": self.mean_reported_display,
            "reported": self.reported,
            "expected": self.expected,
            "missing": self.missing,
            "timeliness": self.timeliness,
            "accepted": self.accepted,
        }


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def carriers(regions: Iterable[tuple[str, str]]) -> dict[str, int]:
    """How many of these (code, level) regions report each catalog level's service types."""
    out: dict[str, int] = defaultdict(int)
    for code, level in regions:
        for service_level in universe.service_levels(code, level):
            out[service_level] += 1
    return out


def service_band_totals(
    scope: Scope, period: Period | None, counted_in_universe: int | None = None
) -> list[dict[str, Any]]:
    """Sum and count of counted indices per service type × band: one scan for three figures.

    Sector, service type and band roll-ups are exact folds of these rows (mean = sum / n).
    Only reports of the period's universe count, as in the ranking that shares their
    denominators. A whole nation or province reads the maintained per-province rows, which
    hold every report of its regions: they serve when they count exactly the reports of the
    universe's regions (``counted_in_universe``: the ranking's reported counts, or read here),
    the usual case; a region outside the universe with counted reports makes the figures come
    from the reports themselves.
    """
    if period is None:
        return []
    if scope.whole:
        rows = ServiceFigure.objects.filter(period=period).filter(
            completeness.counted_figure_q(provisional=scope.provisional)
        )
        # A province's rows, or the whole nation's (province code '').
        rows = rows.filter(province_code=scope.province.code if scope.province else "")
        if scope.sectors is not None:
            rows = rows.filter(service_type__sector__code__in=scope.sectors)
        maintained: list[dict[str, Any]] = [
            dict(r)
            for r in rows.order_by()
            .values("service_type__code", "service_type__sector__code", "band")
            .annotate(total=Sum("total"), n=Sum("counted"))
        ]
        if counted_in_universe is None:
            counted_in_universe = counted_in_universe_of(scope, period)
        if sum(r["n"] for r in maintained) == counted_in_universe:
            return maintained
    in_universe = scope.regions.filter(universe.in_universe_q(period))
    return [
        dict(r)
        for r in counted_reports(scope, period)
        .filter(region__in=in_universe)
        .order_by()
        .values("service_type__code", "service_type__sector__code", "band")
        .annotate(total=Sum("capaian_index"), n=Count("pk"))
    ]


def counted_in_universe_of(scope: Scope, period: Period) -> int:
    """How many reports count in the scope's regions of the period's universe."""
    ids = set(scope.regions.filter(universe.in_universe_q(period)).values_list("pk", flat=True))
    return sum(a["n"] for pk, a in counted_by_region(scope, period).items() if pk in ids)


def _fold(rows: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        acc = out.setdefault(r[key], {"total": Decimal(0), "n": 0})
        acc["total"] += Decimal(str(r["total"]))
        acc["n"] += r["n"]
    return out


def rollup_by_sector(
    scope: Scope,
    period: Period | None,
    services: Sequence[ServiceInfo],
    totals: dict[str, int],
    rows: list[dict[str, Any]] | None = None,
) -> list[RollupRow]:
    if rows is None:
        rows = service_band_totals(scope, period)
    agg = _fold(rows, "service_type__sector__code")
    expected: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for s in services:
        names[s.sector_code] = s.sector_name
        expected[s.sector_code] += totals.get(s.level, 0)
    return [_rollup_row(code, names[code], agg.get(code), expected[code]) for code in names]


def _rollup_row(
    key: str, label: str, acc: dict[str, Any] | None, expected: int, extra: Any = None
) -> RollupRow:
    total, n = (acc["total"], acc["n"]) if acc else (Decimal(0), 0)
    official, reported_mean = _rolled(total, n, expected)
    return RollupRow(key, label, official, n, max(expected, n), extra or {}, reported_mean)


def rollup_by_service_type(
    scope: Scope,
    period: Period | None,
    services: Sequence[ServiceInfo],
    totals: dict[str, int],
    rows: list[dict[str, Any]] | None = None,
) -> list[RollupRow]:
    if rows is None:
        rows = service_band_totals(scope, period)
    agg = _fold(rows, "service_type__code")
    return [
        _rollup_row(
            s.code,
            s.name,
            agg.get(s.code),
            totals.get(s.level, 0),
            {"sector": s.sector_code, "level": s.level},
        )
        for s in services
        if totals.get(s.level, 0)
    ]


@dataclass(frozen=True)
class BandRow:
    band: str
    count: int
    share: Decimal | None  # of all expected reports

    @property
    def css(self) -> str:
        return "band-missing" if self.band == MISSING_BAND else "band-" + slug(self.band)

    @property
    def label(self) -> str:
        return str(_("Tidak ada laporan terhitung")) if self.band == MISSING_BAND else self.band

    def as_dict(self) -> dict[str, Any]:
        return {"band": self.label, "count": self.count, "share_pct": self.share}


def slug(text: str) -> str:
    return "-".join(text.lower().split())


def band_distribution(
    scope: Scope, period: Period | None, expected: int, rows: list[dict[str, Any]] | None = None
) -> list[BandRow]:
    """Reports per band (highest first), then the missing reports as their own row."""
    if rows is None:
        rows = service_band_totals(scope, period)
    agg = {band: acc["n"] for band, acc in _fold(rows, "band").items()}
    reported = sum(agg.values())
    out = [
        BandRow(label, agg.get(label, 0), pct(agg.get(label, 0), expected))
        for _lo, label in bands()
    ]
    missing = max(expected - reported, 0)
    out.append(BandRow(MISSING_BAND, missing, pct(missing, expected)))
    return out


CONTACT_FIELDS = ("contact_name", "contact_position", "contact_phone", "contact_email")
_CONTACT_KEYS = tuple(f"_{f}" for f in CONTACT_FIELDS)


def rollup_by_region(
    scope: Scope, period: Period | None, services: Sequence[ServiceInfo]
) -> list[RegionRollup]:
    """One row per region of the period's universe in the scope, ranked within its level."""
    per_level: dict[str, int] = defaultdict(int)
    for s in services:
        per_level[s.level] += 1
    agg = counted_by_region(scope, period)
    # Regions of one level share the count unless the universe says otherwise: worked out once
    # per (code rule, level) and looked up per row, as is everything else a row needs.
    expected_of: dict[tuple[str, ...], int] = {}
    rows: list[RegionRollup] = []
    flags = regions_with_status(scope, period).values_list(
        "pk",
        "code",
        "name",
        "level",
        "province_code",
        "has_entered",
        "has_submitted",
        "has_accepted",
        "is_on_time",
        "is_late_sub",
        *CONTACT_FIELDS,
    )
    for (
        pk,
        code,
        name,
        level,
        province_code,
        entered,
        submitted,
        accepted,
        on_time,
        late,
        *contact,
    ) in flags:
        levels = universe.service_levels(code, level)
        expected = expected_of.get(levels)
        if expected is None:
            expected = expected_of[levels] = sum(per_level[lv] for lv in levels)
        a = agg.get(pk)
        reported, total = (a["n"], _as_decimal(a["total"])) if a else (0, None)
        official, reported_mean = _rolled(total or Decimal(0), reported, expected)
        extra: dict[str, Any] = dict(zip(_CONTACT_KEYS, contact, strict=True))
        extra["_id"] = pk
        rows.append(
            RegionRollup(
                key=code,
                label=name,
                mean=official,
                mean_reported=reported_mean,
                reported=reported,
                expected=max(expected, reported),
                extra=extra,
                level=level,
                province_code=province_code,
                timeliness="on_time" if on_time else ("late" if late else "missing"),
                submitted=submitted,
                accepted=accepted,
                entered=entered,
            )
        )
    return rank_regions(rows)


TIMELINESS_ORDER = {"on_time": 0, "late": 1, "missing": 2}
TIE_RULE = _(
    "Peringkat per tingkat menurut indeks capaian atas SEMUA jenis layanan yang wajib "
    "dilaporkan: laporan yang tidak ada, belum lengkap atau (pada angka resmi) belum "
    "terverifikasi dihitung 0. Bila sama (dibulatkan 2 desimal), pengiriman tepat waktu "
    "didahulukan (tepat waktu, terlambat, belum mengirim); bila masih sama, lebih sedikit "
    "jenis layanan tanpa laporan; terakhir kode wilayah terkecil. Di samping indeks selalu "
    "ditampilkan kelengkapan (mis. 11 dari 14 layanan) dan rata-rata layanan yang dilaporkan. "
    "Wilayah tanpa satu pun laporan terhitung tidak diperingkat."
)
OFFICIAL_RULE = _(
    "Angka resmi: hanya laporan yang sudah diverifikasi wilayah (dan di atasnya) yang dihitung."
)
PROVISIONAL_RULE = _(
    "Angka sementara: termasuk laporan lengkap yang belum diverifikasi (draf, diajukan, "
    "dikembalikan). Bukan angka resmi."
)


def rank_key(row: RegionRollup) -> tuple[Any, ...]:
    if row.mean is None:
        raise ValueError(f"region {row.key} has no figure to rank")
    return (-round2(row.mean), TIMELINESS_ORDER[row.timeliness], row.missing, row.key)


def rank_regions(rows: list[RegionRollup]) -> list[RegionRollup]:
    """Rank within each level (stated tie rule) and, for kab/kota, within their province."""
    ranked = sorted((r for r in rows if r.mean is not None), key=rank_key)
    unranked = sorted((r for r in rows if r.mean is None), key=lambda r: r.key)
    level_pos: dict[str, int] = defaultdict(int)
    prov_pos: dict[str, int] = defaultdict(int)
    for r in ranked:
        level_pos[r.level] += 1
        r.rank = level_pos[r.level]
        if r.level != Level.PROVINCE:
            prov_pos[r.province_code] += 1
            r.province_rank = prov_pos[r.province_code]
    return ranked + unranked


def capaian_rollup(
    user: AnyUser,
    year: int,
    quarter: int,
    by: Literal["region", "sector", "service_type"] = "region",
    *,
    province: Region | None = None,
    provisional: bool = False,
) -> list[RollupRow] | list[RegionRollup]:
    """Capaian roll-up in the user's scope; missing reports are counted, never dropped."""
    scope = scope_for(user, province=province, provisional=provisional)
    period = get_period(year, quarter)
    services = expected_services(year, scope.sectors)
    if by == "region":
        return rollup_by_region(scope, period, services)
    totals = carriers(regions_with_status(scope, period).values_list("code", "level"))
    if by == "sector":
        return rollup_by_sector(scope, period, services, totals)
    if by == "service_type":
        return rollup_by_service_type(scope, period, services, totals)
    raise ValueError(f"unknown roll-up: {by}")


def mean_of(rows: Iterable[RollupRow]) -> Decimal | None:
    """Mean of the rows that have a figure; callers name that count as its denominator."""
    values = [r.mean for r in rows if r.mean is not None]
    return sum(values, Decimal(0)) / len(values) if values else None


# ----------------------------------------------------------------------------- awards


def award_rule() -> dict[str, Any]:
    return {**DEFAULT_AWARD_RULE, **getattr(settings, "SPM_AWARD_RULE", {})}


def award_rule_text(rule: dict[str, Any]) -> str:
    parts = [str(_("urutan peringkat di atas"))]
    if rule["max_missing"] == 0:
        parts.append(str(_("semua jenis layanan dilaporkan")))
    else:
        parts.append(
            str(_("paling banyak %(n)s jenis layanan tanpa laporan")) % {"n": rule["max_missing"]}
        )
    if rule["require_on_time"]:
        parts.append(str(_("laporan wilayah dikirim tepat waktu")))
    if rule["require_accepted"]:
        parts.append(str(_("laporan wilayah sudah diterima")))
    if rule["min_index"]:
        parts.append(str(_("capaian minimal %(n)s")) % {"n": rule["min_index"]})
    return str(
        _("Kandidat Penghargaan SPM: %(top)s teratas per kategori dengan syarat: %(rules)s.")
    ) % {
        "top": rule["top"],
        "rules": "; ".join(parts),
    }


def award_candidates(ranking: Sequence[RegionRollup]) -> dict[str, list[RegionRollup]]:
    """Top N per category (province / kabupaten / kota) meeting the configured rule."""
    rule = award_rule()
    out: dict[str, list[RegionRollup]] = {level: [] for level in LEVELS}
    for r in ranking:
        if r.rank is None or r.level not in out or len(out[r.level]) >= rule["top"]:
            continue
        if r.missing > rule["max_missing"]:
            continue
        if rule["require_on_time"] and r.timeliness != "on_time":
            continue
        if rule["require_accepted"] and not r.accepted:
            continue
        if r.mean is not None and r.mean < Decimal(str(rule["min_index"])):
            continue
        out[r.level].append(r)
    return out


# ----------------------------------------------------------------------------- dashboards


@dataclass
class NationalDashboard:
    year: int
    quarter: int
    period: Period | None
    status: list[LevelRow]
    ranking: list[RegionRollup]
    sectors: list[RollupRow]
    service_types: list[RollupRow]
    bands: list[BandRow]
    awards: dict[str, list[RegionRollup]]
    province: Region | None = None
    sector_limit: frozenset[str] | None = None
    not_entered: list[dict[str, Any]] = field(default_factory=list)
    agencies_pending: list[dict[str, Any]] = field(default_factory=list)
    provisional: bool = False
    # Codes of the universe's regions whose action plan of the year is set (reporting.plans).
    plan_set: frozenset[str] = frozenset()
    budget: BudgetSummary | None = None

    @property
    def plan_share(self) -> plans.Share:
        """Regions of the universe with a set action plan, over all of them."""
        return plans.Share(sum(r.key in self.plan_set for r in self.ranking), len(self.ranking))

    @property
    def plan_level_shares(self) -> list[tuple[str, plans.Share]]:
        out = []
        for row in self.status:
            rows = [r for r in self.ranking if r.level == row.level]
            out.append(
                (row.label, plans.Share(sum(r.key in self.plan_set for r in rows), len(rows)))
            )
        return out

    @property
    def sector_limit_names(self) -> list[str]:
        """A sector viewer's sectors by name (code when the catalog has no row for it)."""
        names = {r.key: r.label for r in self.sectors}
        return sorted(names.get(code, code) for code in self.sector_limit or ())

    @property
    def average(self) -> Decimal | None:
        """Mean of the region figures over the regions that have one (``averaged_of``)."""
        return mean_of(self.ranking)

    @property
    def averaged_of(self) -> tuple[int, int]:
        """(regions with a figure, regions in the universe): the average's real denominator."""
        return sum(r.mean is not None for r in self.ranking), len(self.ranking)

    def level_average(self, level: str) -> Decimal | None:
        return mean_of(r for r in self.ranking if r.level == level)

    @property
    def level_averages(self) -> list[tuple[str, Decimal | None, int, int]]:
        """(level label, mean, regions with a figure, regions of the level in the universe)."""
        out = []
        for row in self.status:
            rows = [r for r in self.ranking if r.level == row.level]
            mean = mean_of(rows)
            with_figure = sum(r.mean is not None for r in rows)
            out.append(
                (row.label, round2(mean) if mean is not None else None, with_figure, len(rows))
            )
        return out

    @property
    def figures_rule(self) -> str:
        return str(PROVISIONAL_RULE if self.provisional else OFFICIAL_RULE)

    def top(self, level: str, n: int = 10) -> list[RegionRollup]:
        return [r for r in self.ranking if r.level == level and r.rank is not None][:n]

    @property
    def tops(self) -> list[tuple[LevelRow, list[RegionRollup]]]:
        return [(row, self.top(row.level)) for row in self.status]

    @property
    def award_list(self) -> list[tuple[str, list[RegionRollup]]]:
        return [
            (str(LEVEL_LABELS[level]), rows)
            for level, rows in self.awards.items()
            if self.province is None or level != Level.PROVINCE
        ]

    @property
    def expected_reports(self) -> int:
        return sum(r.expected for r in self.ranking)

    @property
    def reported_reports(self) -> int:
        return sum(r.reported for r in self.ranking)


def national_dashboard(
    user: AnyUser,
    year: int,
    quarter: int,
    *,
    province: Region | None = None,
    provisional: bool = False,
) -> NationalDashboard:
    """All national (or, with ``province``, province) figures for one period."""
    scope = scope_for(user, province=province, provisional=provisional)
    period = get_period(year, quarter)
    services = expected_services(year, scope.sectors)
    ranking = rollup_by_region(scope, period, services)
    status = status_from_rollup(ranking, narrowed=province is not None)
    totals = carriers((r.key, r.level) for r in ranking)
    expected = sum(r.expected for r in ranking)
    totals_rows = service_band_totals(scope, period, sum(r.reported for r in ranking))
    dash = NationalDashboard(
        year=year,
        quarter=quarter,
        period=period,
        status=status,
        ranking=ranking,
        sectors=rollup_by_sector(scope, period, services, totals, totals_rows),
        service_types=rollup_by_service_type(scope, period, services, totals, totals_rows),
        bands=band_distribution(scope, period, expected, totals_rows),
        awards=award_candidates(ranking),
        province=province,
        sector_limit=scope.sectors,
        provisional=provisional,
        plan_set=plans.set_codes([r.key for r in ranking], year),
        budget=budget_summary(scope, period, by_region=province is not None),
    )
    if province is not None:
        dash.not_entered = [
            {
                "code": r.key,
                "name": r.label,
                "level": r.level,
                **{f: r.extra[f"_{f}"] for f in CONTACT_FIELDS},
            }
            for r in sorted(ranking, key=lambda r: r.key)
            if not r.entered
        ]
        dash.agencies_pending = agencies_pending(scope, period)
    return dash


def agencies_pending(scope: Scope, period: Period | None) -> list[dict[str, Any]]:
    """Agencies with at least one report of the period not yet entered, with their contacts."""
    if period is None:
        return []
    rows = (
        scope.reports.filter(period=period, entered_at__isnull=True, agency__isnull=False)
        .order_by("region__code", "agency__short_name")
        .values(
            "region__code",
            "region__name",
            "agency__short_name",
            "agency__name",
            "agency__contact_name",
            "agency__contact_phone",
            "agency__contact_email",
        )
        .annotate(pending=Count("pk"))
    )
    return [dict(r) for r in rows]


# ----------------------------------------------------------------------------- region


@dataclass
class ServiceLine:
    service: ServiceInfo
    report_id: int | None = None
    index: Decimal | None = None
    band: str = ""
    status: str = ""
    agency: str = ""
    entered: bool = False
    # Why the line has no figure: rules.completeness reason ("" when it counts).
    reason: str = completeness.NOT_ENTERED

    @property
    def reason_label(self) -> str:
        if self.report_id is None:
            return str(_("Tidak ada laporan"))
        return str(completeness.REASON_LABELS.get(self.reason, ""))

    @property
    def index_display(self) -> Decimal | None:
        return round2(self.index) if self.index is not None else None

    @property
    def band_css(self) -> str:
        return "band-" + slug(self.band) if self.band else "band-missing"


@dataclass
class RegionDashboard:
    region: Region
    year: int
    quarter: int
    period: Period | None
    lines: list[ServiceLine]
    trend_periods: list[tuple[int, int]]
    trend: list[tuple[ServiceInfo, list[Decimal | None]]]
    overall_trend: list[Decimal | None]
    # Positions in the national and provincial rankings (the page's; None when not asked for).
    national: RegionRollup | None
    national_of: int | None
    province_of: int | None
    provisional: bool = False
    annual: annual_rule.Annual | None = None
    budget: BudgetSummary | None = None

    @property
    def reported(self) -> list[ServiceLine]:
        return [line for line in self.lines if line.index is not None]

    @property
    def missing(self) -> list[ServiceLine]:
        return [line for line in self.lines if line.index is None]

    @property
    def _rollup(self) -> Any:
        values = [line.index for line in self.lines]
        return rollup(values, len(self.lines))

    @property
    def mean(self) -> Decimal | None:
        """The official figure: index over every expected service (missing/incomplete = 0)."""
        r = self._rollup
        return round2(r.index) if r.reported and r.index is not None else None

    @property
    def mean_reported(self) -> Decimal | None:
        """Mean of the counted services only (labelled as such wherever shown)."""
        r = self._rollup
        return round2(r.mean_reported) if r.mean_reported is not None else None

    @property
    def completeness_text(self) -> str:
        return str(_("%(n)s dari %(m)s layanan")) % {
            "n": len(self.reported),
            "m": len(self.lines),
        }

    @property
    def figures_rule(self) -> str:
        return str(PROVISIONAL_RULE if self.provisional else OFFICIAL_RULE)

    @property
    def by_band(self) -> list[tuple[str, str, list[ServiceLine]]]:
        groups: dict[str, list[ServiceLine]] = defaultdict(list)
        for line in self.reported:
            groups[line.band].append(line)
        return [(label, "band-" + slug(label), groups[label]) for _lo, label in bands()]

    @property
    def trend_labels(self) -> list[str]:
        return [f"{['I', 'II', 'III', 'IV'][q - 1]}/{str(y)[2:]}" for y, q in self.trend_periods]


def agency_limited_services(user: AnyUser, region: Region) -> set[str] | None:
    """For a user who reads the region only through agency roles: the codes of its services."""
    if not reads_region_as_agency_only(user, region):
        return None
    from indicators.models import Assignment

    return set(
        Assignment.objects.visible_to(user)
        .filter(region=region)
        .values_list("service_code", flat=True)
    )


def region_annual(
    user: AnyUser, region: Region, year: int, *, provisional: bool = False
) -> annual_rule.Annual:
    """The year's figures of one region in the user's scope (the dashboard's, without the
    quarter's lines, trend and national ranks it also computes)."""
    scope = scope_for(user, region=region, provisional=provisional)
    levels = universe.service_levels(region.code, region.level)
    services = [s for s in expected_services(year, scope.sectors) if s.level in levels]
    own = agency_limited_services(user, region)
    if own is not None:
        own |= set(
            scope.reports.filter(period__year=year).values_list("service_type__code", flat=True)
        )
        services = [s for s in services if s.code in own]
    return annual_rule.annual(scope.reports, year, services, provisional=provisional)


def region_dashboard(
    user: AnyUser,
    region: Region,
    year: int,
    quarter: int,
    *,
    provisional: bool = False,
    positions: bool = True,
) -> RegionDashboard:
    """One region's figures for a period; ``positions``: also its places in the national and
    provincial rankings, which take every peer's figures (the page shows them, the data tables
    do not)."""
    scope = scope_for(user, region=region, provisional=provisional)
    period = get_period(year, quarter)
    levels = universe.service_levels(region.code, region.level)
    catalog = expected_services(year, scope.sectors)
    services = [s for s in catalog if s.level in levels]
    own = agency_limited_services(user, region)
    reports = (
        list(
            scope.reports.filter(period=period)
            .order_by()
            .values(
                "pk",
                "service_type__code",
                "capaian_index",
                "band",
                "status",
                "agency__short_name",
                "entered_at",
            )
        )
        if period
        else []
    )
    if own is not None:
        # An OPD reads its own agency's part: its assigned services and its reports.
        own |= {r["service_type__code"] for r in reports}
        services = [s for s in services if s.code in own]
    by_code: dict[str, dict[str, Any]] = {r["service_type__code"]: dict(r) for r in reports}
    lines = []
    for s in services:
        r = by_code.get(s.code)
        line = ServiceLine(s)
        if r is not None:
            stand = completeness.standing(SimpleNamespace(**r), provisional=provisional)
            line.report_id = r["pk"]
            line.index = stand.index
            line.reason = stand.reason
            line.band = r["band"] if stand.index is not None else ""
            line.status = r["status"]
            line.agency = r["agency__short_name"] or ""
            line.entered = r["entered_at"] is not None
        lines.append(line)

    # Trend: every period of the last three years up to the chosen one, per service (one query).
    trend_rows = (
        scope.reports.filter(period__year__gte=year - 2)
        .filter(completeness.counted_q(provisional=provisional))
        .filter(Q(period__year__lt=year) | Q(period__year=year, period__quarter__lte=quarter))
        .order_by()
        .values_list("period__year", "period__quarter", "service_type__code", "capaian_index")
    )
    cells: dict[tuple[int, int, str], Decimal] = {}
    for y, q, code, index in trend_rows:
        if index is not None:
            cells[(y, q, code)] = index
    trend_periods = sorted({(y, q) for y, q, _c in cells})
    trend = [
        (s, [_round_or_none(cells.get((y, q, s.code))) for y, q in trend_periods]) for s in services
    ]
    overall = []
    for y, q in trend_periods:
        # The same rule as the region's figure: over every expected service, missing = 0.
        vals = [cells[(y, q, s.code)] for s in services if (y, q, s.code) in cells]
        overall.append(round2(sum(vals, Decimal(0)) / len(services)) if vals else None)

    mine, national_of, province_of = (
        region_positions(
            region,
            period,
            catalog if scope.sectors is None else expected_services(year),
            provisional,
        )
        if positions
        else (None, None, None)
    )
    return RegionDashboard(
        region=region,
        year=year,
        quarter=quarter,
        period=period,
        lines=lines,
        trend_periods=trend_periods,
        trend=trend,
        overall_trend=overall,
        national=mine,
        national_of=national_of,
        province_of=province_of,
        provisional=provisional,
        annual=annual_rule.annual(scope.reports, year, services, provisional=provisional),
        budget=budget_summary(scope, period),
    )


def region_positions(
    region: Region, period: Period | None, services: Sequence[ServiceInfo], provisional: bool
) -> tuple[RegionRollup | None, int, int]:
    """The region's row in the national ranking of its peers, and how many peers are ranked
    nationally (same level) and in its province (computed over all regions).

    ``services``: the whole catalog of the year, whatever part of the region the user reads —
    each peer is measured against the services of its own levels (a province that also
    reports kab/kota services, as DKI Jakarta, against both), exactly as on the national
    dashboard, so a region's position is the same on both pages.
    """
    if period is None:
        return None, 0, 0
    peers = (Level.PROVINCE,) if region.is_province else (Level.KABUPATEN, Level.KOTA)
    # Every reader and every region page of these peers reads the same ranking: computed once
    # while the period's figures stand, not once per region page after each save elsewhere.
    key = dc.Key(
        "positions",
        (period.year, period.quarter, peers, provisional, tuple(services)),
        dc.positions_parts(period.year, period.quarter),
    )
    ranking = dc.cached(None, key, lambda: peer_positions(peers, period, services, provisional))
    return (
        ranking.rows.get(region.code),
        ranking.ranked.get(region.level, 0),
        ranking.in_province.get(region.province_code, 0),
    )


@dataclass(frozen=True)
class Positions:
    """The national ranking of one set of peers: each region's row, and how many regions are
    ranked per level (nationally) and per province (among the province's peers)."""

    rows: dict[str, RegionRollup]
    ranked: dict[str, int]
    in_province: dict[str, int]


def peer_positions(
    peers: tuple[str, ...], period: Period, services: Sequence[ServiceInfo], provisional: bool
) -> Positions:
    nat = national_scope(provisional=provisional)
    # Only the regions are narrowed: the EXISTS flags and the per-region aggregate correlate
    # on region id, and a level join inside them would cost more than the rows it saves.
    nat = Scope(
        nat.reports,
        nat.submissions,
        nat.regions.filter(level__in=peers),
        provisional=provisional,
        figures=True,
    )
    ranking = rollup_by_region(nat, period, services)
    ranked: dict[str, int] = defaultdict(int)
    in_province: dict[str, int] = defaultdict(int)
    for r in ranking:
        if r.rank is not None:
            ranked[r.level] += 1
        if r.province_rank is not None:
            in_province[r.province_code] += 1
    return Positions({r.key: r for r in ranking}, dict(ranked), dict(in_province))


# ----------------------------------------------------------------------------- budget


@dataclass(frozen=True)
class BudgetRow:
    """Allocated and realised rupiah of one sector (or region) of a dashboard's budget lines."""

    key: str
    label: str
    allocated: int
    realised: int
    whole: int  # the SPM budget the share is of: all allocated rupiah of the dashboard

    @property
    def share(self) -> Decimal | None:
        """Allocated as a share (%) of the whole SPM budget (``whole``)."""
        return pct(self.allocated, self.whole)

    @property
    def rate(self) -> Decimal | None:
        """Realisation rate (%): realised ÷ allocated of this row."""
        return pct(self.realised, self.allocated)


@dataclass(frozen=True)
class BudgetSummary:
    sectors: list[BudgetRow]
    regions: list[BudgetRow]
    allocated: int
    realised: int
    reports: int  # reports whose lines are counted

    @property
    def rate(self) -> Decimal | None:
        return pct(self.realised, self.allocated)


def budget_reports(scope: Scope, period: Period | None) -> QuerySet[Report]:
    """Reports whose budget counts: verified ones (official figures), every one when provisional.

    A budget does not wait for the capaian: an incomplete verified report's lines count."""
    if period is None:
        return scope.reports.none()
    reports = scope.reports.filter(period=period)
    if not scope.provisional:
        reports = reports.filter(status__in=completeness.official_statuses())
    if scope.sectors is not None:
        reports = reports.filter(service_type__sector__code__in=scope.sectors)
    return reports


def budget_summary(
    scope: Scope, period: Period | None, *, by_region: bool = False
) -> BudgetSummary:
    """Budget per sector (and per region) as a share of the SPM budget, and realisation rates."""
    per_sector, per_region, counted = (
        _budget_from_figures(scope, period, by_region=by_region)
        if scope.figures and period is not None
        else _budget_from_lines(scope, period, by_region=by_region)
    )
    allocated = sum(int(row["a"] or 0) for row in per_sector)
    realised = sum(int(row["r"] or 0) for row in per_sector)

    def budget_rows(rows: list[dict[str, Any]], key: str) -> list[BudgetRow]:
        return [
            BudgetRow(row["code"], row["name"], int(row["a"] or 0), int(row["r"] or 0), allocated)
            for row in sorted(rows, key=lambda r: r[key])
        ]

    return BudgetSummary(
        budget_rows(per_sector, "sort"),
        budget_rows(per_region, "code"),
        allocated,
        realised,
        counted,
    )


BudgetRows = tuple[list[dict[str, Any]], list[dict[str, Any]], int]


def _budget_from_figures(scope: Scope, period: Period, *, by_region: bool) -> BudgetRows:
    """The sums from the maintained rows (``scope.figures``): reports with a budget line."""
    rows = _narrowed(region_figures(scope, period), scope).filter(budgeted__gt=0).order_by()
    if not scope.provisional:
        rows = rows.filter(status__in=completeness.official_statuses())
    per_sector = list(
        rows.values(
            code=F("sector__code"), name=F("sector__name"), sort=F("sector__order")
        ).annotate(a=Sum("allocated"), r=Sum("realised"), n=Sum("budgeted"))
    )
    per_region: list[dict[str, Any]] = []
    if by_region:
        per_region = list(
            rows.values(code=F("region__code"), name=F("region__name")).annotate(
                a=Sum("allocated"), r=Sum("realised")
            )
        )
    return per_sector, per_region, sum(int(row["n"]) for row in per_sector)


def _budget_from_lines(scope: Scope, period: Period | None, *, by_region: bool) -> BudgetRows:
    """The sums from the budget lines of the scope's reports (``budget_reports``)."""
    from reporting.models import BudgetLine

    reports = budget_reports(scope, period)
    lines: QuerySet[Any] = BudgetLine.objects.filter(report__in=reports.values("pk")).order_by()
    per_sector: list[dict[str, Any]] = list(
        lines.values(
            code=F("report__service_type__sector__code"),
            name=F("report__service_type__sector__name"),
            sort=F("report__service_type__sector__order"),
        ).annotate(a=Sum("allocated"), r=Sum("realised"))
    )
    per_region: list[dict[str, Any]] = []
    if by_region:
        per_region = list(
            lines.values(code=F("report__region__code"), name=F("report__region__name")).annotate(
                a=Sum("allocated"), r=Sum("realised")
            )
        )
    counted = reports.filter(budget_lines__isnull=False).distinct().count() if per_sector else 0
    return per_sector, per_region, counted


def _round_or_none(value: Decimal | None) -> Decimal | None:
    return round2(value) if value is not None else None


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """A figure as rows: what a chart draws, the table beside it shows and a download holds."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (field, heading)
    rows: list[dict[str, Any]]
    # Codes a download shows as words (field → code → label); the JSON keeps the codes.
    words: dict[str, dict[str, Any]] = field(default_factory=lambda: CODE_WORDS)

    def display_rows(self) -> list[list[Any]]:
        """The rows as a CSV/XLSX download holds them: in column order, codes as words."""
        out = []
        for row in self.rows:
            cells = []
            for c, _h in self.columns:
                value = row.get(c)
                words = self.words.get(c)
                if words and isinstance(value, str) and value in words:
                    value = str(words[value])
                cells.append(value)
            out.append(cells)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": [c for c, _h in self.columns],
            "rows": [{c: row.get(c) for c, _h in self.columns} for row in self.rows],
        }


CODE_WORDS: dict[str, dict[str, Any]] = {
    "level": LEVEL_LABELS,
    "timeliness": {
        "on_time": _("Tepat waktu"),
        "late": _("Terlambat"),
        "missing": _("Belum mengirim"),
    },
}


def _cols(*pairs: tuple[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in pairs)


# Headings stay lazy here and become text in the request's language when a table is built.
STATUS_COLUMNS = (
    ("label", _("Tingkat")),
    ("total", _("Jumlah wilayah")),
    ("entered", _("Mengisi")),
    ("entered_pct", _("% mengisi")),
    ("submitted", _("Mengirim")),
    ("submitted_pct", _("% mengirim")),
    ("accepted", _("Diterima")),
    ("accepted_pct", _("% diterima")),
    ("nothing", _("Belum ada data")),
    ("nothing_pct", _("% belum ada data")),
    ("level", _("Kode tingkat")),
)
TIMELINESS_COLUMNS = (
    ("label", _("Tingkat")),
    ("total", _("Jumlah wilayah")),
    ("on_time", _("Tepat waktu")),
    ("on_time_pct", _("% tepat waktu")),
    ("late", _("Terlambat")),
    ("late_pct", _("% terlambat")),
    ("missing", _("Belum mengirim")),
    ("missing_pct", _("% belum mengirim")),
    ("level", _("Kode tingkat")),
)
ROLLUP_COLUMNS = (
    ("key", _("Kode")),
    ("label", _("Nama")),
    ("capaian", _("Indeks capaian (semua layanan wajib)")),
    ("band", _("Kategori")),
    ("mean_reported", _("Rata-rata layanan yang dilaporkan")),
    ("reported", _("Laporan terhitung")),
    ("expected", _("Laporan wajib")),
    ("missing", _("Tanpa laporan terhitung")),
)
RANKING_COLUMNS = (
    ("rank", _("Peringkat")),
    ("code", _("Kode")),
    ("name", _("Wilayah")),
    ("level", _("Tingkat")),
    ("capaian", _("Indeks capaian (semua layanan wajib)")),
    ("band", _("Kategori")),
    ("mean_reported", _("Rata-rata layanan yang dilaporkan")),
    ("reported", _("Jenis layanan terhitung")),
    ("expected", _("Jenis layanan wajib")),
    ("missing", _("Jenis layanan tanpa laporan terhitung")),
    ("timeliness", _("Ketepatan waktu")),
)


def dashboard_tables(dash: NationalDashboard) -> dict[str, Table]:
    status_rows = [row.as_dict() for row in dash.status]
    tables = [
        Table(
            "input_status",
            str(_("Status pengisian per tingkat")),
            _cols(*STATUS_COLUMNS),
            status_rows,
            words={},
        ),
        Table(
            "timeliness",
            str(_("Ketepatan waktu")),
            _cols(*TIMELINESS_COLUMNS),
            status_rows,
            words={},
        ),
        Table(
            "bands",
            str(_("Sebaran kategori capaian")),
            _cols(("band", _("Kategori")), ("count", _("Jumlah laporan")), ("share_pct", _("%"))),
            [b.as_dict() for b in dash.bands],
        ),
        Table(
            "sectors",
            str(_("Capaian per bidang")),
            _cols(*ROLLUP_COLUMNS),
            [r.as_dict() for r in dash.sectors],
        ),
        Table(
            "service_types",
            str(_("Capaian per jenis layanan")),
            _cols(*ROLLUP_COLUMNS),
            [r.as_dict() for r in dash.service_types],
        ),
        Table(
            "ranking",
            str(_("Peringkat wilayah")),
            _cols(*RANKING_COLUMNS),
            [r.as_dict() for r in dash.ranking],
        ),
        Table(
            "awards",
            str(_("Kandidat Penghargaan SPM")),
            _cols(
                ("category", _("Kategori")),
                ("rank", _("Peringkat")),
                ("code", _("Kode")),
                ("name", _("Wilayah")),
                ("capaian", _("Capaian")),
            ),
            [{"category": cat, **r.as_dict()} for cat, rows in dash.award_list for r in rows],
        ),
    ]
    if dash.province is not None:
        tables.append(
            Table(
                "not_entered",
                str(_("Belum mengisi data")),
                _cols(
                    ("code", _("Kode")),
                    ("name", _("Wilayah")),
                    ("level", _("Tingkat")),
                    ("contact_name", _("Penanggung jawab data")),
                    ("contact_phone", _("Telepon")),
                    ("contact_email", _("Email")),
                ),
                dash.not_entered,
            )
        )
    if dash.budget is not None:
        tables.extend(budget_tables(dash.budget))
    return {t.key: t for t in tables}


BUDGET_COLUMNS = (
    ("code", _("Kode")),
    ("name", _("Nama")),
    ("allocated", _("Pagu (Rp)")),
    ("share_pct", _("Porsi dari pagu SPM (%)")),
    ("realised", _("Realisasi (Rp)")),
    ("rate_pct", _("Tingkat realisasi (%)")),
)


def _budget_rows(rows: list[BudgetRow]) -> list[dict[str, Any]]:
    return [
        {
            "code": r.key,
            "name": r.label,
            "allocated": r.allocated,
            "share_pct": r.share,
            "realised": r.realised,
            "rate_pct": r.rate,
        }
        for r in rows
    ]


def budget_tables(b: BudgetSummary) -> list[Table]:
    tables = [
        Table(
            "budget",
            str(_("Anggaran SPM per bidang")),
            _cols(*BUDGET_COLUMNS),
            _budget_rows(b.sectors),
            words={},
        )
    ]
    if b.regions:
        tables.append(
            Table(
                "budget_regions",
                str(_("Anggaran SPM per daerah")),
                _cols(*BUDGET_COLUMNS),
                _budget_rows(b.regions),
                words={},
            )
        )
    return tables


def region_tables(dash: RegionDashboard) -> dict[str, Table]:
    services = Table(
        "services",
        str(_("Capaian per jenis layanan")),
        _cols(
            ("code", _("Kode")),
            ("name", _("Jenis layanan")),
            ("agency", _("Perangkat daerah")),
            ("capaian", _("Capaian")),
            ("band", _("Kategori")),
            ("status", _("Status")),
            ("note", _("Keterangan")),
        ),
        [
            {
                "code": line.service.code,
                "name": line.service.name,
                "agency": line.agency,
                "capaian": line.index_display,
                "band": line.band,
                "status": line.status,
                "note": line.reason_label if line.index is None else "",
            }
            for line in dash.lines
        ],
    )
    period_cols = tuple(
        (f"p{y}_{q}", label)
        for (y, q), label in zip(dash.trend_periods, dash.trend_labels, strict=True)
    )
    trend = Table(
        "trend",
        str(_("Tren capaian per jenis layanan")),
        (("code", str(_("Kode"))), *period_cols),
        [
            {"code": s.code, **{c: v for (c, _l), v in zip(period_cols, values, strict=True)}}
            for s, values in dash.trend
        ]
        + [
            {
                "code": str(_("Rata-rata wilayah")),
                **{c: v for (c, _l), v in zip(period_cols, dash.overall_trend, strict=True)},
            }
        ],
    )
    tables = {"services": services, "trend": trend}
    if dash.annual is not None:
        tables["annual"] = annual_table(dash.annual)
    if dash.budget is not None:
        tables.update({t.key: t for t in budget_tables(dash.budget)})
    return tables


def annual_table(a: annual_rule.Annual) -> Table:
    """The year's figures per service type, TW I–IV beside them, the region's total last."""
    quarters = [f"tw{q}" for q in annual_rule.QUARTERS]
    rows: list[dict[str, Any]] = [
        {
            "code": line.code,
            "name": line.name,
            **{k: _round_or_none(v) for k, v in zip(quarters, line.quarters, strict=True)},
            "annual": _round_or_none(line.index),
            "from_quarter": line.quarter,
        }
        for line in a.lines
    ]
    overall = a.overall
    rows.append(
        {
            "code": "",
            "name": str(_("Capaian tahunan wilayah")),
            **{
                k: _round_or_none(r.index) for k, r in zip(quarters, a.quarter_rollups, strict=True)
            },
            "annual": _round_or_none(overall.index),
            "from_quarter": None,
        }
    )
    return Table(
        "annual",
        str(_("Capaian tahunan %(y)s") % {"y": a.year})
        + ("" if a.complete_year else f" ({_('sementara')})"),
        _cols(
            ("code", _("Kode")),
            ("name", _("Jenis layanan")),
            *zip(quarters, QUARTER_LABELS, strict=True),
            ("annual", _("Tahunan")),
            ("from_quarter", _("Dari triwulan")),
        ),
        rows,
    )
