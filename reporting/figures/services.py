"""Recompute the maintained figures from the reports (``manage.py rebuild_figures``).

The rebuild is what the triggers keep, computed afresh in one transaction: the reports' budget
columns from their lines, then the tables from the reports; after it the tables hold exactly
the rows the triggers would have left (a row while something counts in it). Run it after a
change the triggers do not follow — a service type moved to another sector, a region moved to
another province — or to check them (``--check``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from reporting.figures import triggers

# A report's budget sums as its lines give them (correlated: the same SQL on both engines).
LINE_SUMS = {
    "budget_allocated": "SELECT COALESCE(SUM(l.allocated), 0) FROM reporting_budgetline l "
    "WHERE l.report_id = reporting_report.id",
    "budget_realised": "SELECT COALESCE(SUM(l.realised), 0) FROM reporting_budgetline l "
    "WHERE l.report_id = reporting_report.id",
    "budget_line_count": "SELECT COUNT(*) FROM reporting_budgetline l "
    "WHERE l.report_id = reporting_report.id",
}
# Reports whose budget columns differ from their lines.
DRIFTED = " OR ".join(f"{column} <> ({sums})" for column, sums in LINE_SUMS.items())
COUNT_DRIFTED = f"SELECT COUNT(*) FROM reporting_report WHERE {DRIFTED}"  # noqa: S608 (constant)

REBUILD = [
    # First the reports' budget columns (only those that differ), then both tables from them.
    "UPDATE reporting_report SET "  # noqa: S608 (constant fragments)
    + ", ".join(f"{column} = ({sums})" for column, sums in LINE_SUMS.items())
    + f" WHERE {DRIFTED}",
    "DELETE FROM reporting_regionfigure",
    "DELETE FROM reporting_servicefigure",
    "INSERT INTO reporting_regionfigure (period_id, region_id, sector_id, status, "
    "entered, counted, total, allocated, realised, budgeted) "
    "SELECT x.period_id, x.region_id, st.sector_id, x.status, "
    "SUM(CASE WHEN x.entered_at IS NOT NULL THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN x.capaian_index IS NOT NULL THEN 1 ELSE 0 END), "
    "COALESCE(SUM(x.capaian_index), 0), SUM(x.budget_allocated), SUM(x.budget_realised), "
    "SUM(CASE WHEN x.budget_line_count > 0 THEN 1 ELSE 0 END) "
    "FROM reporting_report x JOIN indicators_servicetype st ON st.id = x.service_type_id "
    "WHERE x.entered_at IS NOT NULL OR x.capaian_index IS NOT NULL OR x.budget_line_count > 0 "
    "GROUP BY x.period_id, x.region_id, st.sector_id, x.status",
    "INSERT INTO reporting_servicefigure "
    "(period_id, province_code, service_type_id, status, band, counted, total) "
    "SELECT x.period_id, r.province_code, x.service_type_id, x.status, x.band, "
    "COUNT(*), SUM(x.capaian_index) "
    "FROM reporting_report x JOIN regions_region r ON r.id = x.region_id "
    # A region without a province (an ended one) counts in the nation's rows only.
    "WHERE x.capaian_index IS NOT NULL AND r.province_code <> '' "
    "GROUP BY x.period_id, r.province_code, x.service_type_id, x.status, x.band",
    # The whole nation (province_code ''), read by the national dashboard.
    "INSERT INTO reporting_servicefigure "
    "(period_id, province_code, service_type_id, status, band, counted, total) "
    "SELECT x.period_id, '', x.service_type_id, x.status, x.band, "
    "COUNT(*), SUM(x.capaian_index) "
    "FROM reporting_report x WHERE x.capaian_index IS NOT NULL "
    "GROUP BY x.period_id, x.service_type_id, x.status, x.band",
]

Snapshot = dict[str, set[tuple[Any, ...]]]


def snapshot() -> Snapshot:
    """Every row of both tables, without ids (to compare maintained with rebuilt)."""
    from reporting.models import RegionFigure, ServiceFigure

    def rows(model: Any, fields: tuple[str, ...]) -> set[tuple[Any, ...]]:
        out = set()
        for row in model.objects.values_list(*fields):
            *key, total = row
            out.add((*key, Decimal(total).quantize(Decimal("0.0001"))))
        return out

    return {
        "region": rows(
            RegionFigure,
            (
                "period_id",
                "region_id",
                "sector_id",
                "status",
                "entered",
                "counted",
                "allocated",
                "realised",
                "budgeted",
                "total",
            ),
        ),
        "service": rows(
            ServiceFigure,
            ("period_id", "province_code", "service_type_id", "status", "band", "counted", "total"),
        ),
    }


def fill(conn: BaseDatabaseWrapper) -> None:
    """Recompute the reports' budget columns and both tables (also what migrations 0019 and
    0021 run)."""
    with conn.cursor() as cursor:
        for sql in REBUILD:
            cursor.execute(sql)


@transaction.atomic
def rebuild(*, reinstall: bool = True) -> tuple[int, int]:
    """Reinstall the triggers (``reinstall``) and recompute both tables; returns their sizes."""
    from reporting.models import RegionFigure, ServiceFigure

    if reinstall:
        triggers.install(connection)
    fill(connection)
    return RegionFigure.objects.count(), ServiceFigure.objects.count()


def drifted_reports() -> int:
    """Reports whose trigger-kept budget columns differ from their budget lines."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_DRIFTED)
        return int(cursor.fetchone()[0])


def check() -> dict[str, tuple[int, int]]:
    """Rows the maintained tables have that a rebuild would not, and the reverse (rolled back);
    under ``reports``, the reports whose budget columns differ from their lines."""
    drifted = drifted_reports()
    maintained = snapshot()
    with transaction.atomic():
        rebuild(reinstall=False)
        rebuilt = snapshot()
        transaction.set_rollback(True)
    return {
        "reports": (drifted, 0),
        **{
            name: (len(maintained[name] - rebuilt[name]), len(rebuilt[name] - maintained[name]))
            for name in maintained
        },
    }
