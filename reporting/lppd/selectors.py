"""Reads of the LPPD annex tracking: each region's status for a year and the counts per level.

Who sees a region's row is who may open its whole-region documents (``documents.
document_regions``: the region's verifier, the province reviewer and auditors above it,
Bangda); the regions counted are the year's universe (``rules.universe.year_period``). The
status is ``rules.lppd``; "final" is ``rules.annual`` over the official (verified) reports.
A fixed number of queries whatever the number of regions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Level, Region
from regions.scoping import Action, AnyUser, sees_everything
from reporting.dashboards import selectors as dashboards
from reporting.documents import services as documents
from reporting.models import GeneratedDocument, LppdAnnex, LppdDueDate, Period, Report
from reporting.rules import annual as annual_rule
from reporting.rules import capaian, completeness, lppd, universe

LEVELS = (Level.PROVINCE, Level.KABUPATEN, Level.KOTA)
LEVEL_LABELS = dict(Level.choices)


def may_view(user: AnyUser) -> bool:
    return documents.document_regions(user).exists()


def may_set_due_date(user: AnyUser) -> bool:
    return sees_everything(user)


def may_hand_in(user: AnyUser, region: Region) -> bool:
    """The region's own verifier hands in its annex (Bangda may record one received)."""
    return region.pk in hand_in_regions(user, [region.pk])


def hand_in_regions(user: AnyUser, region_ids: list[int]) -> set[int]:
    """Which of these regions ``user`` may hand in for: one query."""
    scope = Region.objects.visible_to(user, Action.MANAGE).filter(pk__in=region_ids)
    return set(scope.values_list("pk", flat=True))


def years() -> list[int]:
    """Years with an opened period, newest first (the current year when there is none)."""
    found = sorted(
        set(
            Period.objects.exclude(state=Period.State.PLANNED)
            .values_list("year", flat=True)
            .distinct()
        ),
        reverse=True,
    )
    return found or [timezone.localdate().year]


def due_of(year: int) -> tuple[dt.date, LppdDueDate | None]:
    """The year's due date (Bangda's, else the default) and Bangda's row if there is one."""
    saved = LppdDueDate.objects.filter(year=year).first()
    return lppd.due_date(year, saved.due_date if saved else None), saved


def regions_for(user: AnyUser, year: int) -> QuerySet[Region]:
    """The regions of the year's universe whose annex ``user`` may follow."""
    period = universe.year_period(year)
    if period is None:
        return Region.objects.none()
    return (
        documents.document_regions(user)
        .filter(level__in=LEVELS)
        .filter(universe.in_universe_q(period))
        .order_by("code")
    )


def annuals(regions: list[Region], year: int) -> dict[int, annual_rule.Annual]:
    """Each region's official annual figures (verified reports only). Two queries."""
    services = dashboards.expected_services(year)
    cells: dict[int, dict[str, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    rows = (
        Report.objects.filter(period__year=year, region__in=[r.pk for r in regions])
        .filter(completeness.counted_q())
        .order_by()
        .values_list("region_id", "service_type__code", "period__quarter", "capaian_index")
    )
    for region_id, code, quarter, index in rows:
        if index is not None:  # counted reports carry an index; the guard is for the types
            cells[region_id][code][quarter] = index
    out = {}
    for r in regions:
        levels = universe.service_levels(r.code, r.level)
        mine = [s for s in services if s.level in levels]
        out[r.pk] = annual_rule.build(year, mine, cells.get(r.pk, {}))
    return out


@dataclass(frozen=True)
class Row:
    region: Region
    status: lppd.Status
    annual: annual_rule.Annual  # today's official figures
    annex: LppdAnnex | None  # the hand-in record (None: never handed in)

    @property
    def index(self) -> Decimal | None:
        """Today's official annual index, rounded as every published figure (half up)."""
        value = self.annual.overall.index
        return capaian.round2(value) if value is not None else None

    @property
    def label(self) -> str:
        return str(lppd.LABELS[self.status])

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.region.level, self.region.level))

    @property
    def handed_in(self) -> bool:
        return self.status in lppd.HANDED_IN


