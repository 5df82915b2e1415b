# ruff: noqa: S608 — benchmark SQL is built from constant fragments; values are bound parameters
"""Dashboard pages and data endpoints vs the bare SQL that computes the same figures.

For each dashboard: p50/p95 of the page and of its JSON data endpoint (Django test client,
logged in as the demo user who reads it), and p50/p95 of the hand-written SQL aggregates
(the floor). Target: p95 < 300 ms and page/SQL ratio ≤ 2. An endpoint that computes less than
its page — the region's data tables carry no ranking positions — has a floor of its own.

Each endpoint is timed twice: right after a save in its scope (the figures are computed
afresh) and when read again with nothing changed (the body comes from the consistent cache,
which checks a fingerprint of the rows on every request). The target is judged on the second,
the way a dashboard is read in a meeting; both are printed and written to the JSON.

The floor, the request floor and the endpoints are timed round by round (``interleaved``), so
the ratio compares measurements of the same minutes.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

TARGET_P95_MS = 300.0
TARGET_RATIO = 2.0

FLAGS = """
SELECT r.id, r.code, r.name, r.level, r.contact_name, r.contact_phone, r.contact_email,
  EXISTS(SELECT 1 FROM reporting_report x WHERE x.region_id = r.id AND x.period_id = %(p)s
         AND x.entered_at IS NOT NULL) AS entered,
  EXISTS(SELECT 1 FROM reporting_regionsubmission s WHERE s.region_id = r.id AND s.period_id = %(p)s
         AND s.status IN ('submitted', 'accepted')) AS submitted,
  EXISTS(SELECT 1 FROM reporting_regionsubmission s WHERE s.region_id = r.id AND s.period_id = %(p)s
         AND s.status = 'accepted') AS accepted,
  EXISTS(SELECT 1 FROM reporting_regionsubmission s WHERE s.region_id = r.id AND s.period_id = %(p)s
         AND s.status IN ('submitted', 'accepted') AND s.submitted_at IS NOT NULL
         AND (s.submitted_at AT TIME ZONE 'Asia/Jakarta')::date <= COALESCE(s.due_date, %(due)s)) AS on_time,
  EXISTS(SELECT 1 FROM reporting_regionsubmission s WHERE s.region_id = r.id AND s.period_id = %(p)s
         AND s.status IN ('submitted', 'accepted') AND s.submitted_at IS NOT NULL
         AND (s.submitted_at AT TIME ZONE 'Asia/Jakarta')::date > COALESCE(s.due_date, %(due)s)) AS late
FROM regions_region r
WHERE r.level IN ('province', 'kabupaten', 'kota') {region_filter}
  AND (EXISTS(SELECT 1 FROM reporting_periodregion u WHERE u.period_id = %(p)s AND u.region_id = r.id)
       OR (r.is_active AND r.is_autonomous
           AND NOT EXISTS(SELECT 1 FROM reporting_periodregion u WHERE u.period_id = %(p)s)))
