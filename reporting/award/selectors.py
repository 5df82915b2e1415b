"""Reads of the SPM Award: the year's configuration and each region's scored components.

Every figure reuses its rule: the annual capaian (``rules.annual.build`` over counted reports,
``rules.completeness``), the universe of the year's last opened period (``rules.universe``),
timeliness (``rules.windows.on_time_q``), open data-quality flags (``quality.selectors.open_q``)
and the Tim Penerapan SPM (``reporting.plans``). The score itself is ``rules.award``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from regions.models import Level, Region
from regions.scoping import AnyUser, reviewer_province_codes, sees_everything
from reporting.dashboards import selectors as dashboards
from reporting.models import (
    AwardConfig,
    BudgetLine,
    Period,
    RegionSubmission,
    Report,
    ReportCheck,
    ReportStage,
    SpmTeam,
)
from reporting.quality.selectors import open_q
from reporting.rules import annual as annual_rule
from reporting.rules import award, completeness, universe, windows

LEVELS = (Level.PROVINCE, Level.KABUPATEN, Level.KOTA)


def may_view(user: AnyUser | None) -> bool:
    """Bangda ranks everyone; a province reviewer reads its own province's kab/kota."""
    return sees_everything(user) or bool(reviewer_province_codes(user))


def may_edit(user: AnyUser | None) -> bool:
    return sees_everything(user)


def config_for(year: int) -> AwardConfig:
    """The saved configuration of ``year``, else the documented default (unsaved, pk None)."""
    saved = AwardConfig.objects.filter(year=year).first()
    if saved is not None:
        return saved
    return AwardConfig(year=year, **default_fields())


def default_fields() -> dict[str, Any]:
    return {
        "categories": list(award.DEFAULT_CATEGORIES),
        "criteria": [{"key": k, "weight": w} for k, w in award.DEFAULT_CRITERIA],
        "note": "docs/decisions.md",
    }


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    user: AnyUser | None
    reason: str
    criteria: str  # "Indeks capaian 40, …" as saved then
    categories: str


def config_history(config: AwardConfig, limit: int = 20) -> list[HistoryRow]:
    """The configuration's saved versions, newest first, each with who, when and why."""
    if config.pk is None:
        return []
    return [
        HistoryRow(
            at=h.history_date,
            user=h.history_user,
            reason=h.history_change_reason or "",
            criteria=", ".join(
                f"{award.COMPONENT_LABELS.get(c['key'], c['key'])} {c['weight']}"
                for c in h.criteria
            ),
            categories=", ".join(str(award.CATEGORIES.get(c, c)) for c in h.categories),
        )
        for h in config.history.select_related("history_user").order_by("-history_date")[:limit]
    ]


def categories_for(user: AnyUser | None, config: AwardConfig) -> list[str]:
    """The configured categories the user may rank (a province reviewer: kab/kota only)."""
    if sees_everything(user):
        return list(config.categories)
    return [c for c in config.categories if c in ("kabupaten", "kota")]


def regions_for(user: AnyUser | None, year: int) -> list[Region]:
    period = universe.year_period(year)
    qs = Region.objects.visible_to(user).filter(level__in=LEVELS)
    if not sees_everything(user):
        qs = qs.filter(province_code__in=reviewer_province_codes(user)).exclude(
            level=Level.PROVINCE
        )
    qs = qs.filter(universe.in_universe_q(period)) if period is not None else qs.none()
    return list(qs.order_by("code"))


