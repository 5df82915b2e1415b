"""LPPD annex PDFs: one kabupaten's annual annex (target < 3 s) and the all-provinces batch
(annexes per minute), through the same code the Celery tasks run.

    python bench/run.py --only pdf [--runs 5]      BENCH_PDF_BATCH=0 skips the batch
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

TARGET_S = 3.0
KABUPATEN = os.environ.get("BENCH_PDF_REGION", "33.10")  # Klaten


def _year() -> int:
    from reporting.models import Report

    row = (
        Report.objects.filter(region__code=KABUPATEN, capaian_index__isnull=False)
        .order_by("-period__year")
        .values_list("period__year", flat=True)
        .first()
    )
    return row or 2026


def run(runs: int = 5) -> dict[str, Any]:
    from regions.models import NATIONAL_CODE, Region, User
    from reporting.documents import pdf
    from reporting.documents import services as documents
    from reporting.models import GeneratedDocument, Report

    runs = max(1, min(runs, 10))  # each run is seconds, not milliseconds
    region = Region.objects.get(code=KABUPATEN)
    year = _year()
    reports = Report.objects.filter(region=region, period__year=year).count()
    pdf.annex_pdf(region, year)  # warm-up: WeasyPrint import, fonts, templates

    times, cpu, size = [], [], 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        content = pdf.annex_pdf(region, year)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        size = len(content)
    p50 = statistics.median(times)
    result: dict[str, Any] = {
        "region": f"{region.code} {region.name}",
        "year": year,
        "reports": reports,
        "runs": runs,
        "annex_p50_s": round(p50, 3),
        "annex_max_s": round(max(times), 3),
        "annex_cpu_p50_s": round(statistics.median(cpu), 3),
        "annex_bytes": size,
        "target_s": TARGET_S,
        "ok": p50 < TARGET_S,
    }
    print(f"\nLampiran LPPD {region.name} {year} ({reports} laporan, {runs}×)")
    print(
        f"  p50 {p50:.2f} s · maks {max(times):.2f} s · CPU p50 {result['annex_cpu_p50_s']:.2f} s"
    )
    print(f"  {'OK' if result['ok'] else 'LAMBAT'} (target < {TARGET_S:.0f} s), {size:,} byte")

    if os.environ.get("BENCH_PDF_BATCH", "1") != "0":
        doc = GeneratedDocument.objects.create(
            kind=GeneratedDocument.Kind.BATCH,
            region=Region.objects.get(code=NATIONAL_CODE),
            year=year,
            requested_by=User.objects.get(username="bangda.admin"),
        )
        t0 = time.perf_counter()
        documents.build_batch(doc.pk)
        elapsed = time.perf_counter() - t0
        doc.refresh_from_db()
        provinces = Region.objects.filter(level="province", is_active=True).count()
        rate = provinces * 60 / elapsed
        result.update(
            batch_provinces=provinces,
            batch_s=round(elapsed, 1),
            batch_per_minute=round(rate, 1),
            batch_zip_bytes=doc.size,
            batch_status=doc.status,
        )
        print(f"Paket semua provinsi: {provinces} lampiran dalam {elapsed:.1f} s")
        print(f"  throughput {rate:.1f} lampiran/menit, zip {doc.size:,} byte ({doc.status})")
        doc.file.delete(save=False)
        doc.delete()
    return result
