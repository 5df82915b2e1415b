"""The province recap: for one period, the province's own services and every kab/kota —
submission status, timeliness, capaian by sector (stored indices rolled up by
`reporting.rules.capaian.rollup`: the index over every expected report, a missing or
incomplete one counting 0, with the count of missing reports and the mean of the reported)
— and its Excel/PDF exports. Only verified reports count (``rules.completeness``, official
figures); the regions are the period's universe (``rules.universe``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _t

from espm.exports import safe_row
from indicators.models import CatalogYear, Sector, ServiceType
from regions.models import Level, Region
from regions.scoping import AnyUser, may_see_province_recap
from reporting.models import ActionPlan, Period, RegionSubmission, Report
from reporting.plans import selectors as plans
from reporting.quality import selectors as quality_selectors
from reporting.rules import capaian, completeness, universe, windows

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Cell:
    """A rolled-up capaian: the index over the expected reports (missing = 0, the official
    figure), how many counted, how many missing, and the mean of the counted ones."""

    mean: Decimal | None
    present: int
    missing: int
    mean_reported: Decimal | None = None

    @classmethod
    def of(cls, r: capaian.Rollup) -> Cell:
        return cls(r.index, r.reported, r.missing, r.mean_reported)

    @property
    def shown(self) -> str:
        return "–" if self.mean is None else f"{capaian.round2(self.mean)}".replace(".", ",")


@dataclass
class RecapRow:
    region: Region
    is_own: bool
    status: str
    status_label: str
    timeliness: str  # the label shown (Indonesian source); its code is `timeliness_code`
    submitted_at: dt.datetime | None
    due_date: dt.date
    expected: int
    reported: int
    verified: int
    sectors: dict[str, Cell] = field(default_factory=dict)
    overall: Cell = Cell(None, 0, 0)
    submission_id: int | None = None
    timeliness_code: str = ""
    # The year's action plan (None: not recorded) and the Tim Penerapan SPM decree number.
    plan: ActionPlan | None = None
    team_decree: str = ""
    # Open data-quality flags on the region's reports of the period (reporting.quality).
    flags: quality_selectors.Counts | None = None

    @property
    def plan_status(self) -> str:
        return self.plan.status if self.plan else ActionPlan.Status.NONE

    @property
    def plan_label(self) -> str:
        """'Ditetapkan', 'Rancangan' or 'Belum ada'."""
        return str(ActionPlan.Status(self.plan_status).label)


@dataclass
class Recap:
    province: Region
    period: Period
    sectors: list[Sector]
    rows: list[RecapRow]
    generated_at: dt.datetime

    @property
    def own(self) -> RecapRow:
        return self.rows[0]

    @property
    def kabkota(self) -> list[RecapRow]:
        return self.rows[1:]

    @property
    def plan_share(self) -> plans.Share:
        """Kab/kota with a set action plan, over every kab/kota of the recap."""
        rows = self.kabkota
        return plans.Share(sum(r.plan_status == ActionPlan.Status.SET for r in rows), len(rows))

    @property
    def team_share(self) -> plans.Share:
        rows = self.kabkota
        return plans.Share(sum(bool(r.team_decree) for r in rows), len(rows))


def may_see_submission(user: AnyUser, sub: RegionSubmission) -> bool:
    """A recap exists for a province's submission only; it rolls up every kab/kota and sector,
    so only those who see all of it (``scoping.may_see_province_recap``) read it."""
    return sub.region.is_province and may_see_province_recap(user, sub.region)


def of_submission(user: AnyUser, sub: RegionSubmission) -> Recap:
    """The recap of a submission the user already sees (page, downloads, API); else 404."""
    if not may_see_submission(user, sub):
        raise Http404
    return build(sub.region, sub.period)


def _timeliness_code(sub: RegionSubmission | None, due: dt.date, today: dt.date) -> str:
    """`rules.windows.timeliness`, with "missing" told apart as overdue or not yet due."""
    code = windows.timeliness(sub)
    if code != "missing":
        return code
    return "overdue" if today > due else "not_submitted"


def _timeliness(code: str) -> str:
    return {
        "late": _t("Terlambat"),
        "on_time": _t("Tepat waktu"),
        "overdue": _t("Belum mengajukan (lewat batas)"),
        "not_submitted": _t("Belum mengajukan"),
    }[code]


def _expected(year: int) -> dict[tuple[str, str], int]:
    """Service types per (level, sector) in the year's catalog edition."""
    cy = CatalogYear.objects.filter(year=year).first()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    if cy is None:
        return counts
    for level, sector in ServiceType.objects.filter(edition_id=cy.edition_id).values_list(
        "level", "sector__code"
    ):
        counts[(level, sector)] += 1
    return counts