"""
REPORTS = """
FROM reporting_report x JOIN regions_region r ON r.id = x.region_id
JOIN indicators_servicetype st ON st.id = x.service_type_id
JOIN indicators_sector sc ON sc.id = st.sector_id
WHERE x.period_id = %(p)s AND x.capaian_index IS NOT NULL AND x.status = 'verified' {region_filter}
"""


# What every dashboard needs before any figure: the period asked for (by year and quarter)
# and the service types expected that year (missing reports are counted against them).
PERIOD_AND_CATALOG = [
    "SELECT id, due_date FROM reporting_period WHERE year = %(y)s AND quarter = %(q)s",
    "SELECT st.id, st.code, st.name, st.level, sc.code, sc.name FROM indicators_servicetype st "
    "JOIN indicators_sector sc ON sc.id = st.sector_id WHERE st.edition_id = "
    "(SELECT edition_id FROM indicators_catalogyear WHERE year = %(y)s) ORDER BY st.level, st.order",
]


def floor_queries(region_filter: str) -> list[str]:
    """The figures of a national/province dashboard, as bare SQL (counts come from the flags)."""
    reports = REPORTS.format(region_filter=region_filter)
    return [
        *PERIOD_AND_CATALOG,
        FLAGS.format(region_filter=region_filter),
        f"SELECT x.region_id, avg(x.capaian_index), count(*) {reports} GROUP BY x.region_id",
        # sector, service type and band figures are folds of this one grouping
        f"SELECT st.code, sc.code, x.band, sum(x.capaian_index), count(*) {reports} "
        "GROUP BY st.code, sc.code, x.band",
    ]


def province_floor() -> list[str]:
    return [
        *floor_queries("AND r.province_code = '33'"),
        "SELECT r.code, a.short_name, a.contact_name, a.contact_phone, a.contact_email, count(*) "
        "FROM reporting_report x JOIN regions_region r ON r.id = x.region_id "
        "JOIN regions_agency a ON a.id = x.agency_id WHERE x.period_id = %(p)s "
        "AND x.entered_at IS NULL AND x.agency_id IS NOT NULL AND r.province_code = '33' "
        "GROUP BY r.code, a.short_name, a.contact_name, a.contact_phone, a.contact_email",
    ]


def region_floor(level_filter: str, positions: bool = True) -> list[str]:
    """The region page's figures; without ``positions`` (the data endpoint, which shows no
    ranking positions) only the region's own: its lines and its trend."""
    own = [
        *PERIOD_AND_CATALOG,
        "SELECT x.id, st.code, x.capaian_index, x.band FROM reporting_report x "
        "JOIN indicators_servicetype st ON st.id = x.service_type_id "
        "WHERE x.period_id = %(p)s AND x.region_id = %(rid)s",
        "SELECT pe.year, pe.quarter, st.code, x.capaian_index FROM reporting_report x "
        "JOIN reporting_period pe ON pe.id = x.period_id "
        "JOIN indicators_servicetype st ON st.id = x.service_type_id "
        "WHERE x.region_id = %(rid)s AND pe.year >= %(y)s - 2 AND x.capaian_index IS NOT NULL "
        "AND x.entered_at IS NOT NULL AND (pe.year < %(y)s OR pe.quarter <= %(q)s)",
        # the year's figures (annual table) and the budget per sector
        "SELECT st.code, pe.quarter, x.capaian_index FROM reporting_report x "
        "JOIN reporting_period pe ON pe.id = x.period_id "
        "JOIN indicators_servicetype st ON st.id = x.service_type_id "
        "WHERE x.region_id = %(rid)s AND pe.year = %(y)s AND x.capaian_index IS NOT NULL "
        "AND x.status = 'verified'",
        "SELECT sc.code, sc.name, sum(f.allocated), sum(f.realised) FROM reporting_regionfigure f "
        "JOIN indicators_sector sc ON sc.id = f.sector_id WHERE f.period_id = %(p)s "
        "AND f.region_id = %(rid)s AND f.budgeted > 0 AND f.status = 'verified' "
        "GROUP BY sc.code, sc.name",
    ]
    if not positions:
        return own
    return [
        *own,
        f"SELECT x.region_id, avg(x.capaian_index), count(*) {REPORTS.format(region_filter=level_filter)} "
        "GROUP BY x.region_id",
        FLAGS.format(region_filter=level_filter.replace("r.level", "r.level")),
    ]


Runner = tuple[Callable[[], Any], Callable[[], Any] | None]  # (timed call, untimed setup)


def stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {"p50": statistics.median(samples), "p95": p95, "min": samples[0], "max": samples[-1]}


def interleaved(runners: dict[str, Runner], runs: int, warmup: int = 3) -> dict[str, dict]:
    """Time every runner once per round, round after round.

    The SQL floor and the pages it is compared with are measured side by side, so a slower
    minute of a shared machine slows both alike instead of skewing their ratio.
    """
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for round_no in range(warmup + runs):
        for name, (fn, before) in runners.items():
            if before is not None:
                before()
            start = time.perf_counter()
            fn()
            if round_no >= warmup:
                samples[name].append((time.perf_counter() - start) * 1000)
    return {name: stats(values) for name, values in samples.items()}


def sql_runner(queries: list[str], params: dict[str, Any]) -> Callable[[], None]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def touch_runner(report_id: int) -> Callable[[], None]:
    """A save that moves a figure, in its own transaction: the next request computes afresh.

    The report's index goes up and down by 0.0001 in turn (its band stays), so the maintained
    figures are written by their triggers, as by a save that changes a report's index.
    """
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reporting_report SET version = version + 1, capaian_index = "
                "capaian_index + CASE WHEN MOD(version, 2) = 0 THEN 0.0001 ELSE -0.0001 END "
                "WHERE id = %s",
                [report_id],
            )

    return run


def page_runner(
    client: Any, url: str, params: dict[str, Any], status: int = 200
) -> Callable[[], None]:
    def run() -> None:
        response = client.get(url, params)
        assert response.status_code == status, (url, response.status_code)
        _ = response.content

    return run