def rows(user: AnyUser, year: int, today: dt.date | None = None, *, code: str = "") -> list[Row]:
    """Each region's row (``code``: that region's alone, if the user follows it)."""
    found = regions_for(user, year)
    regions = list(found.filter(code=code) if code else found)
    due, _saved = due_of(year)
    figures = annuals(regions, year)
    annexes = {
        a.region_id: a
        for a in LppdAnnex.objects.visible_to(user)
        .filter(year=year, region__in=[r.pk for r in regions])
        .select_related("submitted_by", "document")
    }
    out = []
    for r in regions:
        annex = annexes.get(r.pk)
        status = lppd.status(
            annex.submitted_at if annex else None,
            due,
            figures_final=figures[r.pk].complete_year,
            today=today,
        )
        out.append(Row(r, status, figures[r.pk], annex))
    return out


@dataclass(frozen=True)
class LevelCount:
    level: str
    label: str
    total: int  # the denominator: the level's regions in the year's universe (in scope)
    by_status: dict[str, int]

    def share(self, status: str) -> Decimal | None:
        return dashboards.pct(self.by_status.get(status, 0), self.total)

    @property
    def cells(self) -> list[tuple[str, int, Decimal | None]]:
        return [(s, self.by_status.get(s, 0), self.share(s)) for s in lppd.STATUSES]


def summary(found: list[Row]) -> list[LevelCount]:
    """Counts per level and status, and the total; every share names its denominator."""
    per: dict[str, dict[str, int]] = {lv: defaultdict(int) for lv in LEVELS}
    for row in found:
        per[row.region.level][row.status] += 1
    out = [
        LevelCount(lv, str(LEVEL_LABELS[lv]), sum(per[lv].values()), dict(per[lv]))
        for lv in LEVELS
        if per[lv]
    ]
    total: dict[str, int] = defaultdict(int)
    for c in out:
        for s, n in c.by_status.items():
            total[s] += n
    out.append(LevelCount("all", _("Semua tingkat"), sum(total.values()), dict(total)))
    return out


def current_annex_document(region: Region, year: int) -> GeneratedDocument | None:
    """The newest finished annex PDF of the region's year, if it is over today's data."""
    doc = (
        GeneratedDocument.objects.filter(
            kind=GeneratedDocument.Kind.ANNEX,
            region=region,
            year=year,
            status=GeneratedDocument.Status.DONE,
        )
        .exclude(file="")
        .order_by("-created_at")
        .first()
    )
    if doc is None or documents.is_stale(doc):
        return None
    return doc


@dataclass(frozen=True)
class Headline:
    """The national dashboard's panel: hand-ins of a year without the annual figures."""

    year: int
    due: dt.date
    total: int  # the denominator: regions of the year's universe in the user's scope
    on_time: int
    late: int
    overdue: bool  # the due date has passed: every region not handed in is overdue

    @property
    def not_handed_in(self) -> int:
        return self.total - self.on_time - self.late

    def share(self, n: int) -> Decimal | None:
        return dashboards.pct(n, self.total)

    @property
    def cells(self) -> list[tuple[str, int, Decimal | None]]:
        rest = "overdue" if self.overdue else "not_yet"
        return [
            ("on_time", self.on_time, self.share(self.on_time)),
            ("late", self.late, self.share(self.late)),
            (rest, self.not_handed_in, self.share(self.not_handed_in)),
        ]


def headline(user: AnyUser, year: int, today: dt.date | None = None) -> Headline:
    """Three queries: Bangda's due date, the year's period, and one count over the universe
    in scope with each region's hand-in (its local date against the due date).

    The year's annex (at most one per region) is joined, not looked up per count."""
    due, _saved = due_of(year)
    counts = (
        regions_for(user, year)
        .order_by()
        .annotate(annex=FilteredRelation("lppd_annexes", condition=Q(lppd_annexes__year=year)))
        .annotate(sent_on=lppd.handed_in_on_sql(F("annex__submitted_at")))
        .aggregate(
            total=Count("pk"),
            on_time=Count("pk", filter=lppd.on_time_q("sent_on", due)),
            late=Count("pk", filter=lppd.late_q("sent_on", due)),
        )
    )
    today = today or timezone.localdate()
    return Headline(year, due, counts["total"], counts["on_time"], counts["late"], today > due)
