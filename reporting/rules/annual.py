"""The year's capaian of a region — the SPM figure its LPPD carries (SPM.md §5 and §6).

Recipients are counted cumulatively within the year (policy, stated on the form), so a
service type's **annual** figure is the capaian of its latest counted report of the year:
TW IV once it counts; before that the latest counted quarter, and the figure is
*sementara* (provisional) until every expected service counts in TW IV. What "counts" is
``rules.completeness`` (official: complete and verified). A region's or a sector's annual
figure is the index over every expected service type, one without a counted report that
year counting 0 — the same roll-up as a quarter (``capaian.rollup``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reporting.rules import capaian, completeness

QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class AnnualLine:
    """One service type: its counted index per quarter and the year's figure."""

    code: str
    name: str
    sector_code: str
    sector_name: str
    quarters: tuple[Decimal | None, ...]  # TW I–IV, None where nothing counts

    @property
    def quarter(self) -> int | None:
        """The quarter the annual figure comes from (the latest counted one)."""
        counted = [q for q, v in zip(QUARTERS, self.quarters, strict=True) if v is not None]
        return counted[-1] if counted else None

    @property
    def index(self) -> Decimal | None:
        return self.quarters[self.quarter - 1] if self.quarter else None

    @property
    def final(self) -> bool:
        """TW IV counts: the figure is the year's, no longer provisional."""
        return self.quarter == 4


@dataclass
class Annual:
    year: int
    lines: list[AnnualLine]
    provisional: bool = False  # the *sementara* switch (drafts counted)
    sectors: dict[str, capaian.Rollup] = field(default_factory=dict)

    @property
    def overall(self) -> capaian.Rollup:
        return capaian.rollup([line.index for line in self.lines], len(self.lines))

    @property
    def complete_year(self) -> bool:
        """Every expected service counts in TW IV: the annual figure is final."""
        return bool(self.lines) and all(line.final for line in self.lines)

    @property
    def quarter_rollups(self) -> list[capaian.Rollup]:
        """The quarterly figures beside the annual one (same rule, each quarter alone)."""
        return [
            capaian.rollup([line.quarters[q - 1] for line in self.lines], len(self.lines))
            for q in QUARTERS
        ]


def annual(
    reports: Any, year: int, services: Sequence[Any], *, provisional: bool = False
) -> Annual:
    """The annual figures of one region from its ``reports`` queryset (already scoped).

    ``services`` are the service types expected of the region that year (objects with
    ``code``, ``name``, ``sector_code``, ``sector_name``), e.g. ``dashboards.expected_services``
    narrowed to the region's levels. One query.
    """
    cells: dict[str, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        reports.filter(period__year=year)
        .filter(completeness.counted_q(provisional=provisional))
        .order_by()
        .values_list("service_type__code", "period__quarter", "capaian_index")
    )
    for code, quarter, index in rows:
        cells[code][quarter] = index
    return build(year, services, cells, provisional=provisional)


def build(
    year: int,
    services: Sequence[Any],
    cells: dict[str, dict[int, Decimal]],
    *,
    provisional: bool = False,
) -> Annual:
    """The annual figures from counted indices already at hand: ``cells[code][quarter]``."""
    lines = [
        AnnualLine(
            s.code,
            s.name,
            s.sector_code,
            s.sector_name,
            tuple(cells.get(s.code, {}).get(q) for q in QUARTERS),
        )
        for s in services
    ]
    by_sector: dict[str, list[AnnualLine]] = defaultdict(list)
    for line in lines:
        by_sector[line.sector_code].append(line)
    sectors = {
        code: capaian.rollup([x.index for x in group], len(group))
        for code, group in by_sector.items()
    }
    return Annual(year, lines, provisional, sectors)