def run(runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from regions.models import Region, User
    from reporting.models import Period, Report

    period = (
        Period.objects.filter(reports__problems__startswith="[SINTETIS]", quarter=3)
        .order_by("-year")
        .first()
    )
    assert period is not None, "no synthetic data: run seed_synthetic first"
    klaten = Region.objects.get(code="33.10")
    params = {"year": period.year, "quarter": period.quarter}
    sql_params = {
        "p": period.pk,
        "due": period.due_date,
        "rid": klaten.pk,
        "y": period.year,
        "q": period.quarter,
    }

    def client(username: str) -> Any:
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    national = client("bangda.admin")
    province = client("jateng.biro")
    region = client("klaten.tapem")
    dashboards = [
        (
            "nasional",
            national,
            reverse("reporting:dashboard_national"),
            reverse("reporting:dashboard_national_data"),
            floor_queries(""),
            None,
        ),
        (
            "provinsi 33",
            province,
            reverse("reporting:dashboard_province", args=["33"]),
            reverse("reporting:dashboard_province_data", args=["33"]),
            province_floor(),
            None,
        ),
        (
            "wilayah 33.10",
            region,
            reverse("reporting:dashboard_region", args=["33.10"]),
            reverse("reporting:dashboard_region_data", args=["33.10"]),
            region_floor("AND r.level IN ('kabupaten', 'kota')"),
            region_floor("AND r.level IN ('kabupaten', 'kota')", positions=False),
        ),
    ]
    reports = Report.objects.count()
    print(
        f"\nDashboard benchmark — {reports:,} laporan, periode {period}, {runs} kali per ukuran\n"
    )
    touched = (
        Report.objects.filter(period=period, region=klaten, capaian_index__gt=1)
        .values_list("pk", flat=True)
        .first()
    )
    assert touched is not None
    touch = touch_runner(touched)
    header = (
        f"{'dashboard':<15} {'endpoint':<6} {'read':<7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'SQL p50':>8} {'SQL p95':>8} {'ratio':>6} {'req ms':>7} {'ratio-req':>9}  ok"
    )
    print(header)
    print("-" * len(header))
    results = []
    ok = True
    home = reverse("reporting:dashboard")
    for name, c, page_url, data_url, floor, data_floor in dashboards:
        # "simpan": a report of the scope changed just before the request, so the figures are
        # computed afresh; "ulang": nothing changed since the last view, the body comes from
        # the consistent cache (reporting/dashboards/cache.py). "req": the fixed cost of any
        # logged-in request (session, user, roles, middleware), measured on a redirect.
        runners: dict[str, Runner] = {
            "sql": (sql_runner(floor, sql_params), None),
            "req": (page_runner(c, home, {}, status=302), None),
        }
        # An endpoint that computes less than its page has a floor of its own.
        if data_floor is not None:
            runners["sql data"] = (sql_runner(data_floor, sql_params), None)
        for kind, url in (("page", page_url), ("data", data_url)):
            runners[f"{kind} simpan"] = (page_runner(c, url, params), touch)
            runners[f"{kind} ulang"] = (page_runner(c, url, params), None)
        timings = interleaved(runners, runs)
        req = timings["req"]
        for kind, url in (("page", page_url), ("data", data_url)):
            sql = timings["sql data"] if kind == "data" and data_floor else timings["sql"]
            for read in ("simpan", "ulang"):
                t = timings[f"{kind} {read}"]
                ratio = t["p50"] / sql["p50"] if sql["p50"] else float("inf")
                ratio_req = (t["p50"] - req["p50"]) / sql["p50"] if sql["p50"] else float("inf")
                good = t["p95"] < TARGET_P95_MS and ratio <= TARGET_RATIO
                if read == "ulang":
                    ok = ok and good
                print(
                    f"{name:<15} {kind:<6} {read:<7} {t['p50']:8.1f} {t['p95']:8.1f} "
                    f"{sql['p50']:8.1f} {sql['p95']:8.1f} {ratio:6.2f} {req['p50']:7.1f} "
                    f"{ratio_req:9.2f}  {'ya' if good else 'TIDAK'}"
                )
                results.append(
                    {
                        "dashboard": name,
                        "endpoint": kind,
                        "read": "after_save" if read == "simpan" else "repeated",
                        "url": url,
                        "time_ms": t,
                        "sql_ms": sql,
                        "ratio_p50": ratio,
                        "request_floor_ms": req,
                        "ratio_without_request_floor": ratio_req,
                        "ok": good,
                    }
                )
    print(
        f"\nTarget: p95 < {TARGET_P95_MS:.0f} ms dan rasio (p50 halaman / p50 SQL) ≤ {TARGET_RATIO}. "
        "simpan = tepat setelah sebuah laporan dalam cakupan disimpan (angka dihitung ulang); "
        "ulang = dibuka lagi tanpa perubahan data (badan halaman dari cache yang konsisten). "
        "req = p50 permintaan login tanpa angka (redirect); ratio-req = (halaman − req) / SQL."
    )
    return {
        "benchmark": "dashboard",
        "database": connection.settings_dict["NAME"],
        "reports": reports,
        "period": str(period),
        "runs": runs,
        "results": results,
        "ok": ok,
    }
