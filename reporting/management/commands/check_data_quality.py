"""Re-evaluate the data-quality rules over stored reports (operators: after a deploy that
changed the rule language or facts, or when the background job could not run).

By default the open periods' reports that are not verified yet — what a rule change does.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.models import Period
from reporting.quality import services


class Command(BaseCommand):
    help = (
        "Periksa ulang kualitas data laporan dengan aturan yang aktif. Tanpa pilihan: "
        "laporan periode yang dibuka yang belum diverifikasi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--period", type=int, help="id satu periode")
        which.add_argument("--all", action="store_true", help="semua periode")
        parser.add_argument(
            "--include-verified",
            action="store_true",
            help="juga laporan yang sudah diverifikasi (temuannya dihitung ulang)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        periods = Period.objects.order_by("year", "quarter")
        if opts["period"] is not None:
            periods = periods.filter(pk=opts["period"])
            if not periods.exists():
                raise CommandError(f"Periode dengan id {opts['period']} tidak ada.")
        elif not opts["all"]:
            periods = periods.filter(state=Period.State.OPEN)
        total = 0
        for period in periods:
            summary = services.evaluate_period(period.pk, include_verified=opts["include_verified"])
            total += summary.reports
            self.stdout.write(
                f"{period}: {summary.reports} laporan diperiksa; temuan {summary.created} baru, "
                f"{summary.updated} berubah, {summary.removed} dihapus."
            )
        self.stdout.write(self.style.SUCCESS(f"Selesai: {total} laporan diperiksa."))
