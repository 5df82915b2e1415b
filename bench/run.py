"""`make bench`: national-scale benchmarks on PostgreSQL (DATABASE_URL, default espm_bench).

Prepares the database once (migrate, regions, catalog, demo cast, `seed_synthetic --years 3`)
unless it already holds the synthetic data, then runs every module ``bench/bench_*.py``: each
exposes ``run(runs: int) -> dict`` (printing its own table) and its result is written to
``bench/results/<name>-<timestamp>.json``. Last, the goals of issue #22 that the modules run
answer (``bench/goals.py``) are printed with a pass mark and written to
``bench/results/goals-<timestamp>.json``; an unmet goal makes the exit status 1.

    python bench/run.py [--runs 30] [--only dashboard[,pages,…]] [--reseed]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "espm.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/espm_bench")
os.environ.setdefault("SECURE_HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-key-never-used-outside-the-benchmarks-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

MIN_REPORTS = 150_000


def prepare(reseed: bool) -> None:
    from django.core.management import call_command

    from reporting.models import Report

    call_command("migrate", verbosity=0)
    if (
        not reseed
        and Report.objects.filter(problems__startswith="[SINTETIS]").count() >= MIN_REPORTS
    ):
        return
    print("Menyiapkan basis data benchmark (sekali saja)…", flush=True)
    call_command("load_regions", verbosity=0)
    call_command("load_catalog", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_synthetic", years=3, seed=1, i_know_this_is_not_production=True, verbosity=1)


def cpu_reference() -> float:
    """Seconds for a fixed pure-Python loop (best of 3): how fast this machine runs Python now.

    A shared machine's speed changes from hour to hour; printed before and after each run and
    kept in the goals file, it tells which runs can be compared."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    import django

    from bench import goals as bench_goals

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Benchmark memerlukan PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    prepare(args.reseed)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    reference = [cpu_reference()]
    print(f"Acuan CPU (loop Python tetap, terbaik dari 3): {reference[0]:.3f} s")
    failed = False
    goals: list[dict] = []
    for info in sorted(pkgutil.iter_modules([str(ROOT / "bench")]), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        name = info.name.removeprefix("bench_")
        if args.only and name not in args.only.split(","):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        result = module.run(args.runs)
        path = out_dir / f"{name}-{stamp}.json"
        path.write_text(json.dumps(result, indent=2, default=str))
        print(f"→ {path.relative_to(ROOT)}")
        failed = failed or not result.get("ok", True)
        goals += bench_goals.of(name, result)
    reference.append(cpu_reference())
    print(f"Acuan CPU sesudahnya: {reference[1]:.3f} s")
    if goals:
        bench_goals.print_table(goals)
        path = out_dir / f"goals-{stamp}.json"
        path.write_text(
            json.dumps({"timestamp": stamp, "cpu_reference_s": reference, "goals": goals}, indent=2)
        )
        print(f"→ {path.relative_to(ROOT)}")
        failed = failed or not all(g["ok"] for g in goals)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
