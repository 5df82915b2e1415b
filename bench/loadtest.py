"""`make loadtest`: the deadline rush — Locust, headless, against gunicorn on loopback.

    python bench/loadtest.py [--users 200] [--spawn-rate 20] [--duration 2m] [--think 10,30]

Prepares the benchmark database (bench/run.py's preparation: synthetic national data + demo
cast), then a plan: one load-test operator account (``load.opNNN``) per simulated operator,
each owning one report of the open period (made a draft), verifier accounts in those regions,
and the demo national/province/region readers for dashboards. Sessions are created directly
(no password hashing storm at start). After the run every report's data is compared with the
last save the server acknowledged: a difference is a lost or overwritten save.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "espm.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/espm_bench")
os.environ.setdefault("SECURE_HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-key-never-used-outside-the-benchmarks-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

TARGET_SAVE_P95_MS = 500.0
# Seconds after the last user arrives before the steady-state figures start.
SETTLE_S = 15.0
LOAD_AGENCY = "UJIBEBAN"


def _session_for(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def _load_user(username: str, role: str, region: Any, agency: Any = None) -> Any:
    from regions.models import Membership, User

    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": f"Uji beban {username}"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.filter(user=user).exclude(region=region, agency=agency, role=role).delete()
    Membership.objects.get_or_create(user=user, role=role, region=region, agency=agency)
    return user


def make_plan(n_ops: int, n_ver: int, n_view: int, think: list[float], out: str) -> dict[str, Any]:
    from django.db import transaction
    from django.urls import reverse

    from regions.demo import DEMO_REGIONS
    from regions.models import Agency, User
    from regions.roles import Role
    from reporting.entry.locks import FROZEN_SUBMISSION
    from reporting.models import Period, RegionSubmission, Report

    period = Period.objects.filter(state=Period.State.OPEN).order_by("-year", "-quarter").first()
    if period is None:
        raise SystemExit("Tidak ada periode terbuka di basis data benchmark.")
    demo_codes = list(DEMO_REGIONS)
    frozen = RegionSubmission.objects.filter(period=period, status__in=FROZEN_SUBMISSION).values(
        "region_id"
    )
    # Spread operators over regions: the first service of every region, then the second, ...
    candidates = list(
        Report.objects.filter(period=period)
        .exclude(region_id__in=frozen)
        .exclude(region__code__in=demo_codes)
        .select_related("region")
        .order_by("service_type__order", "region__code")[: max(n_ops, 1)]
    )
    chosen = candidates[:n_ops]
    if len(chosen) < n_ops:
        raise SystemExit(f"Hanya {len(chosen)} laporan tersedia untuk {n_ops} operator.")
    with transaction.atomic():
        # Synthetic regions have no agencies: a bench-only OPD owns the load test's reports.
        for report in chosen:
            report.agency, _ = Agency.objects.get_or_create(
                region=report.region,
                short_name=LOAD_AGENCY,
                defaults={"name": "OPD Uji Beban (benchmark)"},
            )
        Report.objects.bulk_update(chosen, ["agency"])
        Report.objects.filter(pk__in=[r.pk for r in chosen]).update(status=Report.Status.DRAFT)
        operators = []
        for i, report in enumerate(chosen, start=1):
            user = _load_user(f"load.op{i:03d}", Role.OPD_OPERATOR, report.region, report.agency)
            operators.append(
                {"username": user.username, "report": report.pk, "sessionid": _session_for(user)}
            )
        regions = list(dict.fromkeys(r.region for r in chosen))
        verifiers = []
        for i in range(max(n_ver, 1)):
            region = regions[i % len(regions)]
            user = _load_user(f"load.ver{i + 1:03d}", Role.VERIFIER, region)
            reports = list(
                Report.objects.filter(period=period, region=region).values_list("pk", flat=True)[
                    :30
                ]
            )
            verifiers.append(
                {"username": user.username, "reports": reports, "sessionid": _session_for(user)}
            )
        readers = [
            ("bangda.admin", "nasional", [reverse("reporting:dashboard_national")]),
            ("kemenkes.viewer", "nasional", [reverse("reporting:dashboard_national")]),
            ("jateng.biro", "provinsi", [reverse("reporting:dashboard_province", args=["33"])]),
            ("klaten.tapem", "wilayah", [reverse("reporting:dashboard_region", args=["33.10"])]),
        ]
        viewers = []
        for i in range(max(n_view, 1)):
            username, label, urls = readers[i % len(readers)]
            user = User.objects.get(username=username)
            viewers.append({"label": label, "urls": urls, "sessionid": _session_for(user)})
    detail = reverse("reporting:report_detail", kwargs={"pk": 999999999})
    section = reverse("reporting:report_section", kwargs={"pk": 999999999, "section": "xsecx"})
    review = reverse("reporting:report_review", kwargs={"pk": 999999999})
    return {
        "period": str(period),
        "think": think,
        "out": out,
        "operators": operators,
        "verifiers": verifiers,
        "viewers": viewers,
        "urls": {
            "detail": detail.replace("999999999", "{pk}"),
            "section": section.replace("999999999", "{pk}").replace("xsecx", "{section}"),
            "review": review.replace("999999999", "{pk}"),
            "inbox": reverse("reporting:review_inbox"),
        },
    }


def warm_up(base: str, plan: dict[str, Any], workers: int) -> None:
    """Every gunicorn worker loads its code and templates once, as a server at deadline time has."""
    import requests

    op, ver = plan["operators"][0], plan["verifiers"][0]
    urls = [
        (op, plan["urls"]["detail"].format(pk=op["report"])),
        (ver, plan["urls"]["inbox"]),
        (ver, "/"),
        *((v, url) for v in plan["viewers"][:4] for url in v["urls"]),
    ]
    for _ in range(workers * 2):
        for who, url in urls:
            requests.get(base + url, cookies={"sessionid": who["sessionid"]}, timeout=120)


def verify(results: dict[str, Any]) -> dict[str, Any]:
    """Compare the last acknowledged save of each report with the database."""
    from reporting.models import Report

    saved: dict[str, dict[str, Any]] = results["saved"]
    uncertain: dict[str, list[dict[str, Any]]] = results["uncertain"]
    rows = Report.objects.in_bulk([int(pk) for pk in saved])
    lost = []
    for pk, expected in saved.items():
        report = rows.get(int(pk))
        if report is None:
            lost.append({"report": pk, "reason": "missing"})
            continue
        for field in ("recipients_served", "problems"):
            if field not in expected:
                continue
            actual = getattr(report, field)
            allowed = [expected[field], *(u[field] for u in uncertain.get(pk, []) if field in u)]
            if actual not in allowed:
                lost.append({"report": pk, "field": field, "saved": expected[field], "db": actual})
        if report.version < expected.get("version", 0):
            lost.append(
                {
                    "report": pk,
                    "field": "version",
                    "saved": expected["version"],
                    "db": report.version,
                }
            )
    return {"reports_checked": len(saved), "lost_or_overwritten": lost}


def _pct(sorted_ms: list[float], q: float) -> float | None:
    if not sorted_ms:
        return None
    return sorted_ms[min(len(sorted_ms) - 1, int(round(q * (len(sorted_ms) - 1))))]


def steady_state(trace: list[list[Any]], settle_s: float) -> dict[str, Any]:
    """The run once every user has arrived and settled (``settle_s`` after the first request:
    the ramp plus a margin): throughput, save p50/p95 and the slowest request. The arrival of
    all users within seconds (each loading its form at once) is a burst no deadline sees."""
    if not trace:
        return {"requests": 0, "rps": 0.0, "saves": 0, "save_p50_ms": None, "save_p95_ms": None}
    start = min(t for t, _n, _ms in trace)
    rows = [(t, n, ms) for t, n, ms in trace if t >= start + settle_s]
    if not rows:
        return {"requests": 0, "rps": 0.0, "saves": 0, "save_p50_ms": None, "save_p95_ms": None}
    span = max(max(t + ms / 1000 for t, _n, ms in rows) - (start + settle_s), 1e-9)
    saves = sorted(ms for _t, n, ms in rows if n.startswith("save "))
    return {
        "from_s": settle_s,
        "requests": len(rows),
        "rps": round(len(rows) / span, 1),
        "saves": len(saves),
        "save_p50_ms": _pct(saves, 0.50),
        "save_p95_ms": _pct(saves, 0.95),
        "max_ms": max(ms for _t, _n, ms in rows),
    }


def time_profile(trace: list[list[Any]], window: float = 15.0) -> list[dict[str, Any]]:
    """Requests and save p95 per window of the run (ramp-up included): where a tail comes from."""
    if not trace:
        return []
    start = min(t for t, _n, _ms in trace)
    windows: dict[int, list[tuple[str, float]]] = {}
    for t, name, ms in trace:
        windows.setdefault(int((t - start) // window), []).append((name, ms))
    out = []
    for i in sorted(windows):
        rows = windows[i]
        saves = sorted(ms for name, ms in rows if name.startswith("save "))
        p95 = saves[min(len(saves) - 1, int(round(0.95 * (len(saves) - 1))))] if saves else None
        out.append(
            {
                "from_s": i * window,
                "requests": len(rows),
                "saves": len(saves),
                "save_p95_ms": p95,
                "max_ms": max(ms for _n, ms in rows),
            }
        )
    return out


def read_stats(prefix: str) -> dict[str, dict[str, Any]]:
    stats: dict[str, dict[str, Any]] = {}
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return stats
    with path.open() as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
                "rps": float(row["Requests/s"] or 0),
            }
    return stats


class CpuMeter:
    """CPU seconds spent by a process tree (gunicorn: its master and workers) and by the
    PostgreSQL server (every ``postgres`` process, plus what the postmaster's reaped backends
    spent), read before and after a run: divided by the wall time, the cores each used."""

    def __init__(self, web_pid: int) -> None:
        self.web_pid = web_pid
        self.start = (self._web(), self._db(), time.monotonic())

    def _web(self) -> float:
        import psutil

        try:
            root = psutil.Process(self.web_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        return sum(_cpu(p) for p in procs)

    @staticmethod
    def _db() -> float:
        import psutil

        total = 0.0
        for p in psutil.process_iter(["name"]):
            if p.info["name"] in ("postgres", "postmaster"):
                total += _cpu(p)
        return total

    def cores(self) -> dict[str, float]:
        web, db, t0 = self.start
        wall = max(time.monotonic() - t0, 1e-9)
        return {
            "web_cores": round((self._web() - web) / wall, 2),
            "db_cores": round((self._db() - db) / wall, 2),
        }


def _cpu(p: Any) -> float:
    import psutil

    try:
        t = p.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return float(t.user + t.system + t.children_user + t.children_system)


def run_step(users: int, args: argparse.Namespace) -> dict[str, Any]:
    """One load of ``users`` simulated users: plan, gunicorn, Locust, the saves checked."""
    from django.db import connection

    from bench import server

    n_ops = round(users * 0.7)
    n_ver = round(users * 0.2)
    n_view = max(users - n_ops - n_ver, 1)
    tmp = Path(tempfile.mkdtemp(prefix="espm-load-"))
    out = tmp / "saves.json"
    plan = make_plan(n_ops, n_ver, n_view, [float(x) for x in args.think.split(",")], str(out))
    plan_path = tmp / "plan.json"
    plan_path.write_text(json.dumps(plan))
    connection.close()
    print(
        f"Uji beban: {users} pengguna ({n_ops} operator, {n_ver} verifikator, {n_view} "
        f"pemantau), {args.duration}, periode {plan['period']}, gunicorn -w {args.workers}"
        + (f" --threads {args.threads}" if args.threads > 1 else ""),
        flush=True,
    )
    if args.redis:
        import redis

        # A cold shared cache at every step, as after a deploy: each step starts alike.
        redis.Redis.from_url(args.redis).flushdb()
    print(
        "Redis: cache bersama dan sesi (seperti produksi)"
        if args.redis
        else "Tanpa Redis: cache per proses, sesi dari PostgreSQL (seperti make run)",
        flush=True,
    )
    locust = Path(sys.executable).parent / "locust"
    with server.gunicorn_process(
        os.environ["DATABASE_URL"], workers=args.workers, threads=args.threads, redis_url=args.redis
    ) as (base, pid):
        cmd = [
            str(locust),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(args.spawn_rate),
            "-t",
            args.duration,
            "--host",
            base,
            "--csv",
            str(tmp / "locust"),
            "--only-summary",
            "--reset-stats",  # figures from the moment every user is running
            "--stop-timeout",
            "30",
        ]
        warm_up(base, plan, args.workers)
        env = {**os.environ, "ESPM_LOAD_PLAN": str(plan_path)}
        meter = CpuMeter(pid)
        subprocess.run(cmd, env=env, check=False)  # noqa: S603
        cpu = meter.cores()
    results = (
        json.loads(out.read_text())
        if out.exists()
        else {"saved": {}, "uncertain": {}, "counts": {}}
    )
    checked = verify(results)
    stats = read_stats(str(tmp / "locust"))
    saves = [v for k, v in stats.items() if k.startswith("save ")]
    save_requests = sum(s["requests"] for s in saves)
    whole_p95 = max((s["p95"] for s in saves), default=0.0)
    steady = steady_state(results.get("trace", []), users / args.spawn_rate + SETTLE_S)
    save_p50 = steady["save_p50_ms"] or 0.0
    save_p95 = steady["save_p95_ms"] if steady["save_p95_ms"] is not None else float("inf")
    total = stats.get("Aggregated", {})
    errors = total.get("failures", 0)
    lost = checked["lost_or_overwritten"]
    counts = results.get("counts", {})
    ok = (
        save_requests > 0
        and steady["saves"] > 0
        and errors == 0
        and not lost
        and save_p95 < TARGET_SAVE_P95_MS
        and counts.get("conflicts", 0) == 0
    )
    return {
        "users": users,
        "stats": stats,
        "throughput_rps": steady["rps"],
        "save_requests": save_requests,
        "save_p50_ms": save_p50,
        "save_p95_ms": save_p95,
        "save_p95_whole_run_ms": whole_p95,
        "steady_state": steady,
        "errors": errors,
        "counts": counts,
        "verification": checked,
        "uncertain": sum(len(v) for v in results.get("uncertain", {}).values()),
        "time_profile": time_profile(results.get("trace", [])),
        **cpu,
        "ok": ok,
    }


def print_step(r: dict[str, Any]) -> None:
    print("\nHasil uji beban")
    print(
        f"{'permintaan':<26} {'jumlah':>7} {'gagal':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>7}"
    )
    for name, s in r["stats"].items():
        print(
            f"{name:<26} {s['requests']:7d} {s['failures']:6d} {s['p50']:8.0f} {s['p95']:8.0f} "
            f"{s['p99']:8.0f} {s['rps']:7.1f}"
        )
    print("\nProfil waktu (semua permintaan, termasuk saat pengguna mulai berdatangan)")
    print(f"{'detik ke':>9} {'permintaan':>11} {'simpan':>7} {'p95 simpan':>11} {'maks ms':>8}")
    for w in r["time_profile"]:
        p95 = "–" if w["save_p95_ms"] is None else f"{w['save_p95_ms']:.0f}"
        print(
            f"{w['from_s']:9.0f} {w['requests']:11d} {w['saves']:7d} {p95:>11} {w['max_ms']:8.0f}"
        )
    checked = r["verification"]
    print(
        f"\nSimpan: {r['save_requests']} permintaan; setelah semua pengguna tiba (detik ke "
        f"{r['steady_state'].get('from_s', 0):.0f}): p50 {r['save_p50_ms']:.0f} ms, p95 "
        f"{r['save_p95_ms']:.0f} ms (target < {TARGET_SAVE_P95_MS:.0f}; seluruh uji termasuk "
        f"kedatangan: p95 {r['save_p95_whole_run_ms']:.0f} ms); galat: {r['errors']}; "
        f"konflik 409: {r['counts'].get('conflicts', 0)}; simpan hilang/tertimpa: "
        f"{len(checked['lost_or_overwritten'])} dari {checked['reports_checked']} laporan "
        f"diperiksa; tak pasti (tanpa jawaban): {r['uncertain']}; CPU web "
        f"{r['web_cores']:.2f} inti, PostgreSQL {r['db_cores']:.2f} inti"
    )
    print("LULUS" if r["ok"] else "TIDAK LULUS", flush=True)


def knee_table(steps: list[dict[str, Any]]) -> list[str]:
    """The steps side by side, and the knee: the last step that met every goal."""
    head = (
        f"{'pengguna':>8} {'req/s':>7} {'p50 simpan':>11} {'p95 simpan':>11} "
        f"{'p95 seluruh':>12} {'galat':>6} {'hilang':>7} {'CPU web':>8} {'CPU PG':>7}  hasil"
    )
    lines = [head]
    for r in steps:
        lines.append(
            f"{r['users']:8d} {r['throughput_rps']:7.1f} {r['save_p50_ms']:9.0f} ms "
            f"{r['save_p95_ms']:8.0f} ms {r['save_p95_whole_run_ms']:9.0f} ms {r['errors']:6d} "
            f"{len(r['verification']['lost_or_overwritten']):7d} {r['web_cores']:8.2f} "
            f"{r['db_cores']:7.2f}  {'LULUS' if r['ok'] else 'TIDAK LULUS'}"
        )
    passing = [r["users"] for r in steps if r["ok"]]
    failing = [r["users"] for r in steps if not r["ok"]]
    if not passing:
        lines.append("Lutut: tidak ada langkah yang lulus.")
    elif not failing:
        lines.append(f"Lutut: di atas {max(passing)} pengguna (semua langkah lulus).")
    else:
        lines.append(
            f"Lutut: antara {max(passing)} dan {min(u for u in failing if u > max(passing))} "
            "pengguna (langkah terakhir yang lulus, langkah pertama yang gagal sesudahnya)."
            if any(u > max(passing) for u in failing)
            else f"Lutut: di atas {max(passing)} pengguna."
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--steps",
        default="",
        help="comma-separated user counts run one after another (e.g. 200,400,800,1200); "
        "prints the knee table",
    )
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", default="2m")
    parser.add_argument(
        "--think", default="10,30", help="think time range between actions, seconds"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="Redis for the web workers' shared cache and session reads, as in production "
        "(its database is emptied at each step; default $BENCH_REDIS_URL, empty = none)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from bench.run import prepare

    if connection.vendor != "postgresql":
        print("Uji beban memerlukan PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    prepare(False)
    counts = [int(x) for x in args.steps.split(",") if x.strip()] or [args.users]
    steps = []
    for users in counts:
        step = run_step(users, args)
        print_step(step)
        steps.append(step)
    table = knee_table(steps) if len(steps) > 1 else []
    if table:
        print("\nTangga beban (" + args.duration + " per langkah, think " + args.think + " s)")
        print("\n".join(table))
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    name = "loadtest-steps" if len(steps) > 1 else "loadtest"
    result_path = ROOT / "bench" / "results" / f"{name}-{stamp}.json"
    result_path.parent.mkdir(exist_ok=True)
    result_path.write_text(
        json.dumps(
            {
                "benchmark": name,
                "duration": args.duration,
                "think": args.think,
                "gunicorn_workers": args.workers,
                "gunicorn_threads": args.threads,
                "redis": bool(args.redis),
                "cpus": os.cpu_count(),
                "target_save_p95_ms": TARGET_SAVE_P95_MS,
                "steps": steps,
                "knee": table[-1] if table else None,
                "ok": all(r["ok"] for r in steps),
            },
            indent=2,
        )
    )
    print(f"→ {result_path.relative_to(ROOT)}")
    return 0 if all(r["ok"] for r in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
