"""Synthetic national data for development and benchmarks — never for production.

All active regions × their service types × 4 quarters × ``--years`` years, with plausible,
reproducible (``--seed``) capaian and workflow states. Every synthetic report carries the
marker ``[SINTETIS]`` at the start of its problems text; ``--purge`` removes them again.
Rows are written with bulk_create (no history rows): they are fixtures, not user edits.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from indicators.models import Assignment, CatalogYear, ServiceType
from reporting.models import Period, RegionSubmission, Report
from reporting.rules import capaian, universe

MARKER = "[SINTETIS]"
NON_PRODUCTION_DB = re.compile(r"(bench|test|dev|demo|synth|local|_h\d)", re.IGNORECASE)
BATCH = 5000
PROBLEMS = [
    "Data sasaran belum padan dengan data kependudukan.",
    "Keterbatasan tenaga pelaksana di lapangan.",
    "Anggaran kegiatan baru tersedia pada triwulan berikutnya.",
    "Sarana belum memenuhi mutu minimal.",
]


def due_date(year: int, quarter: int) -> dt.date:
    """The 20th of the month after the quarter (the 2024 policy)."""
    month = quarter * 3 + 1
    return dt.date(year + 1, 1, 20) if month > 12 else dt.date(year, month, 20)


def database_is_non_production() -> bool:
    db = connection.settings_dict
    return db["ENGINE"].endswith("sqlite3") or bool(NON_PRODUCTION_DB.search(str(db["NAME"])))


class Command(BaseCommand):
    help = (
        "Isi data SINTETIS nasional (semua wilayah × jenis layanan × 4 triwulan × N tahun) "
        "untuk pengembangan dan benchmark. Bukan untuk produksi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--end-year", type=int, default=None, help="default: tahun ini")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--provinces", default="", help="batasi ke kode provinsi, mis. 33,35 (untuk uji)"
        )
        parser.add_argument("--purge", action="store_true", help="hapus data sintetis")
        parser.add_argument("--i-know-this-is-not-production", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not (
            opts["i_know_this_is_not_production"] or settings.DEBUG or database_is_non_production()
        ):
            raise CommandError(
                "Menolak: basis data ini tampak seperti produksi. Jalankan hanya pada basis data "
                "pengembangan/benchmark, atau tambahkan --i-know-this-is-not-production."
            )
        if opts["purge"]:
            self.purge()
            return
        end_year = opts["end_year"] or timezone.localdate().year
        years = list(range(end_year - opts["years"] + 1, end_year + 1))
        started = time.monotonic()
        reports, subs = seed(years, opts["seed"], _codes(opts["provinces"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Data SINTETIS {years[0]}–{years[-1]} (seed {opts['seed']}): {reports} laporan, "
                f"{subs} pengiriman wilayah baru dalam {time.monotonic() - started:.1f} detik."
            )
        )

    def purge(self) -> None:
        with transaction.atomic():
            synthetic = Report.objects.filter(problems__startswith=MARKER)
            pairs = set(synthetic.values_list("region_id", "period_id").distinct())
            deleted, _ = synthetic.delete()
            keep = set(
                Report.objects.filter(period_id__in={p for _r, p in pairs})
                .values_list("region_id", "period_id")
                .distinct()
            )
            orphan = [pk for pk in pairs if pk not in keep]
            subs = 0
            for region_id, period_id in orphan:
                subs += RegionSubmission.objects.filter(
                    region_id=region_id, period_id=period_id
                ).delete()[0]
        self.stdout.write(f"Dihapus: {deleted} baris laporan sintetis, {subs} pengiriman wilayah.")


def _codes(raw: str) -> list[str]:
    return [c.strip() for c in raw.split(",") if c.strip()]


def _services_by_year(years: list[int]) -> dict[int, dict[str, list[ServiceType]]]:
    editions = dict(CatalogYear.objects.filter(year__in=years).values_list("year", "edition_id"))
    missing = [y for y in years if y not in editions]
    if missing:
        raise CommandError(
            f"Katalog belum dimuat untuk tahun {missing}: jalankan `manage.py load_catalog` dulu."
        )
    out: dict[int, dict[str, list[ServiceType]]] = {}
    for year in years:
        by_level: dict[str, list[ServiceType]] = defaultdict(list)
        for st in ServiceType.objects.filter(edition_id=editions[year]).order_by("order", "code"):
            by_level[st.level].append(st)
        if not by_level:
            raise CommandError(f"Edisi katalog tahun {year} belum berisi jenis layanan.")
        out[year] = by_level
    return out


def _periods(years: list[int], today: dt.date) -> list[Period]:
    periods = []
    for year in years:
        for quarter in (1, 2, 3, 4):
            due = due_date(year, quarter)
            start = dt.date(year, quarter * 3 - 2, 1)
            state = (
                Period.State.CLOSED
                if due < today
                else (Period.State.OPEN if start <= today else Period.State.PLANNED)
            )
            period, _ = Period.objects.get_or_create(
                year=year, quarter=quarter, defaults={"due_date": due, "state": state}
            )
            periods.append(period)
    return periods


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour % 24)))


def seed(years: list[int], seed_value: int, provinces: list[str]) -> tuple[int, int]:
    """Write the synthetic rows; returns (reports, submissions) actually created."""
    rng = random.Random(seed_value)
    today = timezone.localdate()
    services = _services_by_year(years)
    regions = universe.current_regions().order_by("code")
    if provinces:
        regions = regions.filter(province_code__in=provinces)
    regions_list = list(regions.values_list("id", "code", "level"))
    agencies = {
        (r, code): a
        for r, code, a in Assignment.objects.values_list("region_id", "service_code", "agency_id")
    }
    # A region's underlying performance, drifting upwards over the years.
    strength = {rid: rng.uniform(0.45, 0.98) for rid, _c, _l in regions_list}
    reports: list[Report] = []
    subs: list[RegionSubmission] = []
    before = (Report.objects.count(), RegionSubmission.objects.count())
    with transaction.atomic():
        periods = _periods(years, today)
        for index, period in enumerate(periods):
            closed = period.due_date < today
            started = dt.date(period.year, period.quarter * 3 - 2, 1) <= today
            for rid, code, level in regions_list:
                outcome = _outcome(rng, closed, started)
                sub_status, sent_at = _submission(rng, outcome, period)
                subs.append(
                    RegionSubmission(
                        region_id=rid,
                        period=period,
                        status=sub_status,
                        submitted_at=sent_at,
                        decided_at=sent_at + dt.timedelta(days=5)
                        if sent_at and sub_status == RegionSubmission.Status.ACCEPTED
                        else None,
                    )
                )
                base = min(strength[rid] + index * 0.006, 1.02)
                for level_key in universe.service_levels(code, level):
                    for st in services[period.year][level_key]:
                        reports.append(_report(rng, rid, period, st, outcome, base, agencies))
                if len(reports) >= BATCH:
                    _flush_reports(reports)
            # Rows that already exist (demo data, an earlier run) are kept as they are.
            RegionSubmission.objects.bulk_create(subs, batch_size=BATCH, ignore_conflicts=True)
            subs.clear()
        _flush_reports(reports)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics and visibility map, so dashboards get index-only scans at once.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reporting_report")
            cursor.execute("VACUUM ANALYZE reporting_regionsubmission")
    return (
        Report.objects.count() - before[0],
        RegionSubmission.objects.count() - before[1],
    )


def _flush_reports(reports: list[Report]) -> None:
    Report.objects.bulk_create(reports, batch_size=BATCH, ignore_conflicts=True)
    reports.clear()


def _outcome(rng: random.Random, closed: bool, started: bool) -> str:
    """What happened to a region in a period: nothing / entering / submitted / returned / accepted."""
    r = rng.random()
    if closed:
        table = [("nothing", 0.05), ("entering", 0.05), ("returned", 0.04), ("submitted", 0.08)]
    elif started:
        table = [("nothing", 0.30), ("entering", 0.35), ("returned", 0.03), ("submitted", 0.20)]
    else:
        return "nothing"
    acc = 0.0
    for name, share in table:
        acc += share
        if r < acc:
            return name
    return "accepted"


def _submission(rng: random.Random, outcome: str, period: Period) -> tuple[str, dt.datetime | None]:
    """Status and time sent; lateness follows from the time (reporting.rules.windows)."""
    S = RegionSubmission.Status
    if outcome in ("nothing", "entering"):
        return S.IN_PROGRESS, None
    late = rng.random() < 0.18
    offset = rng.randint(1, 25) if late else -rng.randint(0, 20)
    sent = _aware(period.due_date + dt.timedelta(days=offset), rng.randint(8, 16))
    status = {"returned": S.RETURNED, "submitted": S.SUBMITTED}.get(outcome, S.ACCEPTED)
    return status, sent


def _report(
    rng: random.Random,
    region_id: int,
    period: Period,
    st: ServiceType,
    outcome: str,
    base: float,
    agencies: dict[tuple[int, str], int],
) -> Report:
    S = Report.Status
    entered = outcome != "nothing" and not (outcome == "entering" and rng.random() < 0.25)
    report = Report(
        region_id=region_id,
        period=period,
        service_type=st,
        agency_id=agencies.get((region_id, st.code)),
        recipients_breakdown={},
        problems=f"{MARKER} {rng.choice(PROBLEMS)}",
        status=S.DRAFT,
    )
    if not entered:
        report.problems = MARKER
        return report
    target = rng.randint(50, 40000)
    # Served is cumulative within the year: later quarters are closer to the target.
    share = base * (0.55 + 0.15 * period.quarter) + rng.gauss(0, 0.08)
    served = max(int(target * min(max(share, 0.0), 1.1)), 0)
    quality = Decimal(str(round(min(max(base + rng.gauss(0, 0.1), 0.0), 1.0) * 100, 2)))
    result = capaian.compute(served, target, [capaian.QualityInput(Decimal(100), quality)])
    report.recipients_target = target
    report.recipients_served = served
    report.recipients_pct = result.recipients_pct.quantize(Decimal("0.0001"))
    report.quality_pct = result.quality_pct.quantize(Decimal("0.0001"))
    report.capaian_index = result.index.quantize(Decimal("0.0001"))
    report.band = result.band
    report.flag_over_target = result.over_target
    entered_on = period.due_date - dt.timedelta(days=rng.randint(5, 40))
    report.entered_at = _aware(entered_on, rng.randint(8, 16))
    if outcome in ("submitted", "accepted"):
        report.status = S.VERIFIED
        report.submitted_at = report.entered_at + dt.timedelta(days=2)
        report.verified_at = report.entered_at + dt.timedelta(days=4)
    elif outcome == "returned":
        report.status = S.RETURNED if rng.random() < 0.3 else S.VERIFIED
    else:
        report.status = rng.choice([S.DRAFT, S.DRAFT, S.SUBMITTED, S.VERIFIED])
    return report