def scored(user: AnyUser | None, year: int, config: AwardConfig) -> list[award.Scored]:
    """Every region of the user's award scope, with all components and the weighted score.

    A fixed number of queries whatever the number of regions.
    """
    regions = regions_for(user, year)
    ids = [r.pk for r in regions]
    services = dashboards.expected_services(year)
    reports = Report.objects.visible_to(user).filter(period__year=year, region_id__in=ids)

    # Annual capaian: the latest counted quarter of each service (rules.annual).
    cells: dict[int, dict[str, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    source: dict[tuple[int, str, int], int] = {}
    for pk, region_id, code, quarter, index in (
        reports.filter(completeness.counted_q())
        .order_by()
        .values_list("pk", "region_id", "service_type__code", "period__quarter", "capaian_index")
    ):
        if index is None:  # counted reports are complete; a guard, not a rule
            continue
        cells[region_id][code][quarter] = index
        source[(region_id, code, quarter)] = pk

    annuals: dict[int, annual_rule.Annual] = {}
    annual_reports: dict[int, list[int]] = {}
    for r in regions:
        levels = universe.service_levels(r.code, r.level)
        mine = [s for s in services if s.level in levels]
        a = annual_rule.build(year, mine, cells.get(r.pk, {}))
        annuals[r.pk] = a
        annual_reports[r.pk] = [
            source[(r.pk, line.code, line.quarter)] for line in a.lines if line.quarter
        ]
    all_sources = [pk for pks in annual_reports.values() for pk in pks]

    budget: dict[int, dict[str, Any]] = {
        row["report__region_id"]: dict(row)
        for row in BudgetLine.objects.visible_to(user)
        .filter(report_id__in=all_sources)
        .order_by()
        .values("report__region_id")
        .annotate(allocated=Sum("allocated"), realised=Sum("realised"))
    }
    stages_done = dict(
        ReportStage.objects.visible_to(user)
        .filter(report_id__in=all_sources, status=ReportStage.Status.DONE)
        .order_by()
        .values("report__region_id")
        .annotate(n=Count("pk"))
        .values_list("report__region_id", "n")
    )
    teams = dict(
        SpmTeam.objects.visible_to(user)
        .filter(region_id__in=ids, year=year)
        .annotate(n=Count("members"))
        .values_list("region_id", "n")
    )
    today = timezone.localdate()
    due_periods = [
        p
        for p in Period.objects.filter(year=year).exclude(state=Period.State.PLANNED)
        if p.due_date is None or p.due_date < today
    ]
    on_time = dict(
        RegionSubmission.objects.visible_to(user)
        .filter(region_id__in=ids, period__in=due_periods)
        .filter(windows.on_time_q())
        .order_by()
        .values("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    flagged = ReportCheck.objects.filter(open_q(), report=OuterRef("pk"))
    quality: dict[int, dict[str, Any]] = {
        row["region_id"]: dict(row)
        for row in reports.order_by()
        .values("region_id")
        .annotate(
            total=Count("pk"),
            unflagged=Count("pk", filter=~Q(Exists(flagged))),
        )
    }

    out = []
    for r in regions:
        a = annuals[r.pk]
        overall = a.overall
        expected = len(a.lines)
        b = budget.get(r.pk, {})
        q = quality.get(r.pk, {})
        comps = {
            "capaian": _capaian(overall.index, overall.reported, expected),
            "budget": award.ratio("budget", b.get("realised") or 0, b.get("allocated") or 0),
            "stages": award.ratio("stages", stages_done.get(r.pk, 0), 4 * expected),
            "team": _team(teams.get(r.pk)),
            "timeliness": award.ratio("timeliness", on_time.get(r.pk, 0), len(due_periods)),
            "data_quality": award.ratio(
                "data_quality", q.get("unflagged") or 0, q.get("total") or 0
            ),
        }
        comps = {k: comps[k] for k, _w in config.weights}
        out.append(
            award.Scored(
                code=r.code,
                name=r.name,
                level=r.level,
                components=comps,
                score=award.weighted(comps, config.weights),
                has_team=r.pk in teams,
            )
        )
    return out


def _capaian(index: Decimal | None, reported: int, expected: int) -> award.Component:
    """The annual index (missing = 0); raw = services counted, denominator = expected."""
    if not expected or not reported:
        return award.Component("capaian", Decimal(0), reported, expected, missing=True)
    return award.Component("capaian", min(index or Decimal(0), award.HUNDRED), reported, expected)


def _team(members: int | None) -> award.Component:
    """Points of 100: 50 for the decree of the year's team, 50 more when it has members."""
    if members is None:
        return award.Component("team", Decimal(0), 0, 100, missing=True)
    points = 100 if members else 50
    return award.Component("team", Decimal(points), points, 100)


def ranking(
    user: AnyUser | None, year: int, category: str
) -> tuple[AwardConfig, list[award.Scored]]:
    """The category's ranking in the user's scope; an unknown or hidden category is absent."""
    config = config_for(year)
    if category not in categories_for(user, config):
        raise Http404
    return config, award.rank(scored(user, year, config), category, config.weights)


def years() -> list[int]:
    found = set(Period.objects.values_list("year", flat=True)) | set(
        AwardConfig.objects.values_list("year", flat=True)
    )
    return sorted(found or {dt.date.today().year}, reverse=True)