def build(province: Region, period: Period) -> Recap:
    """One query for the reports, one for the submissions; rolled up in Python."""
    if not province.is_province:
        raise ValueError("recap is for a province")
    regions = [province, *universe.regions_of(period).filter(
        province_code=province.code, level__in=(Level.KABUPATEN, Level.KOTA)
    ).order_by("code")]  # fmt: skip
    subs = {
        s.region_id: s
        for s in RegionSubmission.objects.filter(period=period, region__in=regions).select_related(
            "period"
        )
    }
    indices: dict[int, dict[str, list[Decimal | None]]] = defaultdict(lambda: defaultdict(list))
    verified: dict[int, int] = defaultdict(int)
    reported_sectors: set[str] = set()
    for region_id, sector_code, index, status in Report.objects.filter(
        period=period, region__in=regions
    ).values_list("region_id", "service_type__sector__code", "capaian_index", "status"):
        counted = completeness.counts_values(index, status)
        indices[region_id][sector_code].append(index if counted else None)
        reported_sectors.add(sector_code)
        verified[region_id] += status == Report.Status.VERIFIED
    region_ids = [r.id for r in regions]
    flags = quality_selectors.counts_by_region(period.pk, region_ids)
    year_plans = plans.statuses(region_ids, period.year)
    year_teams = plans.team_decrees(region_ids, period.year)
    expected = _expected(period.year)
    sectors = [s for s in Sector.objects.order_by("order", "code")
               if s.code in reported_sectors or any(k[1] == s.code for k in expected)]  # fmt: skip
    today = timezone.localdate()
    rows: list[RecapRow] = []
    for region in regions:
        sub = subs.get(region.id)
        levels = universe.service_levels(region.code, region.level)
        cells: dict[str, Cell] = {}
        all_indices: list[Decimal | None] = []
        total_expected = 0
        for sector in sectors:
            values = indices[region.id].get(sector.code, [])
            exp = max(sum(expected.get((lv, sector.code), 0) for lv in levels), len(values))
            total_expected += exp
            all_indices += values
            cells[sector.code] = Cell.of(capaian.rollup(values, exp))
        overall = capaian.rollup(all_indices, total_expected)
        due = windows.effective_due_date(period, sub)
        timeliness = _timeliness_code(sub, due, today)
        rows.append(
            RecapRow(
                region=region,
                is_own=region.id == province.id,
                status=sub.status if sub else "",
                status_label=sub.get_status_display() if sub else _t("Belum dibuka"),
                timeliness=_timeliness(timeliness),
                submitted_at=sub.submitted_at if sub else None,
                due_date=due,
                expected=total_expected,
                reported=overall.reported,
                verified=verified[region.id],
                sectors=cells,
                overall=Cell.of(overall),
                submission_id=sub.id if sub else None,
                timeliness_code=timeliness,
                plan=year_plans.get(region.id),
                team_decree=year_teams.get(region.id, ""),
                flags=flags.get(region.id),
            )
        )
    return Recap(province, period, sectors, rows, timezone.now())


def recap_snapshot(province: Region, period: Period) -> dict[str, Any]:
    """The recap as it stood when the province submitted to Bangda (kept on the event)."""
    recap = build(province, period)
    return {
        row.region.code: {
            "status": row.status,
            "timeliness": row.timeliness,
            "capaian": None if row.overall.mean is None else str(capaian.round2(row.overall.mean)),
            "mean_reported": None
            if row.overall.mean_reported is None
            else str(capaian.round2(row.overall.mean_reported)),
            "missing": row.overall.missing,
            "sectors": {k: c.shown for k, c in row.sectors.items()},
            "action_plan": row.plan_status,
        }
        for row in recap.rows
    }


def _header(recap: Recap) -> list[str]:
    return [
        _t("Kode"),
        _t("Wilayah"),
        _t("Status"),
        _t("Ketepatan waktu"),
        _t("Batas waktu"),
        _t("Laporan terhitung"),
        _t("Terverifikasi"),
        _t("Tanpa laporan terhitung"),
        *[f"{_t('Capaian')} {s.name}" for s in recap.sectors],
        _t("Capaian wilayah (semua layanan wajib)"),
        _t("Rata-rata layanan yang dilaporkan"),
        _t("Rencana aksi"),
        _t("Nomor peraturan rencana aksi"),
        _t("Tim Penerapan SPM (nomor keputusan)"),
    ]


def to_xlsx(recap: Recap) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    if ws is None:  # a new Workbook always has its first sheet
        raise RuntimeError("openpyxl made a workbook without a sheet")
    ws.title = "Rekap"
    ws.append([_t("Rekap SPM %(p)s — %(r)s") % {"p": recap.period, "r": recap.province.name}])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            _t("Dibuat %(t)s")
            % {"t": timezone.localtime(recap.generated_at).strftime("%d-%m-%Y %H:%M")}
        ]
    )
    ws.append([])
    ws.append(_header(recap))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in recap.rows:
        ws.append(
            safe_row(
                [
                    row.region.code,
                    row.region.name,
                    row.status_label,
                    row.timeliness,
                    row.due_date,
                    row.reported,
                    row.verified,
                    row.overall.missing,
                    *[
                        None if c.mean is None else float(capaian.round2(c.mean))
                        for c in row.sectors.values()
                    ],
                    None if row.overall.mean is None else float(capaian.round2(row.overall.mean)),
                    None
                    if row.overall.mean_reported is None
                    else float(capaian.round2(row.overall.mean_reported)),
                    row.plan_label,
                    row.plan.number if row.plan else "",
                    row.team_decree,
                ]
            )
        )
    for col, width in zip("ABCDEFGH", (8, 34, 20, 26, 12, 10, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    for row_cells in ws.iter_rows(min_row=5, min_col=5, max_col=5):
        for cell in row_cells:
            cell.number_format = "DD-MM-YYYY"
    ws.freeze_panes = "C5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(recap: Recap, extension: str) -> str:
    return (
        f"rekap-spm-{recap.province.code}-{recap.period.year}-tw{recap.period.quarter}.{extension}"
    )


def to_pdf(recap: Recap, progress: Progress | None = None) -> bytes:
    """The recap as a landscape PDF (seconds for a large province: a job, `reporting.documents.services`)."""
    from weasyprint import HTML

    step = progress or (lambda pct, msg: None)
    html = render_to_string("reporting/review/recap_pdf.html", {"recap": recap})
    document = HTML(string=html).render()  # the template links nothing outside itself
    step(80, f"{len(document.pages)} halaman ditata")
    return bytes(document.write_pdf())
